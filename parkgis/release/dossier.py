"""The case dossier (案件卷宗): what the court needs for the auction listing and what the
government needs to re-plan, as self-contained HTML (inline SVG map, no CDN) and as XLSX."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.documents import xlsx
from parkgis.labels import codes, format
from parkgis.labels.format import Lang
from parkgis.release._common import today
from parkgis.release.cases import get_case

#: A dossier column: key, Chinese and English header, XLSX kind, code list of its values.
Col = tuple[str, str, str, xlsx.Kind, str]

SECTIONS: dict[str, list[Col]] = {
    "parcels": [
        ("plot_no", "地块编号", "Plot", "text", ""),
        ("parcel_code", "宗地代码", "Parcel code", "text", ""),
        ("tenure", "供地方式", "Tenure", "text", "tenure"),
        ("in_estate", "属破产财产", "In estate", "text", ""),
        ("status", "土地状态", "Status", "text", "land_status"),
        ("land_use_code", "土地用途", "Land use", "text", "land_use"),
        ("area_m2", "面积（平方米）", "Area (m²)", "m2", ""),
        ("area_mu", "面积（亩）", "Area (mu)", "mu", ""),
        ("plot_ratio_min", "容积率下限", "Plot ratio min", "number", ""),
        ("plot_ratio_max", "容积率上限", "Plot ratio max", "number", ""),
        ("building_coefficient_min", "建筑系数下限", "Building coeff. min", "number", ""),
        ("green_ratio_max", "绿地率上限", "Green ratio max", "number", ""),
        ("height_limit_m", "限高（米）", "Height limit (m)", "number", ""),
    ],
    "buildings": [
        ("code", "编号", "Code", "text", ""),
        ("plot_no", "地块", "Plot", "text", ""),
        ("name", "名称", "Name", "text", ""),
        ("storeys", "层数", "Storeys", "integer", ""),
        ("height_m", "高度（米）", "Height (m)", "number", ""),
        ("total_floor_area_m2", "建筑面积（平方米）", "Floor area (m²)", "m2", ""),
        ("design_fire_class", "火灾危险性类别", "Fire class", "text", "fire_hazard_class"),
        ("status", "状态", "Status", "text", "building_status"),
    ],
    "encumbrances": [
        ("plot_no", "地块", "Plot", "text", ""),
        ("kind", "类型", "Kind", "text", "encumbrance_kind"),
        ("holder", "权利人", "Holder", "text", ""),
        ("reference_no", "文号", "Reference", "text", ""),
        ("amount_yuan", "金额", "Amount", "yuan", ""),
        ("registered_on", "登记日期", "Registered", "date", ""),
        ("lifted", "已解除", "Lifted", "text", ""),
        ("lifted_on", "解除日期", "Lifted on", "date", ""),
    ],
    "deadlines": [
        ("article", "法条", "Article", "text", ""),
        ("label", "事项", "Step", "text", ""),
        ("due_on", "期限", "Due", "date", ""),
        ("done_on", "完成日期", "Done", "date", ""),
        ("status", "状态", "Status", "text", ""),
        ("days_left", "剩余天数", "Days left", "integer", ""),
        ("days_overdue", "逾期天数", "Days overdue", "integer", ""),
    ],
    "tasks": [
        ("id", "编号", "#", "integer", ""),
        ("kind", "任务", "Task", "text", "task_kind"),
        ("department_code", "责任部门", "Department", "text", "department"),
        ("deadline_on", "期限", "Deadline", "date", ""),
        ("status", "状态", "Status", "text", "task_status"),
        ("blocks_stage", "阻止阶段", "Blocks", "text", "case_stage"),
        ("evidence", "证明材料", "Evidence", "text", ""),
        ("days_overdue", "逾期天数", "Days overdue", "integer", ""),
    ],
    "auctions": [
        ("plot_no", "地块", "Plot", "text", ""),
        ("round", "轮次", "Round", "integer", ""),
        ("mode", "方式", "Mode", "text", "auction_mode"),
        ("appraisal_yuan", "评估价", "Appraisal", "yuan", ""),
        ("starting_price_yuan", "起拍价", "Starting price", "yuan", ""),
        ("announced_on", "公告日", "Announced", "date", ""),
        ("auction_on", "拍卖日", "Auction", "date", ""),
        ("result", "结果", "Result", "text", "auction_result"),
        ("sold_price_yuan", "成交价", "Sold for", "yuan", ""),
        ("buyer", "买受人", "Buyer", "text", ""),
    ],
}
#: Words of a deadline's state (computed by parkgis.release.deadlines, not stored).
DEADLINE_STATES = {
    "open": ("未到期", "open"),
    "overdue": ("已逾期", "overdue"),
    "done": ("已按期完成", "done"),
    "done_late": ("逾期后完成", "done late"),
}
TITLES = {
    "parcels": ("宗地与规划条件", "Parcels and planning conditions"),
    "buildings": ("地上建筑", "Buildings"),
    "encumbrances": ("抵押与查封", "Mortgages and seizures"),
    "deadlines": ("法定期限", "Statutory deadlines"),
    "tasks": ("府院联动任务", "Joint tasks"),
    "auctions": ("拍卖记录", "Auction record"),
}


def dossier_data(conn: Connection, case_id: int, as_of: date | None = None) -> dict[str, Any]:
    """Everything in the dossier: the case, its parcels' buildings, encumbrances and map."""
    case = get_case(conn, case_id, as_of)
    params = {"c": case_id}
    case["buildings"] = [
        dict(r)
        for r in conn.execute(
            text(
                "SELECT b.code, p.plot_no, b.name, b.storeys, b.height_m, b.total_floor_area_m2, "
                "b.design_fire_class, b.status FROM building b JOIN parcel p ON p.id = b.parcel_id "
                "JOIN case_parcel cp ON cp.parcel_id = p.id WHERE cp.case_id = :c ORDER BY b.code"
            ),
            params,
        ).mappings()
    ]
    case["encumbrances"] = [
        dict(r)
        for r in conn.execute(
            text(
                "SELECT p.plot_no, e.kind, e.holder, e.reference_no, e.amount_yuan, "
                "e.registered_on, "
                "e.lifted, e.lifted_on FROM encumbrance e JOIN parcel p ON p.id = e.parcel_id "
                "JOIN case_parcel cp ON cp.parcel_id = p.id WHERE cp.case_id = :c "
                "ORDER BY p.plot_no, e.registered_on"
            ),
            params,
        ).mappings()
    ]
    case["map_svg"] = map_svg(conn, case_id)
    return case


