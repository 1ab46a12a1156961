"""A one-page site brochure (HTML with an inline SVG map) and match results as XLSX."""

from __future__ import annotations

import datetime as dt
import html
import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Connection, text

from parkgis.config import get_rules
from parkgis.export import safe_cell
from parkgis.matching.engine import MatchResult
from parkgis.matching.site import KINDS, site_detail

_SVG = 360


def _svg_map(conn: Connection, kind: str, site_id: int, role: str) -> str:
    """Inline SVG of the site (red), public parcels and roads within 250 m (no tiles needed)."""
    table = KINDS[kind][1]
    rows = conn.execute(
        text(
            f"""
WITH site AS (SELECT geom FROM "{table}" WHERE id = :i),
box AS (SELECT ST_Expand(ST_Envelope(geom), 250) AS b FROM site),
shapes AS (
    SELECT 'road' AS what, r.status AS style, r.geom FROM road_segment r, box WHERE r.geom && box.b
    UNION ALL
    SELECT 'parcel', p.status, p.geom FROM parcel p, box
     WHERE p.geom && box.b AND p.status IN (SELECT code FROM land_status WHERE is_public)
    UNION ALL
    SELECT 'site', 'site', geom FROM site
)
SELECT what, style, ST_AsSVG(ST_Translate(geom, -ST_XMin(box.b), -ST_YMax(box.b)), 0, 1) AS d,
       ST_XMax(box.b) - ST_XMin(box.b) AS w, ST_YMax(box.b) - ST_YMin(box.b) AS h
  FROM shapes, box
"""
        ),
        {"i": site_id},
    ).all()
    if not rows:
        return ""
    w, h = float(rows[0].w), float(rows[0].h)
    parts = []
    colours = {
        "complete": "#555",
        "planned": "#bbb",
        "under_construction": "#e08",
        "dead_end": "#c33",
    }
    for r in rows:
        if r.what == "road":
            stroke = colours.get(r.style, "#777")
            parts.append(f'<path d="{r.d}" fill="none" stroke="{stroke}" stroke-width="6"/>')
        elif r.what == "parcel":
            parts.append(f'<path d="{r.d}" fill="#cfe8cf" stroke="#6a6" stroke-width="1"/>')
        else:
            parts.append(
                f'<path d="{r.d}" fill="#d73027" fill-opacity="0.7" '
                'stroke="#900" stroke-width="2"/>'
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SVG}" height="{_SVG * h / w:.0f}" '
        f'viewBox="0 0 {w:.1f} {h:.1f}" role="img" aria-label="位置图 / location map">'
        f'<rect width="100%" height="100%" fill="#f7f7f7"/>{"".join(parts)}</svg>'
    )


def brochure_html(
    conn: Connection, kind: str, site_id: int, role: str, as_of: dt.date | None = None
) -> str:
    """The one-page brochure of a site: map, figures, planning conditions, incentives."""
    d = site_detail(conn, kind, site_id, role, as_of)
    inc = get_rules()["matching"]["incentives"]
    esc = html.escape
    figures = "".join(
        f"<tr><th>{esc(d['labels'][k])}</th><td>{esc(_fmt(v))}</td></tr>"
        for k, v in d["properties"].items()
        if v not in (None, "", [])
    )
    acc = d["access"]
    access = (
        f"<li>临接已建成道路 / road frontage: {'是 yes' if acc['has_access'] else '否 no'}</li>"
        f"<li>距主干路 / to the arterial: {_fmt(acc['arterial_dist_m'])} m</li>"
        f"<li>距高速出入口 / to the highway entrance: {_fmt(acc['highway_dist_m'])} m</li>"
        f"<li>距铁路专用线 / to the rail siding: {_fmt(acc['rail_dist_m'])} m</li>"
        f"<li>可入驻日期 / available from: {esc(_fmt(d['available_from']))}</li>"
    )
    blockers = "".join(
        f"<li>{esc(b['message'])}<br><small>{esc(b['message_en'])}</small></li>"
        for b in d["blockers"]
    )
    incentives = "".join(
        f"<li>{esc(zh)}<br><small>{esc(en)}</small></li>"
        for zh, en in zip(inc["zh"], inc["en"], strict=False)
    )
    planning = (
        "<p>新建工业项目容积率不低于 1.0（皖政〔2022〕54号）；"
        "投资强度与亩均税收按园区招商政策执行。"
        "<br><small>New industrial projects: plot ratio at least 1.0 (Anhui 2022 No. 54); "
        "investment intensity and tax per mu as per the park's policy.</small></p>"
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{esc(d["title_zh"])} {esc(str(d["label"]))} — 烈山区招商载体</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
max-width:800px;margin:1em auto;color:#222}} h1{{font-size:1.4em}}
table{{border-collapse:collapse}}
th,td{{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}}
.cols{{display:flex;gap:1em}} small{{color:#666}} @media print{{body{{margin:0}}}}</style></head>
<body><h1>{esc(d["title_zh"])} {esc(str(d["label"]))}
<small>Lieshan District site brochure</small></h1>
<div class="cols"><div>{_svg_map(conn, kind, site_id, role)}</div>
<div><h2>区位 / Location</h2><ul>{access}</ul></div></div>
<h2>主要指标 / Figures</h2><table>{figures}</table>
<h2>规划条件 / Planning conditions</h2>{planning}
{f"<h2>待解决事项 / Before hand-over</h2><ul>{blockers}</ul>" if blockers else ""}
<h2>优惠政策 / Incentives</h2><ul>{incentives}</ul>
<p><small>烈山区 (340604) · parkgis · {dt.date.today().isoformat()}</small></p></body></html>"""


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def results_xlsx(result: MatchResult) -> bytes:
    """The ranked fits and near misses as an Excel workbook (Chinese headers)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "匹配结果"
    ws.append(["类别", "排名", "场地类型", "编号", "面积(亩)", "面积(m²)", "得分", "未满足条件",
               "可入驻日期", "待解决事项"])  # fmt: skip
    for group, sites in (("符合", result.fits), ("接近", result.near_misses)):
        for s in sites:
            failed = "；".join(c["message"] for c in s["checks"] if c["passed"] is False)
            blockers = "；".join(b["message"] for b in s["blockers"])
            ws.append([safe_cell(v) for v in (group, s["rank"], s["kind_zh"], s["label"],
                       s["area_mu"], s["area_m2"], s["score"], failed, s["available_from"],
                       blockers)])  # fmt: skip
    reasons = wb.create_sheet("未入选原因")
    reasons.append(["条件", "不满足的场地数"])
    for name, n in result.rejected.get("reasons", {}).items():
        reasons.append([name, n])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
