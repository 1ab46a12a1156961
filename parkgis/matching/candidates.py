"""Candidate sites: parcels, vacant units, whole buildings, adjacent combinations, pipeline land.

Single sites come from ``logic.site_offer`` (one narrow row per candidate with the
figures a match checks and scores; postgis/sql/60_matching.sql keeps it current), turned
into ``SITE_COLUMNS`` for the enquiry's day and industry; combinations aggregate their
members' rows. Row visibility per role comes from the layer catalogue
(``Layer.rows_for``), applied as ``site_id IN (SELECT id FROM <table> WHERE <filter>)``
on the bare table so the catalogue's SQL predicates resolve as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from parkgis.catalogue import get_layer

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
    "access_road_dist_m",
    "arterial_dist_m",
    "highway_dist_m",
    "rail_dist_m",
    "sewage_dist_m",
    "storm_worst_grade",
    "sewage_worst_grade",
    "storm_inspected",
    "sewage_inspected",
    "same_chain",
    "facts_kind",
    "facts_ids",
)

#: One offer row (``o``) as SITE_COLUMNS for the enquiry: the land class of plain 1001,
#: the industry against the permitted list, availability on the day (now, a case's
#: expected release, or recovery of idle land after the statutory years).
_SINGLE = """
SELECT o.kind, o.site_id, o.members, o.label, o.zone_code, o.area_mu, o.area_m2,
       o.land_use_code,
       CASE WHEN o.land_use_code = '1001' THEN CAST(:unclassified_class AS int)
            ELSE o.industrial_class END,
       o.is_industrial, o.is_logistics,
       (cardinality(o.permitted) = 0 OR CAST(:industry AS text) LIKE ANY (o.permitted)),
       o.price_yuan_per_mu, o.rent_yuan_m2_month, o.floor_load_kn_m2, o.clear_height_m,
       o.column_grid_m, o.crane_t, o.freight_lift_t, o.power_kva, o.fire_rank, o.fire_class,
       o.storeys, o.min_floor, o.plot_ratio_max, o.status,
       CASE WHEN o.kind <> 'parcel'
                THEN greatest(coalesce(o.vacant_from, CAST(:as_of AS date)), CAST(:as_of AS date))
            WHEN o.status = ANY (CAST(:available AS text[])) THEN CAST(:as_of AS date)
            WHEN o.in_estate THEN o.case_release_on
            WHEN o.idle_since IS NOT NULL
                 THEN (o.idle_since + make_interval(years => :recovery_years))::date
       END,
       o.access_road_dist_m, o.arterial_dist_m, o.highway_dist_m, o.rail_dist_m,
       o.sewage_dist_m, o.storm_worst_grade, o.sewage_worst_grade, o.storm_inspected,
       o.sewage_inspected,
       coalesce(o.chain_counts[array_position(o.chain_divisions, CAST(:division AS text))], 0)
           ::float8,
       o.facts_kind, o.facts_ids
  FROM logic.site_offer o
"""

#: A combination from its members' offer rows (groups given as JSON id lists):
#: sizes and power add up, the weakest floor and the best access count, the worst
#: drainage, the latest availability.
_GROUP = """
SELECT '{kind}', min(s.site_id), array_agg(s.site_id ORDER BY s.site_id),
       string_agg(s.label, '+' ORDER BY s.site_id), min(s.zone_code),
       sum(s.area_mu), sum(s.area_m2), min(s.land_use_code), min(s.land_class),
       bool_and(s.is_industrial), bool_and(s.is_logistics), bool_and(s.industry_permitted),
       sum(s.price_yuan_per_mu * s.area_mu) / nullif(sum(s.area_mu), 0),
       sum(s.rent_yuan_m2_month * s.area_m2) / nullif(sum(s.area_m2), 0),
       min(s.floor_load_kn_m2), min(s.clear_height_m), min(s.column_grid_m), max(s.crane_t),
       max(s.freight_lift_t), sum(s.power_kva), min(s.fire_rank), min(s.fire_class),
       min(s.storeys), min(s.min_floor), min(s.plot_ratio_max), min(s.status),
       max(s.available_from),
       min(s.access_road_dist_m), min(s.arterial_dist_m), min(s.highway_dist_m),
       min(s.rail_dist_m), min(s.sewage_dist_m), max(s.storm_worst_grade),
       max(s.sewage_worst_grade), min(s.storm_inspected), min(s.sewage_inspected),
       max(s.same_chain), min(s.facts_kind), array_agg(DISTINCT s.facts_ids[1])
  FROM jsonb_array_elements(CAST(:{param} AS jsonb)) WITH ORDINALITY g(ids, n)
  CROSS JOIN LATERAL jsonb_array_elements_text(g.ids) m(id)
  CROSS JOIN LATERAL ({single_sql} WHERE o.kind = '{single}' AND o.site_id = m.id::bigint)
       AS s ({cols})
 GROUP BY g.n
