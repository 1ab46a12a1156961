"""Candidate sites: parcels, vacant units, whole buildings, adjacent combinations, pipeline land.

Each kind is one SELECT with the same columns (``SITE_COLUMNS``) so the engine checks
them all in one query. Row visibility per role comes from the layer catalogue
(``Layer.rows_for``), applied as ``id IN (SELECT id FROM <table> WHERE <filter>)`` on the
bare table so the catalogue's SQL predicates resolve as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from parkgis.catalogue import get_layer

#: Facts of a single site (logic.site_facts f), in SITE_COLUMNS order after the site columns.
_FACTS = (
    "f.access_road_id, f.access_road_dist_m, f.nearest_road_id, f.nearest_road_code, "
    "f.nearest_road_name, f.nearest_road_status, f.nearest_road_planned_on, "
    "f.nearest_road_dist_m, f.arterial_dist_m, f.highway_dist_m, f.rail_dist_m, "
    "f.sewage_dist_m, f.storm_worst_grade, f.sewage_worst_grade, f.storm_inspected, "
    "f.sewage_inspected, f.bad_segments, f.encumbrances, f.case_id, f.case_no, f.case_stage, "
    "f.case_stage_zh, f.case_stage_en, f.case_expected_release_on, f.case_open_tasks, "
    "f.neighbour_divisions"
)

#: Facts of a combination: the best access and distances, the worst drainage, every burden.
_FACTS_AGG = (
    "(array_agg(f.access_road_id ORDER BY f.access_road_dist_m))[1], min(f.access_road_dist_m), "
    "(array_agg(f.nearest_road_id ORDER BY f.nearest_road_dist_m))[1], "
    "(array_agg(f.nearest_road_code ORDER BY f.nearest_road_dist_m))[1], "
    "(array_agg(f.nearest_road_name ORDER BY f.nearest_road_dist_m))[1], "
    "(array_agg(f.nearest_road_status ORDER BY f.nearest_road_dist_m))[1], "
    "(array_agg(f.nearest_road_planned_on ORDER BY f.nearest_road_dist_m))[1], "
    "min(f.nearest_road_dist_m), min(f.arterial_dist_m), min(f.highway_dist_m), "
    "min(f.rail_dist_m), min(f.sewage_dist_m), max(f.storm_worst_grade), "
    "max(f.sewage_worst_grade), min(f.storm_inspected), min(f.sewage_inspected), "
    "logic.jsonb_concat_agg(f.bad_segments), logic.jsonb_concat_agg(f.encumbrances), "
    "max(f.case_id), max(f.case_no), max(f.case_stage), max(f.case_stage_zh), "
    "max(f.case_stage_en), max(f.case_expected_release_on), "
    "logic.jsonb_concat_agg(f.case_open_tasks), "
    "(array_agg(f.neighbour_divisions))[1]"
)

SITE_COLUMNS = (
    "kind",
    "site_id",
    "members",
    "label",
    "zone_code",
    "area_mu",
    "area_m2",
    "land_use_code",
    "land_class",
    "is_industrial",
    "is_logistics",
    "industry_permitted",
    "price_yuan_per_mu",
    "rent_yuan_m2_month",
    "floor_load_kn_m2",
    "clear_height_m",
    "column_grid_m",
    "crane_t",
    "freight_lift_t",
    "power_kva",
    "fire_rank",
    "fire_class",
    "storeys",
    "min_floor",
    "plot_ratio_max",
    "status",
    "available_from",
    "access_road_id",
    "access_road_dist_m",
    "nearest_road_id",
    "nearest_road_code",
    "nearest_road_name",
    "nearest_road_status",
    "nearest_road_planned_on",
    "nearest_road_dist_m",
    "arterial_dist_m",
    "highway_dist_m",
    "rail_dist_m",
    "sewage_dist_m",
    "storm_worst_grade",
    "sewage_worst_grade",
    "storm_inspected",
    "sewage_inspected",
    "bad_segments",
    "encumbrances",
    "case_id",
    "case_no",
    "case_stage",
    "case_stage_zh",
    "case_stage_en",
    "case_expected_release_on",
    "case_open_tasks",
    "neighbour_divisions",
)

# Land class of a land-use code: its industrial class, or the configured class of plain 1001.
_LAND = (
    "CASE WHEN lu.code = '1001' THEN CAST(:unclassified_class AS int) "
    "ELSE lu.industrial_class END, "
    "lu.is_industrial, lu.code LIKE '1101%'"
)
_PERMITTED = (
    "(cardinality({t}.permitted_industries) = 0 OR EXISTS (SELECT 1 FROM "
    "unnest({t}.permitted_industries) pi WHERE CAST(:industry AS text) LIKE pi || '%'))"
)


@dataclass(frozen=True)
class Scope:
    """What kinds of site to consider and the row filters of the caller's role."""

    land: bool
    building: bool
    role: str


