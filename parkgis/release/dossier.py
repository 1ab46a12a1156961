"""The case dossier (案件卷宗): what the court needs for the auction listing and what the
government needs to re-plan, as self-contained HTML (inline SVG map, no CDN) and as XLSX."""

from __future__ import annotations

import html
import io
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.export import ledger_cell as _cell
from parkgis.release._common import today
from parkgis.release.cases import get_case

SECTIONS: dict[str, list[tuple[str, str]]] = {
    "parcels": [
        ("plot_no", "地块编号 Plot"),
        ("parcel_code", "宗地代码 Parcel code"),
        ("tenure_zh", "供地方式 Tenure"),
        ("in_estate", "属破产财产 In estate"),
        ("status", "状态 Status"),
        ("land_use_code", "用途 Land use"),
        ("area_m2", "面积 m²"),
        ("area_mu", "面积 亩"),
        ("plot_ratio_min", "容积率下限 Plot ratio min"),
        ("plot_ratio_max", "容积率上限 Plot ratio max"),
        ("building_coefficient_min", "建筑系数下限 Building coeff. min"),
        ("green_ratio_max", "绿地率上限 Green ratio max"),
        ("height_limit_m", "限高 m Height limit"),
    ],
    "buildings": [
        ("code", "编号 Code"),
        ("plot_no", "地块 Plot"),
        ("name", "名称 Name"),
        ("storeys", "层数 Storeys"),
        ("height_m", "高度 m"),
        ("total_floor_area_m2", "建筑面积 m²"),
        ("design_fire_class", "火灾危险性 Fire class"),
        ("status", "状态 Status"),
    ],
    "encumbrances": [
        ("plot_no", "地块 Plot"),
        ("kind", "类型 Kind"),
        ("holder", "权利人 Holder"),
        ("reference_no", "文号 Reference"),
        ("amount_yuan", "金额 元"),
        ("registered_on", "登记日期 Registered"),
        ("lifted", "已解除 Lifted"),
        ("lifted_on", "解除日期 Lifted on"),
    ],
    "deadlines": [
        ("article", "法条 Article"),
        ("label_zh", "事项"),
        ("label_en", "Step"),
        ("due_on", "期限 Due"),
        ("done_on", "完成 Done"),
        ("status", "状态 Status"),
        ("days_left", "剩余天数 Days left"),
        ("days_overdue", "逾期天数 Days overdue"),
    ],
    "tasks": [
        ("id", "编号 #"),
        ("kind_zh", "任务 Task"),
        ("department_zh", "责任部门 Department"),
        ("deadline_on", "期限 Deadline"),
        ("status", "状态 Status"),
        ("blocks_stage", "阻止阶段 Blocks"),
        ("evidence", "证明材料 Evidence"),
        ("days_overdue", "逾期天数 Days overdue"),
    ],
    "auctions": [
        ("plot_no", "地块 Plot"),
        ("round", "轮次 Round"),
        ("mode", "方式 Mode"),
        ("appraisal_yuan", "评估价 元"),
        ("starting_price_yuan", "起拍价 元"),
        ("announced_on", "公告日 Announced"),
        ("auction_on", "拍卖日 Auction"),
        ("result", "结果 Result"),
        ("sold_price_yuan", "成交价 元"),
        ("buyer", "买受人 Buyer"),
    ],
}
TITLES = {
    "parcels": "宗地与规划条件 Parcels and planning conditions",
    "buildings": "地上建筑 Buildings",
    "encumbrances": "抵押与查封 Mortgages and seizures",
    "deadlines": "法定期限 Statutory deadlines",
    "tasks": "府院联动任务 Joint tasks",
    "auctions": "拍卖记录 Auction record",
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


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return str(value)


def dossier_html(conn: Connection, case_id: int, as_of: date | None = None) -> str:
    """The dossier as one self-contained HTML page (Chinese first, English alongside)."""
    c = dossier_data(conn, case_id, as_of)
    esc = html.escape
    head = [
        ("案号 Case number", c["case_no"] or c["application_no"]),
        ("法院 Court", c["court"]),
        ("债务人 Debtor", c["debtor_name"]),
        ("统一社会信用代码 USCC", c["debtor_uscc"]),
        ("程序 Procedure", c["procedure"]),
        ("阶段 Stage", f"{c['stage_zh']} {c['stage_en']}"),
        ("管理人 Administrator", c["administrator"]),
        ("预计释放日期 Expected release", c["expected_release_on"]),
        ("截至 As of", today(as_of)),
    ]
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>案件卷宗 {esc(_fmt(c['case_no'] or c['application_no']))}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #999;padding:3px 6px;font-size:13px}th{background:#eee}"
        ".overdue{color:#b00;font-weight:bold}</style></head><body>",
        f"<h1>破产案件卷宗 Case dossier — {esc(_fmt(c['case_no'] or c['application_no']))}</h1>",
        "<table>"
        + "".join(f"<tr><th>{esc(k)}</th><td>{esc(_fmt(v))}</td></tr>" for k, v in head)
        + "</table>",
        "<h2>地块位置 Parcels on the map</h2>",
        c["map_svg"],
    ]
    for key, cols in SECTIONS.items():
        parts.append(
            f"<h2>{esc(TITLES[key])}</h2><table><tr>"
            + "".join(f"<th>{esc(label)}</th>" for _, label in cols)
            + "</tr>"
        )
        for row in c[key]:
            late = row.get("status") == "overdue" or row.get("overdue")
            tr = '<tr class="overdue">' if late else "<tr>"
            parts.append(
                tr + "".join(f"<td>{esc(_fmt(row.get(k)))}</td>" for k, _ in cols) + "</tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def dossier_xlsx(conn: Connection, case_id: int, as_of: date | None = None) -> bytes:
    """The dossier as an XLSX workbook: one sheet per section."""
    from openpyxl import Workbook

    c = dossier_data(conn, case_id, as_of)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "案件 Case"
    for k in (
        "case_no",
        "application_no",
        "court",
        "debtor_name",
        "procedure",
        "stage",
        "administrator",
        "applied_on",
        "accepted_on",
        "expected_release_on",
    ):
        ws.append([k, _cell(c.get(k))])
    for key, cols in SECTIONS.items():
        sheet = wb.create_sheet(TITLES[key].split(" ")[0])
        sheet.append([label for _, label in cols])
        for row in c[key]:
            sheet.append([_cell(row.get(k)) for k, _ in cols])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
