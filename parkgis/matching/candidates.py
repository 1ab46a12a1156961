"""Candidate sites: parcels, vacant units, whole buildings, adjacent combinations, pipeline land.

Single sites are the rows of the offer held in memory (``offer.Offer``, a copy of
``logic.site_offer`` kept current), turned into ``SITE_COLUMNS`` for the enquiry's day
and industry; combinations aggregate their members' rows. The combinations are searched
over the adjacency of units and parcels, precomputed with the facts and held in memory
per generation. Row visibility per role is ``Offer.visible`` (the layer catalogue's
``Layer.rows_for`` predicate, run on the bare table).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection

from parkgis.matching.offer import Offer, day_number, day_of

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
    "recovery_from",
    "government_cause",
    "allocated",
    "in_case",
    "access_road_dist_m",
    "arterial_dist_m",
    "highway_dist_m",
    "rail_dist_m",
    "sewage_dist_m",
    "storm_worst_grade",
    "sewage_worst_grade",
    "storm_inspected",
    "sewage_inspected",
    "sewer_takes_industrial",
    "same_chain",
    "facts_kind",
    "facts_ids",
)

_INT_COLUMNS = ("land_class", "fire_rank", "storeys", "min_floor", "storm_worst_grade",
                "sewage_worst_grade", "storm_inspected", "sewage_inspected")  # fmt: skip
_BOOL_COLUMNS = ("is_industrial", "is_logistics", "industry_permitted", "sewer_takes_industrial",
                 "government_cause", "allocated", "in_case")  # fmt: skip
_DATE_COLUMNS = ("available_from", "recovery_from")


@dataclass(frozen=True)
class Rules:
    """What turns the offer into one enquiry's candidates (rules/matching.toml, idle_land)."""

    industry_code: str
    as_of: dt.date
    available: list[str]
    land_statuses: list[str]
    unclassified_class: int


def _derived(conn: Connection, offer: Offer, r: Rules) -> dict[str, np.ndarray]:
    """The enquiry-dependent columns of every offer row, as SITE_COLUMNS needs them.

    The land class of plain 1001 land (a rule), the industry against the permitted list,
    availability on the day (now, or the expected return of pipeline land from
    :mod:`parkgis.release.returns`, the date the pipeline and the ledger give) and
    same-chain neighbours.
    """
    num = dict(offer.num)
    today = day_number(r.as_of)
    num["land_class"] = np.where(
        offer.txt["land_use_code"] == "1001", float(r.unclassified_class), num["industrial_class"]
    )
    num["industry_permitted"] = offer.permitted(r.industry_code).astype(np.float64)
    vacant = num["vacant_from"]
    built = np.maximum(np.where(np.isnan(vacant), today, vacant), today)
    land, _, recovery = offer.returns(r.as_of)
    num["available_from"] = np.where(offer.kind_mask["parcel"], land, built)
    num["recovery_from"] = recovery
    num["same_chain"] = offer.same_chain(conn, r.industry_code[:3])
    return num


#: How a combination takes its members' figures: sizes and power add up, the weakest floor
#: and the best access count, the worst drainage, the latest availability.
_GROUP_SUM = ("area_mu", "area_m2", "power_kva")
_GROUP_MAX = ("crane_t", "freight_lift_t", "available_from", "storm_worst_grade",
              "sewage_worst_grade", "same_chain")  # fmt: skip
_GROUP_MIN = ("land_class", "floor_load_kn_m2", "clear_height_m", "column_grid_m",
              "fire_rank", "storeys", "min_floor", "plot_ratio_max", "access_road_dist_m",
              "arterial_dist_m", "highway_dist_m", "rail_dist_m", "sewage_dist_m",
              "storm_inspected", "sewage_inspected",
              # bool_and over 1.0 / 0.0 (NULLs ignored, as SQL's bool_and does)
              "is_industrial", "is_logistics", "industry_permitted",
              "sewer_takes_industrial")  # fmt: skip
_GROUP_TEXT_MIN = ("zone_code", "land_use_code", "fire_class", "status", "facts_kind")


