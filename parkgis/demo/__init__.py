"""The deterministic demo park (``parkgis demo load``).

A realistic park inside the real Lieshan boundary, generated from a seed: a road grid
with unfinished branch roads, 200+ parcels, 30+ standard factory buildings with units,
storm and sewage networks with CCTV inspections, 150+ firms with three years of
indicators (about a tenth of them zombies), bankruptcy cases at every stage with
encumbrances and joint tasks, and a dozen investor enquiries. ``scale=K`` lays further
parks across the district until there are about K times as many parcels.

The demo owns the park zones whose ``source`` starts with ``parkgis demo`` and every row
of those zones; a new load deletes them first, so loading twice replaces, never
duplicates. Code lists and the district zone are never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from shapely.geometry import MultiPolygon, Point
from sqlalchemy import Connection, text
from tqdm import tqdm

from parkgis.config import get_settings
from parkgis.demo._io import Row, copy_rows, ewkb_hex
from parkgis.demo.boundary import (
    BOUNDARY_SOURCE,
    DISTRICT_CODE,
    MARGIN_M,
    ParkSite,
    load_district,
    place_parks,
)
from parkgis.demo.buildings import place_buildings
from parkgis.demo.cases import make_cases, ordinary_mortgages
from parkgis.demo.context import DEMO_TODAY, Context
from parkgis.demo.drainage import build_drainage
from parkgis.demo.enquiries import make_enquiries
from parkgis.demo.inspections import inspect_pipes
from parkgis.demo.land import plan_parcels
from parkgis.demo.layout import ParkLayout, build_layout

__all__ = ["DEMO_TODAY", "DEMO_VERSION", "demo_marker", "is_demo_loaded", "load_demo"]

#: Version of the generated data: bump whenever what a seed produces changes.
DEMO_VERSION = 6
#: Prefix of ``zone.source`` on the zones the demo owns.
SOURCE_PREFIX = "parkgis demo"

#: Tables in the order they are written (foreign keys point backwards).
WRITE_ORDER = (
    "zone",
    "firm",
    "firm_indicator",
    "road_segment",
    "manhole",
    "pipe_segment",
    "parcel",
    "encumbrance",
    "building",
    "building_unit",
    "inspection",
    "defect",
    "poi",
    "bankruptcy_case",
    "case_parcel",
    "case_event",
    "auction",
    "joint_task",
    "investor_enquiry",
)
#: Deletion of the demo's rows, children first (cascades take the rest).
_DELETES = (
    "DELETE FROM screening_result WHERE firm_id IN (SELECT id FROM firm WHERE zone_code = ANY(:z))",
    "DELETE FROM repair_plan_item WHERE pipe_segment_id IN "
    "(SELECT id FROM pipe_segment WHERE zone_code = ANY(:z)) OR road_segment_id IN "
    "(SELECT id FROM road_segment WHERE zone_code = ANY(:z))",
    "DELETE FROM bankruptcy_case WHERE zone_code = ANY(:z)",
    "DELETE FROM investor_enquiry WHERE zone_code = ANY(:z)",
    "DELETE FROM building_unit WHERE zone_code = ANY(:z)",
    "DELETE FROM building WHERE zone_code = ANY(:z)",
    "DELETE FROM parcel WHERE zone_code = ANY(:z)",
    "DELETE FROM pipe_segment WHERE zone_code = ANY(:z)",
    "DELETE FROM manhole WHERE zone_code = ANY(:z)",
    "DELETE FROM road_segment WHERE zone_code = ANY(:z)",
    "DELETE FROM poi WHERE zone_code = ANY(:z)",
    "DELETE FROM firm WHERE zone_code = ANY(:z)",
    "DELETE FROM zone WHERE code = ANY(:z)",
)


def demo_marker(seed: int, scale: int) -> str:
    """What ``zone.source`` of the demo's parks says: version, seed and scale loaded."""
    return f"{SOURCE_PREFIX} v{DEMO_VERSION} seed={seed} scale={scale}"


def is_demo_loaded(conn: Connection, seed: int = 42, scale: int = 1) -> bool:
    """True when this very demo (version, seed, scale) is in the database (one indexed read)."""
    found = conn.execute(
        text("SELECT source FROM zone WHERE code = :code"), {"code": "340604K01"}
    ).scalar()
    return found == demo_marker(seed, scale)


def delete_demo(conn: Connection) -> int:
    """Delete every row the demo owns (its park zones and what lies in them)."""
    zones = list(
        conn.execute(
            text("SELECT code FROM zone WHERE kind <> 'district' AND source LIKE :p"),
            {"p": SOURCE_PREFIX + "%"},
        ).scalars()
    )
    if zones:
        for sql in _DELETES:
            conn.execute(text(sql), {"z": zones})
    return len(zones)