"""

#: The wide facts of one shown site (``r``: a ranked candidate), over all its members: the
#: road it fronts or the nearest, every downstream bad segment, and, read live, every
#: unlifted encumbrance and the bankruptcy case of its land with the open joint tasks.
DETAIL_SQL = """
SELECT fa.*, coalesce(enc.items, '[]'::jsonb) AS encumbrances, ec.case_id, ec.case_no,
       ec.case_stage, ec.case_stage_zh, ec.case_stage_en, ec.case_expected_release_on,
       coalesce(tasks.items, '[]'::jsonb) AS case_open_tasks
  FROM (
    SELECT (array_agg(f.access_road_id ORDER BY f.access_road_dist_m))[1] AS access_road_id,
           (array_agg(f.nearest_road_id ORDER BY f.nearest_road_dist_m))[1] AS nearest_road_id,
           (array_agg(f.nearest_road_code ORDER BY f.nearest_road_dist_m))[1]
               AS nearest_road_code,
           (array_agg(f.nearest_road_name ORDER BY f.nearest_road_dist_m))[1]
               AS nearest_road_name,
           (array_agg(f.nearest_road_status ORDER BY f.nearest_road_dist_m))[1]
               AS nearest_road_status,
           (array_agg(f.nearest_road_planned_on ORDER BY f.nearest_road_dist_m))[1]
               AS nearest_road_planned_on,
           min(f.nearest_road_dist_m) AS nearest_road_dist_m,
           logic.jsonb_concat_agg(f.bad_segments) AS bad_segments,
           (array_agg(f.neighbour_divisions))[1] AS neighbour_divisions,
           array_agg(DISTINCT f.parcel_id) FILTER (WHERE f.parcel_id IS NOT NULL) AS parcel_ids
      FROM logic.site_facts f
     WHERE f.site_kind = r.facts_kind AND f.site_id = ANY (r.facts_ids)) fa
  LEFT JOIN LATERAL (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', e.id, 'kind', e.kind, 'holder', e.holder, 'reference_no', e.reference_no,
                   'amount_yuan', e.amount_yuan, 'registered_on', e.registered_on)
                   ORDER BY e.registered_on, e.id) AS items
          FROM encumbrance e
         WHERE e.parcel_id = ANY (fa.parcel_ids) AND NOT e.lifted) enc ON true
  LEFT JOIN LATERAL (
        SELECT c.* FROM logic.parcel_estate_case c
         WHERE c.parcel_id = ANY (fa.parcel_ids)
         ORDER BY c.case_expected_release_on DESC NULLS FIRST LIMIT 1) ec ON true
  LEFT JOIN LATERAL (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', t.id, 'kind', t.kind, 'title', t.title,
                   'department_code', t.department_code, 'department_zh', d.label_zh,
                   'deadline_on', t.deadline_on, 'blocks_stage', t.blocks_stage)
                   ORDER BY t.deadline_on, t.id) AS items
          FROM joint_task t
          JOIN task_status ts ON ts.code = t.status AND ts.is_open
          JOIN department d ON d.code = t.department_code
         WHERE t.case_id = ec.case_id) tasks ON true
"""


@dataclass(frozen=True)
class Scope:
    """What kinds of site to consider and the row filters of the caller's role."""

    land: bool
    building: bool
    role: str


def _offer_visible(kind: str, table: str, layer_id: str, role: str) -> str:
    """``(o.kind = kind [AND o.site_id IN (visible rows)])`` for one kind of single site."""
    predicate = get_layer(layer_id).rows_for(role)
    if predicate is None:
        return f"o.kind = '{kind}'"
    return (
        f"(o.kind = '{kind}' AND o.site_id IN "
        f'(SELECT "{table}".id FROM "{table}" WHERE {predicate}))'
    )


