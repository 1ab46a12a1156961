"""A one-page site brochure (HTML with an inline SVG map) and match results as XLSX."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from sqlalchemy import Connection, text

from parkgis.catalogue import get_layer
from parkgis.documents import xlsx
from parkgis.labels import fields, format
from parkgis.labels.format import Lang
from parkgis.matching.engine import MatchResult
from parkgis.matching.site import KINDS, site_detail
from parkgis.rules import current as current_rules

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
        f'viewBox="0 0 {w:.1f} {h:.1f}" role="img" aria-label="位置图 location map">'
        f'<rect width="100%" height="100%" fill="#f7f7f7"/>{"".join(parts)}</svg>'
    )


def brochure_html(
    conn: Connection,
    kind: str,
    site_id: int,
    role: str,
    as_of: dt.date | None = None,
    lang: Lang = "zh",
) -> str:
    """The one-page brochure of a site in Chinese (default) or English: map, figures,
    planning conditions, incentives; every value a label or a formatted figure."""
    d = site_detail(conn, kind, site_id, role, as_of)
    layer = get_layer(KINDS[kind][0])
    inc = current_rules().matching.incentives
    esc = html.escape
    zh = lang == "zh"

    def t(chinese: str, english: str) -> str:
        return chinese if zh else english

    figures = "".join(
        f"<tr><th>{esc(layer.field(k).label_zh if zh else layer.field(k).label_en)}</th>"
        f"<td>{esc(fields.text(conn, layer.field(k), v, lang))}</td></tr>"
        for k, v in d["properties"].items()
        if v not in (None, "", [])
    )
    acc = d["access"]
    access = (
        f"<li>{t('临接已建成道路', 'Frontage on a complete road')}："
        f"{format.yes_no(acc['has_access'], lang)}</li>"
        f"<li>{t('距主干路', 'To the arterial')}：{_metres(acc['arterial_dist_m'], lang)}</li>"
        f"<li>{t('距高速出入口', 'To the highway entrance')}："
        f"{_metres(acc['highway_dist_m'], lang)}</li>"
        f"<li>{t('距铁路专用线', 'To the rail siding')}：{_metres(acc['rail_dist_m'], lang)}</li>"
        f"<li>{t('可入驻日期', 'Available from')}："
        f"{esc(format.date(d['available_from'], lang))}</li>"
    )
    blockers = "".join(
        f"<li>{esc(b['message'] if zh else b['message_en'])}</li>" for b in d["blockers"]
    )
    incentives = "".join(f"<li>{esc(text)}</li>" for text in (inc.zh if zh else inc.en))
    planning = t(
        "<p>新建工业项目容积率不低于 1.0（皖政〔2022〕54号）；"
        "投资强度与亩均税收按园区招商政策执行。</p>",
        "<p>New industrial projects: plot ratio at least 1.0 (Anhui 2022 No. 54); "
        "investment intensity and tax per mu as per the park's policy.</p>",
    )
    title = d["title_zh"] if zh else layer.title_en
    before = t("待解决事项", "Before hand-over")
    return f"""<!DOCTYPE html>
<html lang="{t("zh-CN", "en")}"><head><meta charset="utf-8">
<title>{esc(title)} {esc(str(d["label"]))} — {t("烈山区招商载体", "Lieshan District site")}</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
max-width:800px;margin:1em auto;color:#222}} h1{{font-size:1.4em}}
table{{border-collapse:collapse}}
th,td{{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}}
.cols{{display:flex;gap:1em}} small{{color:#666}} @media print{{body{{margin:0}}}}</style></head>
<body><h1>{esc(title)} {esc(str(d["label"]))}</h1>
<div class="cols"><div>{_svg_map(conn, kind, site_id, role)}</div>
<div><h2>{t("区位", "Location")}</h2><ul>{access}</ul></div></div>
<h2>{t("主要指标", "Figures")}</h2><table>{figures}</table>
<h2>{t("规划条件", "Planning conditions")}</h2>{planning}
{f"<h2>{before}</h2><ul>{blockers}</ul>" if blockers else ""}
<h2>{t("优惠政策", "Incentives")}</h2><ul>{incentives}</ul>
<p><small>{t("烈山区", "Lieshan District")} · parkgis · {format.date(dt.date.today(), lang)}</small>
</p></body></html>"""


def _metres(value: Any, lang: Lang = "zh") -> str:
    """A distance in metres with separators; a word when unknown."""
    if format.is_missing(value):
        return "未知" if lang == "zh" else "unknown"
    return f"{format.number(value)} 米" if lang == "zh" else f"{format.number(value)} m"


#: Match-result columns: Chinese and English header, XLSX kind.
_RESULT_COLUMNS: list[tuple[str, str, xlsx.Kind]] = [
    ("类别", "Group", "text"),
    ("排名", "Rank", "integer"),
    ("场地类型", "Site kind", "text"),
    ("编号", "Site", "text"),
    ("面积", "Area", "mu"),
    ("面积", "Area", "m2"),
    ("得分", "Score", "number"),
    ("未满足条件", "Conditions not met", "text"),
    ("可入驻日期", "Available from", "date"),
    ("待解决事项", "Before hand-over", "text"),
]


def results_xlsx(result: MatchResult, lang: Lang = "zh") -> bytes:
    """The ranked fits and near misses as a formatted Excel workbook (the one writer)."""
    zh = lang == "zh"
    none = "无" if zh else "none"
    message = "message" if zh else "message_en"
    rows = []
    for group, sites in (
        ("符合" if zh else "Fit", result.fits),
        ("接近" if zh else "Near miss", result.near_misses),
    ):
        for s in sites:
            failed = "；".join(c[message] for c in s["checks"] if c["passed"] is False)
            blockers = "；".join(b[message] for b in s["blockers"])
            rows.append([group, s["rank"], s["kind_zh"] if zh else s["kind"], s["label"],
                         s["area_mu"], s["area_m2"], s["score"], failed or none,
                         s["available_from"], blockers or none])  # fmt: skip
    columns = [xlsx.Column(z if zh else e, kind) for z, e, kind in _RESULT_COLUMNS]
    reasons = [[name, n] for name, n in result.rejected.get("reasons", {}).items()]
    return xlsx.workbook(
        [
            xlsx.Sheet("匹配结果" if zh else "Matches", columns, rows),
            xlsx.Sheet(
                "未入选原因" if zh else "Why not shown",
                [
                    xlsx.Column("条件" if zh else "Condition"),
                    xlsx.Column("不满足的场地数" if zh else "Sites failing", "integer"),
                ],
                reasons,
            ),
        ],
        lang,
    )