@dataclass
class Sites:
    """One enquiry's candidates as columns: every offer row, then the combinations.

    Row i < ``offer.n`` is offer row i (a candidate where ``candidate[i]``: the wanted
    kinds, visible to the role, parcels in the candidate statuses); the rows after it are
    the combinations, all candidates. ``num`` holds the numbers (NaN = no value), ``txt``
    the codes the tests and scores read; ``row(i)`` gives one candidate as a SITE_COLUMNS
    dict (only the shown ones are ever turned into dicts).
    """

    offer: Offer
    candidate: np.ndarray
    groups: list[tuple[str, np.ndarray]]  # (kind, offer rows of the members)
    num: dict[str, np.ndarray]
    txt: dict[str, np.ndarray]
    land: np.ndarray  # land (a parcel or adjacent parcels), not buildings

    @property
    def n(self) -> int:
        return len(self.candidate)

    def kind_in(self, *kinds: str) -> np.ndarray:
        """Rows of the given kinds (parcel, parcels, unit, units, building)."""
        return np.isin(self.txt["kind"], kinds)

    def _members(self, i: int) -> np.ndarray:
        if i < self.offer.n:
            return np.array([i], np.int64)
        rows = self.groups[i - self.offer.n][1]
        return rows[np.argsort(self.offer.site_id[rows], kind="stable")]

    def key(self, i: int) -> str:
        """``kind:id`` or ``kind:id+id``: the stable id of a candidate (and the tie-break)."""
        ids = self.offer.site_id[self._members(i)].tolist()
        return f"{self.txt['kind'][i]}:{'+'.join(map(str, ids))}"

    def row(self, i: int) -> dict[str, Any]:
        """One candidate with every SITE_COLUMNS value (ints, bools, dates as Python)."""
        rows = self._members(i)
        texts = self.offer.txt
        out: dict[str, Any] = {
            "kind": self.txt["kind"][i],
            "site_id": int(self.offer.site_id[rows[0]]),
            "members": self.offer.site_id[rows].tolist(),
            "label": "+".join(str(texts["label"][r]) for r in rows),
            "facts_ids": sorted(set(self.offer.facts_id[rows].tolist())),
        }
        for c in _GROUP_TEXT_MIN:  # a combination takes the least of its members'
            out[c] = min((v for v in texts[c][rows] if v is not None), default=None)
        for c, col in self.num.items():
            v = float(col[i])
            if c in _DATE_COLUMNS:
                out[c] = day_of(v)
            elif np.isnan(v):
                out[c] = None
            elif c in _BOOL_COLUMNS:
                out[c] = bool(v)
            elif c in _INT_COLUMNS:
                out[c] = int(v)
            else:
                out[c] = v
        return {c: out.get(c) for c in SITE_COLUMNS}


def build_sites(
    conn: Connection, offer: Offer, scope: Scope, rules: Rules,
    unit_groups: list[list[int]], parcel_groups: list[list[int]],
) -> Sites:  # fmt: skip
    """The candidates of one enquiry: the visible single sites of the wanted kinds (parcels
    only in the candidate statuses) and the given combinations, with derived columns."""
    num = _derived(conn, offer, rules)
    candidate = np.zeros(offer.n, bool)
    if scope.land:
        # Land on its way back with a date is offered to every role (README: the public
        # sees of it a parcel and the date it is expected back; engine._attach_properties
        # gives such a parcel only returns.PUBLIC_FIELDS where the row filter hides it).
        dated = offer.kind_mask["parcel"] & ~np.isnan(num["available_from"])
        candidate |= (offer.visible(conn, "parcel", scope.role) | dated) & offer.status_in(
            rules.land_statuses
        )
    if scope.building:
        candidate |= offer.visible(conn, "unit", scope.role)
        candidate |= offer.visible(conn, "building", scope.role)
    groups = [("parcels", offer.rows("parcel", g)) for g in (parcel_groups if scope.land else [])]
    groups += [("units", offer.rows("unit", g)) for g in (unit_groups if scope.building else [])]
    groups = [(k, rows) for k, rows in groups if len(rows) > 1]
    txt = {"kind": offer.txt["kind"], "zone_code": offer.txt["zone_code"]}
    land = offer.kind_mask["parcel"]
    if groups:
        num = _with_groups(num, groups)
        txt = {
            "kind": np.concatenate([txt["kind"], np.array([k for k, _ in groups], object)]),
            "zone_code": np.concatenate(
                [txt["zone_code"],
                 np.array([min((z for z in offer.txt["zone_code"][rows] if z is not None),
                               default=None) for _, rows in groups], object)]
            ),
        }  # fmt: skip
        candidate = np.concatenate([candidate, np.ones(len(groups), bool)])
        land = np.concatenate([land, np.array([k == "parcels" for k, _ in groups])])
    return Sites(offer, candidate, groups, num, txt, land)


