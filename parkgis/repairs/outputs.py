"""Plan and assessment outputs: XLSX work orders 工单 (Chinese headers), GeoJSON, and the
per-segment CJJ 181-2012 assessment report."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import Connection, text

from parkgis.config import get_rules
from parkgis.errors import NotFoundError
from parkgis.export import safe_cell
from parkgis.repairs.cjj181 import (
    DENSITY_LABELS,
    GRADE_ROMAN,
    MI_ACTIONS,
    RI_ACTIONS,
    Defect,
    density_class,
)
from parkgis.repairs.cjj181 import assess as assess_defects
from parkgis.repairs.plan import get_plan

KIND_ZH = {"pipe_repair": "管道修复", "road_complete": "道路建成", "road_resurface": "道路罩面"}
_HEADERS = [
    ("seq", "序号"),
    ("year", "年度"),
    ("work_kind", "工程类型"),
    ("code", "管段/路段编号"),
    ("street", "所在道路"),
    ("method", "修复方法"),
    ("length_m", "长度(m)"),
    ("diameter_mm", "管径(mm)"),
    ("ri", "修复指数RI"),
    ("ri_grade", "RI等级"),
    ("cost_yuan", "费用(元)"),
    ("risk_reduction", "风险降低"),
    ("land_unlocked_mu", "释放土地(亩)"),
    ("parcels", "受益地块"),
    ("enquiries", "受益招商项目"),
    ("basis", "依据"),
]


def _row(item: dict[str, Any]) -> list[Any]:
    d = item["detail"]
    basis = "CJJ 181-2012 §8.3 修复指数" if item["work_kind"] == "pipe_repair" else "CJJ 36-2016"
    values = {
        **item,
        "work_kind": KIND_ZH[item["work_kind"]],
        "street": d.get("street"),
        "method": d.get("method_zh") or item["method"],
        "length_m": d.get("length_m"),
        "diameter_mm": d.get("diameter_mm"),
        "ri": d.get("ri"),
        "ri_grade": GRADE_ROMAN.get(d.get("ri_grade") or 0, ""),
        "parcels": "、".join(d.get("parcels", [])),
        "enquiries": "、".join(d.get("enquiries", [])),
        "basis": basis,
    }
    return [safe_cell(values.get(k)) for k, _ in _HEADERS]  # no formula injection


def plan_xlsx(conn: Connection, plan_id: int, role: str = "admin") -> bytes:
    """The plan as an XLSX workbook: 工单 (work orders), 汇总 (totals vs greedy)."""
    plan = get_plan(conn, plan_id, role)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "工单"
    sheet.append([zh for _, zh in _HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in plan["items"]:
        sheet.append(_row(item))
    summary = book.create_sheet("汇总")
    t, g = plan["totals"], plan["totals"].get("greedy", {})
    summary.append(["项目", "优化方案", "贪心排序方案(风险/费用)"])
    for key, label in [
        ("works", "工程数"),
        ("cost_yuan", "总费用(元)"),
        ("risk_reduction", "风险降低合计"),
        ("land_unlocked_mu", "释放土地(亩)"),
    ]:
        summary.append([label, t.get(key), g.get(key)])
    summary.append(
        [
            "释放地块",
            "、".join(t.get("parcels_unlocked", [])),
            "、".join(g.get("parcels_unlocked", [])),
        ]
    )
    summary.append(
        [
            "释放招商项目",
            "、".join(t.get("enquiries_unlocked", [])),
            "、".join(g.get("enquiries_unlocked", [])),
        ]
    )
    summary.append(["预算(元)", plan["budget_yuan"], plan["budget_yuan"]])
    summary.append(["目标", plan["objective"], "risk/cost"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def segment_report(conn: Connection, code: str) -> dict[str, Any]:
    """CJJ 181-2012 assessment of a segment's latest inspection, line by line."""
    seg = conn.execute(
        text(
            "SELECT s.id, s.code, s.system, s.diameter_mm, s.material, s.length_m, s.year_built, "
            "s.area_class, a.k_score, s.soil_class, so.t_score FROM pipe_segment s "
            "JOIN area_class a ON a.code = s.area_class "
            "JOIN soil_class so ON so.code = s.soil_class WHERE s.code = :c"
        ),
        {"c": code},
    ).first()
    if seg is None:
        raise NotFoundError(
            message=f"没有管段 {code}",
            message_en=f"no pipe segment {code}",
            field="code",
            found=code,
        )
    insp = (
        conn.execute(
            text("SELECT * FROM logic.pipe_assessment WHERE pipe_segment_id = :i"), {"i": seg.id}
        )
        .mappings()
        .first()
    )
    base = {
        "code": seg.code,
        "system": seg.system,
        "diameter_mm": seg.diameter_mm,
        "material": seg.material,
        "length_m": float(seg.length_m),
        "year_built": seg.year_built,
        "area_class": seg.area_class,
        "soil_class": seg.soil_class,
    }
    if insp is None:
        return {
            **base,
            "inspection": None,
            "message": "尚无检测记录",
            "message_en": "never inspected",
        }
    rows = conn.execute(
        text(
            "SELECT d.code, c.kind, c.label_zh, c.label_en, d.grade, ds.score, d.distance_m, "
            "d.length_m, d.clock_from, d.clock_to, c.clause FROM defect d "
            "JOIN defect_code c ON c.code = d.code "
            "JOIN defect_score ds ON ds.code = d.code AND ds.grade = d.grade "
            "WHERE d.inspection_id = :i ORDER BY d.distance_m"
        ),
        {"i": insp["id"]},
    ).mappings()
    defects: list[dict[str, Any]] = [
        {k: (float(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows
    ]
    a = assess_defects(
        [
            Defect(d["code"], d["kind"], d["score"], d["distance_m"], d["length_m"] or 0.0)
            for d in defects
        ],
        float(seg.length_m),
        seg.diameter_mm,
        float(seg.k_score),
        float(seg.t_score),
    )
    dclass = density_class(a.structural.density, bool(a.structural.defects))
    return {
        **base,
        "inspection": {
            "id": insp["id"],
            "inspected_on": insp["inspected_on"].isoformat(),
            "direction": insp["direction"],
            "stale": insp["assessed_at"] is None,
        },
        "defects": defects,
        "structural": {
            "S": a.structural.mean,
            "Smax": a.structural.max,
            "F": a.structural.value,
            "S_M": a.structural.density,
            "density_class": dclass,
            "density_zh": DENSITY_LABELS[dclass][0],
            "grade": GRADE_ROMAN[a.structural.grade],
            "clause": "CJJ 181-2012 §8.2.2",
        },
        "functional": {
            "Y": a.functional.mean,
            "Ymax": a.functional.max,
            "G": a.functional.value,
            "grade": GRADE_ROMAN[a.functional.grade],
            "clause": "CJJ 181-2012 §8.4",
        },
        "K": a.k,
        "E": a.e,
        "T": a.t,
        "RI": round(a.ri, 4),
        "RI_grade": GRADE_ROMAN[a.ri_grade],
        "RI_action": RI_ACTIONS[a.ri_grade][0],
        "RI_action_en": RI_ACTIONS[a.ri_grade][1],
        "MI": round(a.mi, 4),
        "MI_grade": GRADE_ROMAN[a.mi_grade],
        "MI_action": MI_ACTIONS[a.mi_grade][0],
        "MI_action_en": MI_ACTIONS[a.mi_grade][1],
        "formula": "RI = 0.7F + 0.1K + 0.05E + 0.15T; MI = 0.8G + 0.15K + 0.05E",
        "weights": get_rules()["cjj181"]["ri_weights"],
    }
