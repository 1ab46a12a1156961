"""Topology of incoming parcels: overlaps, slivers and gaps, found before anything is written.

Cadastral parcels tile the ground: two parcels never cover the same land, and parcels of
one block leave no unexplained gap between them. Files drawn in CAD or digitised from
scans break that in small ways a clerk cannot see. Every incoming parcel is checked
against the other incoming parcels and against the parcels already held (minus those the
file replaces: the same business key in an upsert), with the tolerances of
``[ingest.topology]`` in square metres. Findings are warnings naming the parcels and the
area; ``--strict`` makes them refuse the import.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, text

from parkgis.catalogue import Layer
from parkgis.config import get_rules
from parkgis.ingest.report import ImportReport

REFUSED = "导入被拒绝 refused"
KEPT = "已导入，请核实 imported, please check"


def _rules() -> dict[str, Any]:
    return dict(get_rules()["ingest"]["topology"])


def applies_to(layer: Layer) -> bool:
    """Whether ``layer`` is one whose features tile the ground (``[ingest.topology].layers``)."""
    return layer.id in _rules()["layers"]


def check_parcels(
    conn: Connection,
    layer: Layer,
    records: list[dict[str, Any]],
    rows: list[int],
    report: ImportReport,
    strict: bool,
    srid: int,
) -> None:
    """Report overlaps, slivers and gaps of the incoming features (errors when ``strict``)."""
    rules = _rules()
    key = layer.business_key
    have = [i for i, r in enumerate(records) if r.get("geom") is not None]
    if not have:
        return
    geoms = np.array([records[i]["geom"] for i in have], dtype=object)
    names = [
        str(records[i].get(key) or f"第 {rows[i]} 行") if key else f"第 {rows[i]} 行" for i in have
    ]
    add = report.error if strict else report.warning
    action = REFUSED if strict else KEPT
    _slivers(geoms, names, [rows[i] for i in have], rules, add, action)
    _overlaps_in_file(geoms, names, [rows[i] for i in have], rules, add, action)
    _overlaps_with_held(
        conn, layer, geoms, names, [rows[i] for i in have], report, rules, add, action, srid
    )
    _gaps(geoms, names, rules, add, action)


def _slivers(
    geoms: np.ndarray,
    names: list[str],
    rows: list[int],
    rules: dict[str, Any],
    add: Any,
    action: str,
) -> None:
    """A sliver: a tiny or needle-thin polygon (compactness 4πA/P² under the threshold)."""
    area = shapely.area(geoms)
    perimeter = shapely.length(geoms)
    compact = np.where(perimeter > 0, 4 * np.pi * area / np.maximum(perimeter, 1e-9) ** 2, 0)
    thin = (area < rules["sliver_max_area_m2"]) | (compact < rules["sliver_min_compactness"])
    for i in np.nonzero(thin)[0]:
        add(
            f"地块 {names[i]} 是碎片多边形（面积 {area[i]:,.1f} 平方米，紧凑度 {compact[i]:.3f}）",
            f"parcel {names[i]} is a sliver (area {area[i]:,.1f} m², compactness {compact[i]:.3f})",
            row=rows[i],
            field="geometry",
            value=round(float(area[i]), 2),
            expected=f">= {rules['sliver_max_area_m2']} m², "
            f"compactness >= {rules['sliver_min_compactness']}",
            action=action,
        )


def _overlaps_in_file(
    geoms: np.ndarray,
    names: list[str],
    rows: list[int],
    rules: dict[str, Any],
    add: Any,
    action: str,
) -> None:
    tol = float(rules["overlap_tolerance_m2"])
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a >= b:
            continue
        shared = float(shapely.area(shapely.intersection(geoms[a], geoms[b])))
        if shared > tol:
            add(
                f"文件中地块 {names[a]} 与 {names[b]} 重叠 {shared:,.1f} 平方米",
                f"parcels {names[a]} and {names[b]} of the file overlap by {shared:,.1f} m²",
                row=rows[b],
                field="geometry",
                value=[names[a], names[b], round(shared, 2)],
                expected=f"<= {tol} m² of overlap",
                action=action,
            )


def _overlaps_with_held(
    conn: Connection,
    layer: Layer,
    geoms: np.ndarray,
    names: list[str],
    rows: list[int],
    report: ImportReport,
    rules: dict[str, Any],
    add: Any,
    action: str,
    srid: int,
) -> None:
    """Overlaps with parcels already held that the file does not replace (one query)."""
    key = layer.business_key
    replaced = names if key and report.mode in ("upsert", "replace") else []
    q = conn.dialect.identifier_preparer.quote
    key_sql = f"p.{q(key)}::text" if key else "p.id::text"
    found = conn.execute(
        text(
            f"WITH incoming AS (SELECT n, ST_GeomFromWKB(g, :srid) AS geom FROM "
            f"unnest(CAST(:wkb AS bytea[])) WITH ORDINALITY AS t(g, n)) "
            f"SELECT i.n, {key_sql} AS held, ST_Area(ST_Intersection(i.geom, p.geom)) AS shared "
            f"FROM incoming i JOIN {layer.write_table} p ON ST_Intersects(i.geom, p.geom) "
            f"WHERE NOT ({key_sql} = ANY(CAST(:replaced AS text[]))) "
            f"AND ST_Area(ST_Intersection(i.geom, p.geom)) > :tol ORDER BY i.n"
        ),
        {
            "srid": srid,
            "wkb": [shapely.to_wkb(g) for g in geoms],
            "replaced": list(replaced),
            "tol": float(rules["overlap_tolerance_m2"]),
        },
    ).all()
    for n, held, shared in found:
        i = int(n) - 1
        add(
            f"地块 {names[i]} 与已有地块 {held} 重叠 {shared:,.1f} 平方米",
            f"parcel {names[i]} overlaps the parcel already held {held} by {shared:,.1f} m²",
            row=rows[i],
            field="geometry",
            value=[names[i], held, round(float(shared), 2)],
            expected=f"<= {rules['overlap_tolerance_m2']} m² of overlap",
            action=action,
        )


def _gaps(
    geoms: np.ndarray, names: list[str], rules: dict[str, Any], add: Any, action: str
) -> None:
    """Holes left between neighbouring incoming parcels (inside a block), by area.

    Only groups of parcels that touch (within ``gap_grid_m``) can enclose a gap, so each
    group is merged on its own: merging a whole park at once costs seconds per thousand
    parcels that do not touch at all.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    lo, hi = float(rules["gap_min_area_m2"]), float(rules["gap_max_area_m2"])
    grid = float(rules["gap_grid_m"])
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=grid)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(geoms), len(geoms)))
    count, group = connected_components(graph, directed=False)
    sizes = np.bincount(group, minlength=count)
    for g in np.nonzero(sizes >= 2)[0]:
        members = np.nonzero(group == g)[0]
        own = {
            shapely.normalize(shapely.Polygon(h)).wkb
            for m in members
            for p in shapely.get_parts(geoms[m])
            for h in p.interiors
        }
        merged = shapely.union_all(geoms[members], grid_size=grid)
        for polygon in shapely.get_parts(merged):
            for ring in polygon.interiors:
                hole = shapely.Polygon(ring)
                area = float(hole.area)
                if not lo <= area <= hi or shapely.normalize(hole).wkb in own:
                    continue
                near = tree.query(hole.buffer(grid * 5), predicate="intersects")
                around = sorted({names[i] for i in near})
                add(
                    f"地块 {'、'.join(around)} 之间有 {area:,.1f} 平方米的缝隙",
                    f"a gap of {area:,.1f} m² between parcels {', '.join(around)}",
                    field="geometry",
                    value=[*around, round(area, 2)],
                    expected="parcels of one block meet without gaps",
                    action=action,
                )