def _visible(table: str, layer_id: str, role: str) -> str:
    """``AND table.id IN (...)`` with the catalogue's row filter of ``role`` (trusted TOML)."""
    predicate = get_layer(layer_id).rows_for(role)
    if predicate is None:
        return ""
    return f' AND "{table}".id IN (SELECT "{table}".id FROM "{table}" WHERE {predicate})'


def parcel_sql(role: str) -> str:
    """Parcels on offer now or in the release pipeline (idle being recovered, bankruptcy)."""
    return f"""
SELECT 'parcel', parcel.id, ARRAY[parcel.id], parcel.plot_no, parcel.zone_code,
       parcel.area_mu::float8, parcel.area_m2::float8, parcel.land_use_code, {_LAND},
       {_PERMITTED.format(t="parcel")},
       parcel.list_price_yuan_per_mu::float8, NULL::float8, NULL::float8, NULL::float8,
       NULL::float8, NULL::float8, NULL::float8, parcel.power_capacity_kva::float8,
       NULL::int, NULL::text, NULL::int, NULL::int, parcel.plot_ratio_max::float8, parcel.status,
       CASE WHEN parcel.status = ANY (CAST(:available AS text[])) THEN CAST(:as_of AS date)
            WHEN f.case_id IS NOT NULL THEN f.case_expected_release_on
            WHEN parcel.status = 'idle' AND parcel.government_cause IS NULL
                 THEN (parcel.idle_since + make_interval(years => :recovery_years))::date
       END,
       {_FACTS}
  FROM parcel
  JOIN land_use lu ON lu.code = parcel.land_use_code
  LEFT JOIN logic.site_facts f ON f.site_kind = 'parcel' AND f.site_id = parcel.id
 WHERE parcel.status = ANY (CAST(:land_statuses AS text[])){_visible("parcel", "parcels", role)}
"""


def unit_sql(role: str) -> str:
    """Vacant units of complete buildings."""
    return f"""
SELECT 'unit', building_unit.id, ARRAY[building_unit.id], building_unit.code,
       building_unit.zone_code, NULL::float8, building_unit.area_m2::float8,
       hp.land_use_code, {_LAND}, coalesce({_PERMITTED.format(t="hp")}, true),
       NULL::float8, building_unit.rent_yuan_m2_month::float8,
       building_unit.floor_load_kn_m2::float8, building_unit.clear_height_m::float8,
       least(building_unit.column_grid_x_m, building_unit.column_grid_y_m)::float8,
       building_unit.crane_t::float8, building_unit.freight_lift_t::float8,
       building_unit.power_kva::float8, fc.hazard_rank::int, b.design_fire_class,
       b.storeys::int, building_unit.floor::int, NULL::float8, building_unit.status,
       greatest(coalesce(building_unit.vacant_from, CAST(:as_of AS date)), CAST(:as_of AS date)),
       {_FACTS}
  FROM building_unit
  JOIN building b ON b.id = building_unit.building_id AND b.status = 'complete'
  JOIN fire_hazard_class fc ON fc.code = b.design_fire_class
  LEFT JOIN logic.site_facts f ON f.site_kind = 'building' AND f.site_id = b.id
  LEFT JOIN parcel hp ON hp.id = f.parcel_id
  LEFT JOIN land_use lu ON lu.code = hp.land_use_code
 WHERE building_unit.status = 'vacant'{_visible("building_unit", "units", role)}
"""