def candidates_sql(scope: Scope, unit_groups: bool, parcel_groups: bool) -> str:
    """The candidates the enquiry needs as the CTE ``cand (SITE_COLUMNS) AS (...)``.

    Single sites are one scan of ``logic.site_offer``; combinations look their members
    up by primary key.
    """
    kinds = []
    if scope.land:
        kinds.append(_offer_visible("parcel", "parcel", "parcels", scope.role))
    if scope.building:
        kinds.append(_offer_visible("unit", "building_unit", "units", scope.role))
        kinds.append(_offer_visible("building", "building", "buildings", scope.role))
    where = " OR ".join(kinds) or "false"
    cols = ", ".join(SITE_COLUMNS)
    # Parcels only in the statuses the rules name (the offer may hold more).
    parts = [
        f"{_SINGLE} WHERE ({where}) AND "
        "(o.kind <> 'parcel' OR o.status = ANY (CAST(:land_statuses AS text[])))"
    ]
    if scope.land and parcel_groups:
        parts.append(
            _GROUP.format(
                kind="parcels",
                single="parcel",
                param="parcel_groups",
                single_sql=_SINGLE,
                cols=cols,
            )
        )
    if scope.building and unit_groups:
        parts.append(
            _GROUP.format(
                kind="units", single="unit", param="unit_groups", single_sql=_SINGLE, cols=cols
            )
        )
    return f"cand ({cols}) AS ({' UNION ALL '.join(parts)})"


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
    """Adjacent vacant units on one floor, each alone under ``need_m2``, that fit together.

    Only units that could reach ``need_m2`` with the largest vacant units of their floor
    are looked at (a unit plus ``max_size - 1`` times the floor's largest, both kept in
    ``logic.site_offer``), in one query.
    """
    if max_size < 2:
        return []
    rows = conn.execute(
        text(
            f"""
WITH k AS (
    SELECT o.site_id AS id, o.area_m2 AS area, o.facts_ids[1] AS building_id,
           o.min_floor AS floor
      FROM logic.site_offer o
     WHERE {_offer_visible("unit", "building_unit", "units", role)} AND o.area_m2 < :need
       AND o.floor_vacant > 1 AND o.area_m2 + (:k - 1) * o.floor_largest_m2 >= :need
)
SELECT a.id, a.area, b.id AS other
  FROM k a
  JOIN k b ON b.building_id = a.building_id AND b.floor = a.floor AND b.id <> a.id
  -- OFFSET 0: look each outline up by key (a few thousand), never hash every unit.
  CROSS JOIN LATERAL (SELECT u.geom FROM building_unit u WHERE u.id = a.id OFFSET 0) ua
  CROSS JOIN LATERAL (SELECT u.geom FROM building_unit u WHERE u.id = b.id OFFSET 0) ub
 WHERE ST_DWithin(ua.geom, ub.geom, :gap)
"""
        ),
        {"need": need_m2, "gap": gap_m, "k": max_size},
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
    """Adjacent available parcels, each alone under ``need_mu``, that fit together
    (adjacency from ``logic.parcel_adjacency``, refreshed with the site facts).

    Only parcels that could reach ``need_mu`` with ``max_size - 1`` of the largest small
    ones are looked at; both lookups use the offer's size index.
    """
    if max_size < 2:
        return []
    visible = _offer_visible("parcel", "parcel", "parcels", role)
    rows = conn.execute(
        text(
            f"""
WITH mx AS (
    SELECT max(o.area_mu) AS largest FROM logic.site_offer o
     WHERE {visible} AND o.area_mu < :need AND o.status = ANY (CAST(:st AS text[]))
),
k AS (
    SELECT o.site_id AS id, o.area_mu AS area FROM logic.site_offer o, mx
     WHERE {visible} AND o.area_mu < :need AND o.area_mu >= :need - (:k - 1) * mx.largest
       AND o.status = ANY (CAST(:st AS text[]))
)
SELECT a.id, a.area, b.id AS other
  FROM k a
  JOIN logic.parcel_adjacency adj ON adj.parcel_id = a.id AND adj.shared_m >= :edge
  JOIN k b ON b.id = adj.other_id
"""
        ),
        {"need": need_mu, "st": statuses, "edge": edge_m, "k": max_size},
    ).all()
    return _groups_from(rows, need_mu, cap_mu, max_size)


def _groups_from(rows: Any, need: float, cap: float, max_size: int) -> list[list[int]]:
    nodes: dict[int, float] = {}
    edges: dict[int, set[int]] = {}
    for row in rows:
        nodes[int(row.id)] = float(row.area)
        edges.setdefault(int(row.id), set()).add(int(row.other))
    return _connected_subsets(nodes, edges, need, cap, max_size)