def map_svg(conn: Connection, case_id: int, width: int = 640) -> str:
    """Inline SVG of the case's parcels (estate land purple, allocated land hatched grey)."""
    ext = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(p.geom) AS e "
            "FROM case_parcel cp JOIN parcel p ON p.id = cp.parcel_id WHERE cp.case_id = :c) s"
        ),
        {"c": case_id},
    ).one()
    if ext[0] is None:
        return "<p>无地块 No parcels</p>"
    x0, y0, x1, y1 = (float(v) for v in ext)
    pad = max(x1 - x0, y1 - y0) * 0.05 + 1
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    rows = conn.execute(
        text(
            "SELECT p.plot_no, ST_AsSVG(p.geom, 0, 1) AS d, ST_X(ST_PointOnSurface(p.geom)) AS x, "
            "-ST_Y(ST_PointOnSurface(p.geom)) AS y, "
            "coalesce(t.in_bankruptcy_estate, true) AS in_estate "
            "FROM case_parcel cp JOIN parcel p ON p.id = cp.parcel_id LEFT JOIN tenure t "
            "ON t.code = p.tenure WHERE cp.case_id = :c ORDER BY p.plot_no"
        ),
        {"c": case_id},
    ).mappings()
    font = max(w, h) / 40
    shapes = []
    for r in rows:
        fill = "#7b3294" if r["in_estate"] else "#bbbbbb"
        shapes.append(
            f'<path d="{html.escape(r["d"])}" fill="{fill}" fill-opacity="0.5" stroke="#333" '
            f'stroke-width="{font / 10:.2f}"><title>{html.escape(r["plot_no"])}</title></path>'
            f'<text x="{r["x"]:.1f}" y="{r["y"]:.1f}" font-size="{font:.1f}" text-anchor="middle">'
            f"{html.escape(r['plot_no'])}</text>"
        )
    height = int(width * h / w) if w else width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="{x0 - pad:.1f} {-y1 - pad:.1f} {w:.1f} {h:.1f}">{"".join(shapes)}</svg>'
    )


def _value(conn: Connection, col: Col, row: dict[str, Any], lang: Lang) -> Any:
    """A cell's value: a code's label, a word for a state or a yes/no, else the value."""
    key, _zh, _en, _kind, code_list = col
    if key == "label":
        return row.get("label_zh" if lang == "zh" else "label_en")
    value = row.get(key)
    if code_list:
        return codes.label(conn, code_list, value, lang)
    if key == "status" and value in DEADLINE_STATES:
        return DEADLINE_STATES[value][0 if lang == "zh" else 1]
    if isinstance(value, bool):
        return format.yes_no(value, lang)
    return value