def building_sql(role: str) -> str:
    """Whole complete buildings whose every unit is vacant (the weakest floor counts)."""
    return f"""
SELECT 'building', building.id, ARRAY[building.id], building.code, building.zone_code,
       NULL::float8, building.total_floor_area_m2::float8, hp.land_use_code, {_LAND},
       coalesce({_PERMITTED.format(t="hp")}, true),
       NULL::float8, u.rent, u.load, u.height, u.grid, u.crane, u.lift, u.power,
       fc.hazard_rank::int, building.design_fire_class, building.storeys::int, u.min_floor,
       NULL::float8, 'vacant', u.avail, {_FACTS}
  FROM building
  JOIN fire_hazard_class fc ON fc.code = building.design_fire_class
  JOIN LATERAL (
        SELECT sum(x.rent_yuan_m2_month * x.area_m2)::float8 / sum(x.area_m2)::float8 AS rent,
               min(x.floor_load_kn_m2)::float8 AS load, min(x.clear_height_m)::float8 AS height,
               min(least(x.column_grid_x_m, x.column_grid_y_m))::float8 AS grid,
               max(x.crane_t)::float8 AS crane, max(x.freight_lift_t)::float8 AS lift,
               sum(x.power_kva)::float8 AS power, min(x.floor)::int AS min_floor,
               greatest(max(coalesce(x.vacant_from, CAST(:as_of AS date))),
                        CAST(:as_of AS date)) AS avail,
               bool_and(x.status = 'vacant') AS all_vacant
          FROM building_unit x WHERE x.building_id = building.id) u ON u.all_vacant
  LEFT JOIN logic.site_facts f ON f.site_kind = 'building' AND f.site_id = building.id
  LEFT JOIN parcel hp ON hp.id = f.parcel_id
  LEFT JOIN land_use lu ON lu.code = hp.land_use_code
 WHERE building.status = 'complete'{_visible("building", "buildings", role)}
"""


def unit_group_sql() -> str:
    """Combinations of adjacent vacant units on one floor (groups given as :unit_groups)."""
    return f"""
SELECT 'units', min(x.id), array_agg(x.id ORDER BY x.id),
       string_agg(x.code, '+' ORDER BY x.id), min(x.zone_code),
       NULL::float8, sum(x.area_m2)::float8, min(hp.land_use_code),
       min(CASE WHEN lu.code = '1001' THEN CAST(:unclassified_class AS int)
                ELSE lu.industrial_class END),
       bool_and(lu.is_industrial), bool_and(lu.code LIKE '1101%'),
       bool_and(coalesce({_PERMITTED.format(t="hp")}, true)),
       NULL::float8, (sum(x.rent_yuan_m2_month * x.area_m2) / sum(x.area_m2))::float8,
       min(x.floor_load_kn_m2)::float8, min(x.clear_height_m)::float8,
       min(least(x.column_grid_x_m, x.column_grid_y_m))::float8, max(x.crane_t)::float8,
       max(x.freight_lift_t)::float8, sum(x.power_kva)::float8, min(fc.hazard_rank)::int,
       min(b.design_fire_class), min(b.storeys)::int, min(x.floor)::int, NULL::float8,
       'vacant', greatest(max(coalesce(x.vacant_from, CAST(:as_of AS date))), CAST(:as_of AS date)),
       {_FACTS_AGG}
  FROM jsonb_array_elements(CAST(:unit_groups AS jsonb)) WITH ORDINALITY g(ids, n)
  CROSS JOIN LATERAL jsonb_array_elements_text(g.ids) m(id)
  JOIN building_unit x ON x.id = m.id::bigint
  JOIN building b ON b.id = x.building_id
  JOIN fire_hazard_class fc ON fc.code = b.design_fire_class
  LEFT JOIN logic.site_facts f ON f.site_kind = 'building' AND f.site_id = b.id
  LEFT JOIN parcel hp ON hp.id = f.parcel_id
  LEFT JOIN land_use lu ON lu.code = hp.land_use_code
 GROUP BY g.n
"""


def parcel_group_sql() -> str:
    """Combinations of adjacent available parcels (groups given as :parcel_groups)."""
    return f"""
SELECT 'parcels', min(p.id), array_agg(p.id ORDER BY p.id),
       string_agg(p.plot_no, '+' ORDER BY p.id), min(p.zone_code),
       sum(p.area_mu)::float8, sum(p.area_m2)::float8, min(p.land_use_code),
       min(CASE WHEN lu.code = '1001' THEN CAST(:unclassified_class AS int)
                ELSE lu.industrial_class END),
       bool_and(lu.is_industrial), bool_and(lu.code LIKE '1101%'),
       bool_and({_PERMITTED.format(t="p")}),
       (sum(p.list_price_yuan_per_mu * p.area_mu) / sum(p.area_mu))::float8,
       NULL::float8, NULL::float8, NULL::float8, NULL::float8, NULL::float8, NULL::float8,
       sum(p.power_capacity_kva)::float8, NULL::int, NULL::text, NULL::int, NULL::int,
       min(p.plot_ratio_max)::float8, min(p.status), CAST(:as_of AS date),
       {_FACTS_AGG}
  FROM jsonb_array_elements(CAST(:parcel_groups AS jsonb)) WITH ORDINALITY g(ids, n)
  CROSS JOIN LATERAL jsonb_array_elements_text(g.ids) m(id)
  JOIN parcel p ON p.id = m.id::bigint
  JOIN land_use lu ON lu.code = p.land_use_code
  LEFT JOIN logic.site_facts f ON f.site_kind = 'parcel' AND f.site_id = p.id
 GROUP BY g.n
"""