def _with_groups(
    num: dict[str, np.ndarray], groups: list[tuple[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """``num`` with the combinations' rows appended, aggregated from their members'."""
    flat = np.concatenate([rows for _, rows in groups])
    starts = np.cumsum([0] + [len(rows) for _, rows in groups[:-1]])
    out: dict[str, np.ndarray] = {}
    for c, col in num.items():
        vals = col[flat]
        if c in _GROUP_SUM:
            total = np.add.reduceat(np.nan_to_num(vals), starts)
            seen = np.add.reduceat(~np.isnan(vals), starts)
            out[c] = np.where(seen > 0, total, np.nan)
        elif c in _GROUP_MAX:
            out[c] = np.fmax.reduceat(vals, starts)
        elif c in _GROUP_MIN:
            out[c] = np.fmin.reduceat(vals, starts)
    # Prices weighted by area: sum(price x area) / sum(area), NULL prices left out.
    for price, area in (("price_yuan_per_mu", "area_mu"), ("rent_yuan_m2_month", "area_m2")):
        p, a = num[price][flat], num[area][flat]
        both = ~np.isnan(p) & ~np.isnan(a)
        weighted = np.add.reduceat(np.where(both, p * a, 0.0), starts)
        weight = np.add.reduceat(np.where(~np.isnan(a), a, 0.0), starts)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[price] = np.where(
                (np.add.reduceat(both, starts) > 0) & (weight > 0), weighted / weight, np.nan
            )
    blank = np.full(len(groups), np.nan)
    return {c: np.concatenate([col, out.get(c, blank)]) for c, col in num.items()}


#: The wide facts of one shown site (``r``: a ranked candidate), over all its members: the
#: road it fronts or the nearest, every downstream bad segment, and, read live, every
#: unlifted encumbrance and the bankruptcy case of its land with the open joint tasks.
DETAIL_SQL = """
SELECT fa.*, coalesce(enc.items, '[]'::jsonb) AS encumbrances, ec.case_id, ec.case_no,
       ec.case_stage, ec.case_stage_zh, ec.case_stage_en, ec.case_expected_release_on,
       ec.case_court,
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


def _connected_subsets(
    nodes: dict[int, float], edges: dict[int, set[int]], need: float, cap: float, max_size: int
) -> list[list[int]]:
    """Connected sets of 2..max_size nodes whose sizes sum into [need, cap], each minimal
    (no member could be left out and the rest still reach ``need``).

    Grown one neighbour at a time from every node; a set stops growing once it reaches
    ``need``. Each set carries its total and its smallest member, so minimality is one
    comparison: the total without the smallest member is under ``need``.
    """
    found: set[frozenset[int]] = set()
    frontier = {frozenset([n]): (size, size) for n, size in nodes.items() if n in edges}
    for _size in range(2, max_size + 1):
        grown: dict[frozenset[int], tuple[float, float]] = {}
        for group, (total, smallest) in frontier.items():
            for member in group:
                for nxt in edges[member]:
                    if nxt in group:
                        continue
                    new = group | {nxt}
                    if new in grown:
                        continue
                    size = nodes[nxt]
                    grown[new] = (total + size, min(smallest, size))
                    if need <= total + size <= cap and total + size - min(smallest, size) < need:
                        found.add(new)
        frontier = {g: v for g, v in grown.items() if v[0] < need}
    return [sorted(g) for g in sorted(found, key=sorted)]


def unit_groups(
    conn: Connection, offer: Offer, need_m2: float, cap_m2: float, role: str, max_size: int
) -> list[list[int]]:
    """Adjacent vacant units on one floor, each alone under ``need_m2``, that fit together.

    Only units that could reach ``need_m2`` with the largest vacant units of their floor
    are looked at (a unit plus ``max_size - 1`` times the floor's largest, both kept in
    the offer); adjacency is ``logic.unit_adjacency`` (refreshed with the facts), held
    in memory with the offer.
    """
    if max_size < 2:
        return []
    area = offer.num["area_m2"]
    with np.errstate(invalid="ignore"):
        feasible = (
            offer.visible(conn, "unit", role)
            & (area < need_m2)
            & (offer.num["floor_vacant"] > 1)
            & (area + (max_size - 1) * offer.num["floor_largest_m2"] >= need_m2)
        )
    unit, other, _ = offer.adjacency(conn, "unit")
    return _groups_among(
        offer, np.flatnonzero(feasible), area, unit, other, need_m2, cap_m2, max_size
    )


def parcel_groups(
    conn: Connection, offer: Offer, need_mu: float, cap_mu: float, role: str,
    statuses: list[str], edge_m: float, max_size: int,
) -> list[list[int]]:  # fmt: skip
    """Adjacent available parcels, each alone under ``need_mu``, that fit together
    (sharing at least ``edge_m`` of boundary: ``logic.parcel_adjacency``, refreshed with
    the site facts and held in memory with the offer).

    Only parcels that could reach ``need_mu`` with ``max_size - 1`` of the largest small
    ones are looked at.
    """
    if max_size < 2:
        return []
    area = offer.num["area_mu"]
    with np.errstate(invalid="ignore"):
        small = offer.visible(conn, "parcel", role) & offer.status_in(statuses) & (area < need_mu)
        if small.sum() < 2:
            return []
        rows = np.flatnonzero(small & (area >= need_mu - (max_size - 1) * area[small].max()))
    parcel, other, shared = offer.adjacency(conn, "parcel")
    edge = shared >= edge_m
    return _groups_among(
        offer, rows, area, parcel[edge], other[edge], need_mu, cap_mu, max_size
    )  # fmt: skip


def _groups_among(
    offer: Offer, rows: np.ndarray, size: np.ndarray, site: np.ndarray, other: np.ndarray,
    need: float, cap: float, max_size: int,
) -> list[list[int]]:  # fmt: skip
    """Groups of the offer ``rows`` (sizes in ``size``) over the adjacent pairs given
    (both ways)."""
    if len(rows) < 2:
        return []
    ids = offer.site_id[rows]
    both = np.isin(site, ids) & np.isin(other, ids)
    nodes = dict(zip(ids.tolist(), size[rows].tolist(), strict=True))
    edges: dict[int, set[int]] = {}
    for a, b in zip(site[both].tolist(), other[both].tolist(), strict=True):
        edges.setdefault(a, set()).add(b)
    return _connected_subsets(nodes, edges, need, cap, max_size)