def load_demo(
    conn: Connection, seed: int = 42, scale: int = 1, progress: bool = True
) -> dict[str, int]:
    """Load the demo park into the caller's transaction; return the rows written per table.

    Deterministic for a (seed, scale): dates hang on ``DEMO_TODAY`` (2026-11-26), random
    draws on ``numpy.random.default_rng``. Never commits.
    """
    if scale < 1:
        msg = f"scale must be 1 or more; found {scale}"
        raise ValueError(msg)
    srid = get_settings().srid
    district = load_district(srid)
    sites = place_parks(district, srid, scale)
    delete_demo(conn)
    conn.execute(
        text(
            "INSERT INTO zone (code, kind, name_zh, name_en, planned_area_km2, source, geom) "
            "VALUES (:code, 'district', '烈山区', 'Lieshan District', 388, :source, "
            "ST_Multi(ST_GeomFromWKB(:wkb, :srid))) ON CONFLICT (code) DO NOTHING"
        ),
        {
            "code": DISTRICT_CODE,
            "source": f"{SOURCE_PREFIX} boundary: {BOUNDARY_SOURCE}",
            "wkb": district.wkb,
            "srid": srid,
        },
    )
    ctx = Context.open(conn, srid)
    marker = demo_marker(seed, scale)
    park_parcels: list[list[Row]] = []
    for index, site in enumerate(tqdm(sites, desc="demo parks", unit="park", disable=not progress)):
        rng = np.random.default_rng([seed, index])
        layout = build_layout(site, rng)
        _zone_and_roads(ctx, layout, marker)
        parcels = plan_parcels(ctx, layout, index, rng)
        place_buildings(ctx, layout, parcels, rng)
        first_pipe = len(ctx.rows["pipe_segment"])
        build_drainage(ctx, layout, parcels, rng)
        inspect_pipes(ctx, site.spec.code, first_pipe, rng)
        _pois(ctx, site, index)
        park_parcels.append(parcels)
    for unit in range(scale):
        rng = np.random.default_rng([seed, 1_000_000 + unit])
        pair = [park_parcels[(2 * unit + k) % len(park_parcels)] for k in (0, 1)]
        make_cases(ctx, pair, rng)
        make_enquiries(ctx, [pair[0][0]["zone_code"], pair[1][0]["zone_code"]], rng)
    for index, parcels in enumerate(park_parcels):
        ordinary_mortgages(ctx, parcels, np.random.default_rng([seed, 2_000_000 + index]))
        ctx.rows["parcel"].extend(parcels)
    ctx.rows["firm"] = ctx.firms.firm_rows()
    ctx.rows["firm_indicator"] = ctx.firms.indicator_rows()
    counts = _write_all(ctx, progress)
    _derive(conn)
    return counts


def _derive(conn: Connection) -> None:
    """Compute what the services derive from the raw layers, as after real use.

    CJJ 181 scores of every inspection, each case's expected release date (as of
    ``DEMO_TODAY``) and the matching engine's precomputed site facts.
    """
    from parkgis.matching.engine import refresh_site_facts
    from parkgis.release.pipeline import refresh_expected_release
    from parkgis.repairs.assess import assess_all

    assess_all(conn)
    case_ids = conn.execute(text("SELECT id FROM bankruptcy_case ORDER BY id")).scalars().all()
    for case_id in case_ids:
        refresh_expected_release(conn, case_id, as_of=DEMO_TODAY)
    refresh_site_facts(conn)


def _zone_and_roads(ctx: Context, layout: ParkLayout, marker: str) -> None:
    site, spec = layout.site, layout.site.spec
    pad = 20.0 * max(site.factor, 0.5)
    ctx.rows["zone"].append(
        {
            "code": spec.code,
            "parent_code": DISTRICT_CODE,
            "kind": "park",
            "name_zh": spec.name_zh,
            "name_en": spec.name_en,
            "planned_area_km2": spec.planned_area_km2,
            "leading_industries": list(spec.industries),
            "source": marker,
            "geom": MultiPolygon([site.outline(pad)]),
        }
    )
    for road in layout.roads:
        road.id = ctx.next_id("road_segment")
        ctx.rows["road_segment"].append(
            {
                "id": road.id,
                "zone_code": spec.code,
                "code": road.code,
                "name": road.name,
                "road_class": road.road_class,
                "status": road.status,
                "width_m": road.width_m,
                "lanes": road.lanes,
                **road.attrs,
                "extra": {},
                "geom": road.geom,
            }
        )


def _pois(ctx: Context, site: ParkSite, index: int) -> None:
    """Gate, treatment plant and substation of a park; highway and rail next to the first."""
    margin = MARGIN_M * site.factor
    x0, y0, x1, y1 = site.x0, site.y0, site.x0 + site.width, site.y0 + site.height
    name = site.spec.name_zh
    points = [
        (
            "park_gate",
            f"{name}南大门",
            (x0 + site.width / 2 + 25 * site.factor, y0 - 0.15 * margin),
        ),
        ("wwtp", f"{name}污水处理厂", (x0 - 0.45 * margin, y0 - 0.45 * margin)),
        ("substation", f"{name}110kV变电站", (x1 + 0.35 * margin, y1 - site.cell / 2)),
    ]
    if index == 0:
        points += [
            ("highway_entrance", "G3京台高速烈山出入口", (x1 + 0.6 * margin, y0 + site.height / 2)),
            ("rail_siding", "淮北矿业铁路专用线烈山站", (x0 - 0.6 * margin, y1 - site.cell / 2)),
        ]
    for kind, label, xy in points:
        ctx.rows["poi"].append(
            {"zone_code": site.spec.code, "kind": kind, "name": label, "geom": Point(xy)}
        )


#: Values of NOT NULL columns with a default that only some generated rows set.
_DEFAULTS: dict[str, Row] = {
    "bankruptcy_case": {"plan_extended": False, "acceptance_extended": False},
    "investor_enquiry": {"industrial_wastewater": False},
}


def _columns(rows: Iterable[Row]) -> list[str]:
    names: set[str] = set()
    for row in rows:
        names.update(row)
    return sorted(n for n in names if not n.startswith("_"))


def _write_all(ctx: Context, progress: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tqdm(WRITE_ORDER, desc="demo tables", unit="table", disable=not progress):
        rows = ctx.rows.get(table, [])
        for key, value in _DEFAULTS.get(table, {}).items():
            for row in rows:
                row.setdefault(key, value)
        if rows and "geom" in rows[0]:
            for row, hexed in zip(rows, ewkb_hex([r["geom"] for r in rows], ctx.srid), strict=True):
                row["geom"] = hexed
        counts[table] = copy_rows(ctx.conn, table, rows, _columns(rows))
    return counts