def candidates_sql(scope: Scope, unit_groups: bool, parcel_groups: bool) -> str:
    """UNION ALL of the candidate SELECTs the enquiry needs, as one relation ``cand``."""
    parts = []
    if scope.land:
        parts.append(parcel_sql(scope.role))
        if parcel_groups:
            parts.append(parcel_group_sql())
    if scope.building:
        parts.append(unit_sql(scope.role))
        parts.append(building_sql(scope.role))
        if unit_groups:
            parts.append(unit_group_sql())
    if not parts:
        parts.append(parcel_sql(scope.role) + " AND false")
    cols = ", ".join(SITE_COLUMNS)
    return f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS cand ({cols})"


def _connected_subsets(
    nodes: dict[int, float], edges: dict[int, set[int]], need: float, cap: float, max_size: int
) -> list[list[int]]:
    """Connected sets of 2..max_size nodes whose sizes sum into [need, cap], each minimal."""
    found: set[frozenset[int]] = set()
    frontier: list[frozenset[int]] = [frozenset([n]) for n in nodes]
    for _size in range(2, max_size + 1):
        grown: set[frozenset[int]] = set()
        for group in frontier:
            total = sum(nodes[n] for n in group)
            if total >= need:
                continue
            for member in group:
                for nxt in edges.get(member, ()):
                    if nxt in group or nxt not in nodes:
                        continue
                    new = group | {nxt}
                    if new in grown:
                        continue
                    grown.add(new)
                    new_total = total + nodes[nxt]
                    minimal = all(new_total - nodes[m] < need for m in new)
                    if need <= new_total <= cap and minimal:
                        found.add(new)
        frontier = [g for g in grown if sum(nodes[n] for n in g) < need]
    return [sorted(g) for g in sorted(found, key=lambda g: sorted(g))]


def unit_groups(
    conn: Connection, need_m2: float, cap_m2: float, role: str, gap_m: float, max_size: int
) -> list[list[int]]:
    """Adjacent vacant units on one floor, each alone under ``need_m2``, that fit together."""
    rows = conn.execute(
        text(
            f"""
SELECT building_unit.id, building_unit.area_m2::float8 AS area, o.id AS other
  FROM building_unit
  JOIN building b ON b.id = building_unit.building_id AND b.status = 'complete'
  LEFT JOIN building_unit o
    ON o.building_id = building_unit.building_id AND o.floor = building_unit.floor
   AND o.id <> building_unit.id AND o.status = 'vacant' AND o.area_m2 < :need
   AND ST_DWithin(o.geom, building_unit.geom, :gap)
 WHERE building_unit.status = 'vacant' AND building_unit.area_m2 < :need
   AND building_unit.geom IS NOT NULL{_visible("building_unit", "units", role)}
"""
        ),
        {"need": need_m2, "gap": gap_m},
    ).all()
    return _groups_from(rows, need_m2, cap_m2, max_size)


def parcel_groups(
    conn: Connection,
    need_mu: float,
    cap_mu: float,
    role: str,
    statuses: list[str],
    edge_m: float,
    max_size: int,
) -> list[list[int]]:
    """Adjacent available parcels, each alone under ``need_mu``, that fit together."""
    rows = conn.execute(
        text(
            f"""
SELECT parcel.id, parcel.area_mu::float8 AS area, o.id AS other
  FROM parcel
  LEFT JOIN parcel o
    ON o.id <> parcel.id AND o.status = ANY (CAST(:st AS text[])) AND o.area_mu < :need
   AND ST_Intersects(o.geom, parcel.geom)
   AND ST_Length(ST_Intersection(ST_Boundary(o.geom), ST_Boundary(parcel.geom))) >= :edge
 WHERE parcel.status = ANY (CAST(:st AS text[])) AND parcel.area_mu < :need
   {_visible("parcel", "parcels", role)}
"""
        ),
        {"need": need_mu, "st": statuses, "edge": edge_m},
    ).all()
    return _groups_from(rows, need_mu, cap_mu, max_size)


def _groups_from(rows: Any, need: float, cap: float, max_size: int) -> list[list[int]]:
    nodes: dict[int, float] = {}
    edges: dict[int, set[int]] = {}
    for row in rows:
        nodes[int(row.id)] = float(row.area)
        if row.other is not None:
            edges.setdefault(int(row.id), set()).add(int(row.other))
    nodes = {n: a for n, a in nodes.items() if n in edges}
    return _connected_subsets(nodes, edges, need, cap, max_size)
