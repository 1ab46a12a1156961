"""Plan and assessment outputs: XLSX work orders 工单 (Chinese headers), GeoJSON, and the
per-segment CJJ 181-2012 assessment report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from parkgis.documents import xlsx
from parkgis.errors import NotFoundError
from parkgis.labels import codes, format
from parkgis.labels.format import Lang
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
from parkgis.rules import current as current_rules

#: Work-order columns: key, Chinese and English header, XLSX kind.
_HEADERS: list[tuple[str, str, str, xlsx.Kind]] = [
    ("seq", "序号", "No.", "integer"),
    ("year", "年度", "Year", "integer"),
    ("work_kind", "工程类型", "Work", "text"),
    ("code", "管段/路段编号", "Segment", "text"),
    ("street", "所在道路", "Street", "text"),
    ("method", "修复方法", "Method", "text"),
    ("length_m", "长度（米）", "Length (m)", "number"),
    ("diameter_mm", "管径（毫米）", "Diameter (mm)", "integer"),
    ("ri", "修复指数RI", "Repair index RI", "number"),
    ("ri_grade", "RI等级", "RI grade", "text"),
    ("cost_yuan", "费用", "Cost", "yuan"),
    ("risk_reduction", "风险降低", "Risk reduction", "number"),
    ("land_unlocked_mu", "释放土地", "Land unlocked", "mu"),
    ("parcels", "受益地块", "Parcels served", "text"),
    ("enquiries", "受益招商项目", "Enquiries served", "text"),
    ("basis", "依据", "Basis", "text"),
]


def _row(conn: Connection, item: dict[str, Any], lang: Lang) -> list[Any]:
    d = item["detail"]
    basis = "CJJ 181-2012 §8.3" if item["work_kind"] == "pipe_repair" else "CJJ 36-2016"
    none = "无" if lang == "zh" else "none"
    values = {
        **item,
        "work_kind": codes.label(conn, "work_kind", item["work_kind"], lang),
        "street": d.get("street"),
        "method": (d.get("method_zh") if lang == "zh" else None) or item["method"],
        "length_m": d.get("length_m"),
        "diameter_mm": d.get("diameter_mm"),
        "ri": d.get("ri"),
        "ri_grade": GRADE_ROMAN.get(d.get("ri_grade") or 0, "—"),
        "parcels": "、".join(d.get("parcels", [])) or none,
        "enquiries": "、".join(d.get("enquiries", [])) or none,
        "basis": basis,
    }
    return [values.get(key) for key, _, _, _ in _HEADERS]


def plan_xlsx(conn: Connection, plan_id: int, role: str = "admin", lang: Lang = "zh") -> bytes:
    """The plan as an XLSX workbook: 工单 (work orders), 汇总 (totals vs greedy)."""
    plan = get_plan(conn, plan_id, role)
    zh = lang == "zh"
    orders = xlsx.Sheet(
        "工单" if zh else "Work orders",
        [xlsx.Column(z if zh else e, kind) for _, z, e, kind in _HEADERS],
        [_row(conn, item, lang) for item in plan["items"]],
    )
    t, g = plan["totals"], plan["totals"].get("greedy", {})
    sep = "、" if zh else ", "
    none = "无" if zh else "none"
    rows: list[list[Any]] = [
        ["工程数" if zh else "Works", t.get("works"), g.get("works")],
        ["总费用" if zh else "Cost", format.yuan(t.get("cost_yuan"), lang),
         format.yuan(g.get("cost_yuan"), lang)],
        ["风险降低合计" if zh else "Risk reduction", t.get("risk_reduction"),
         g.get("risk_reduction")],
        ["释放土地" if zh else "Land unlocked",
         format.mu(float(t.get("land_unlocked_mu") or 0) * format.M2_PER_MU, lang),
         format.mu(float(g.get("land_unlocked_mu") or 0) * format.M2_PER_MU, lang)],
        ["释放地块" if zh else "Parcels unlocked",
         sep.join(t.get("parcels_unlocked", [])) or none,
         sep.join(g.get("parcels_unlocked", [])) or none],
        ["释放招商项目" if zh else "Enquiries unlocked",
         sep.join(t.get("enquiries_unlocked", [])) or none,
         sep.join(g.get("enquiries_unlocked", [])) or none],
        ["预算" if zh else "Budget", format.yuan(plan["budget_yuan"], lang),
         format.yuan(plan["budget_yuan"], lang)],
        ["目标" if zh else "Objective",
         codes.label(conn, "repair_objective", plan["objective"], lang),
         "按风险/费用排序" if zh else "risk per cost"],
    ]  # fmt: skip
    summary = xlsx.Sheet(
        "汇总" if zh else "Totals",
        [
            xlsx.Column("项目" if zh else "Item"),
            xlsx.Column("优化方案" if zh else "Optimal plan", "number"),
            xlsx.Column("贪心排序方案" if zh else "Greedy plan", "number"),
        ],
        rows,
    )
    return xlsx.workbook([orders, summary], lang)


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
        "weights": current_rules().cjj181.ri_weights.model_dump(),
    }