def _text(value: Any, kind: xlsx.Kind, lang: Lang) -> str:
    """A value as text for the HTML dossier."""
    if format.is_missing(value):
        return "—"
    if isinstance(value, str):
        return value
    if kind == "date":
        return format.date(value, lang)
    if kind == "yuan":
        return format.yuan(value, lang)
    if kind == "mu":
        return format.number(value, 2, lang)
    if kind == "m2":
        return format.number(value, 0, lang)
    if kind in ("number", "integer"):
        return format.number(value, 0 if kind == "integer" else 2, lang)
    return str(value)


def _head(conn: Connection, c: dict[str, Any], lang: Lang) -> list[tuple[str, Any]]:
    zh = lang == "zh"
    return [
        ("案号" if zh else "Case number", c["case_no"] or c["application_no"]),
        ("法院" if zh else "Court", c["court"]),
        ("债务人" if zh else "Debtor", c["debtor_name"]),
        ("统一社会信用代码" if zh else "USCC", c["debtor_uscc"]),
        ("程序" if zh else "Procedure", codes.label(conn, "case_procedure", c["procedure"], lang)),
        ("阶段" if zh else "Stage", codes.label(conn, "case_stage", c["stage"], lang)),
        ("管理人" if zh else "Administrator", c["administrator"]),
        ("申请日期" if zh else "Applied on", format.date(c.get("applied_on"), lang)),
        ("受理日期" if zh else "Accepted on", format.date(c.get("accepted_on"), lang)),
        (
            "预计释放日期" if zh else "Expected release",
            format.date(c["expected_release_on"], lang),
        ),
    ]


def dossier_html(
    conn: Connection, case_id: int, as_of: date | None = None, lang: Lang = "zh"
) -> str:
    """The dossier as one self-contained HTML page, in Chinese (default) or English."""
    c = dossier_data(conn, case_id, as_of)
    esc = html.escape
    zh = lang == "zh"
    number = _text(c["case_no"] or c["application_no"], "text", lang)
    head = [*_head(conn, c, lang), ("截至" if zh else "As of", format.date(today(as_of), lang))]
    parts = [
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
        f"<title>{'案件卷宗' if zh else 'Case dossier'} {esc(number)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #999;padding:3px 6px;font-size:13px}th{background:#eee}"
        ".overdue{color:#b00;font-weight:bold}</style></head><body>",
        f"<h1>{'破产案件卷宗' if zh else 'Case dossier'} {esc(number)}</h1>",
        "<table>"
        + "".join(
            f"<tr><th>{esc(k)}</th><td>{esc(_text(v, 'text', lang))}</td></tr>" for k, v in head
        )
        + "</table>",
        f"<h2>{'地块位置' if zh else 'Parcels on the map'}</h2>",
        c["map_svg"],
    ]
    for key, cols in SECTIONS.items():
        parts.append(
            f"<h2>{esc(TITLES[key][0 if zh else 1])}</h2><table><tr>"
            + "".join(f"<th>{esc(col[1] if zh else col[2])}</th>" for col in cols)
            + "</tr>"
        )
        for row in c[key]:
            late = row.get("status") == "overdue" or row.get("overdue")
            tr = '<tr class="overdue">' if late else "<tr>"
            cells = [_text(_value(conn, col, row, lang), col[3], lang) for col in cols]
            parts.append(tr + "".join(f"<td>{esc(v)}</td>" for v in cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def dossier_xlsx(
    conn: Connection, case_id: int, as_of: date | None = None, lang: Lang = "zh"
) -> bytes:
    """The dossier as a formatted XLSX workbook: the case, then one sheet per section."""
    c = dossier_data(conn, case_id, as_of)
    zh = lang == "zh"
    sheets = [
        xlsx.Sheet(
            "案件" if zh else "Case",
            [xlsx.Column("项目" if zh else "Item"), xlsx.Column("内容" if zh else "Value")],
            _head(conn, c, lang),
        )
    ]
    for key, cols in SECTIONS.items():
        columns = [xlsx.Column(col[1] if zh else col[2], col[3]) for col in cols]
        rows = [[_value(conn, col, row, lang) for col in cols] for row in c[key]]
        sheets.append(xlsx.Sheet(TITLES[key][0 if zh else 1], columns, rows))
    return xlsx.workbook(sheets, lang)
