"""The match: candidates, hard constraints and soft score over all of them, blockers.

Near miss rule (configurable, ``[matching] near_miss_max_failures``, default 1): a site
failing no hard constraint *fits*; failing at most N is a *near miss*, returned apart,
ranked, with the reasons; failing more is only counted per reason (``rejected``).
Constraints that do not apply to a site (NULL, e.g. floor load of bare land) count as
passed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from parkgis.access import ANONYMOUS, get_role
from parkgis.catalogue import get_layer
from parkgis.config import get_rules
from parkgis.errors import AuthenticationError, PermissionDeniedError
from parkgis.labels import codes
from parkgis.matching import blockers as blk
from parkgis.matching.candidates import (
    DETAIL_SQL,
    Rules,
    Scope,
    Sites,
    build_sites,
    parcel_groups,
    unit_groups,
)
from parkgis.matching.constraints import LAND_KINDS, hard_constraints
from parkgis.matching.enquiry import (
    Enquiry,
    check_enquiry_facts,
    enquiry_model,
    get_enquiry,
    validate_enquiry,
)
from parkgis.matching.offer import SITE_TABLES, current_offer
from parkgis.matching.scoring import (
    check_weights,
    hidden_criteria,
    score_parts,
    score_terms,
    total_score,
)
from parkgis.release.returns import PUBLIC_FIELDS
from parkgis.repairs.roads import frontage_rule

#: Dates the detail query returns as ISO text.
_DATE_KEYS = ("case_expected_release_on", "nearest_road_planned_on")
KIND_ZH = {
    "parcel": "地块",
    "parcels": "相邻地块组合",
    "unit": "厂房单元",
    "units": "同层相邻单元组合",
    "building": "整栋厂房",
}


@dataclass
class MatchResult:
    """Fits and near misses (ranked, with checks, score parts, blockers); the rest counted."""

    enquiry: dict[str, Any]
    as_of: dt.date
    role: str
    weights: dict[str, float]
    fits: list[dict[str, Any]] = field(default_factory=list)
    near_misses: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, Any] = field(default_factory=dict)
    constraints: list[str] = field(default_factory=list)
    near_miss_max_failures: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        return json.loads(json.dumps(self.__dict__, default=_json_default))

    @property
    def sites(self) -> list[dict[str, Any]]:
        """Fits then near misses."""
        return self.fits + self.near_misses


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


@contextmanager
def _no_jit(conn: Connection) -> Iterator[None]:
    """JIT off for the enclosed statements, then back as it was (transaction-local).

    These queries are estimated expensive (recursive CTE, laterals) but run in
    milliseconds; PostgreSQL's JIT compilation would add seconds to each.
    """
    before = conn.execute(text("SELECT current_setting('jit')")).scalar_one()
    conn.execute(text("SELECT set_config('jit', 'off', true)"))
    try:
        yield
    finally:
        conn.execute(text("SELECT set_config('jit', :v, true)"), {"v": before})


def refresh_site_facts(conn: Connection) -> None:
    """Recompute logic.site_facts (call after imports; a match also does it when stale)."""
    with _no_jit(conn):
        _refresh(conn)


def _refresh(conn: Connection) -> None:
    rules = get_rules()["matching"]
    front = frontage_rule()
    conn.execute(
        text(
            "SELECT logic.refresh_site_facts(:r, :n, :st, :gap, CAST(:grade AS smallint), "
            ":tol, :width, :sys, :wwtp)"
        ),
        {
            "r": float(rules["neighbour_radius_m"]),
            "n": int(rules["neighbour_sample"]),
            "st": list(rules["available_land_statuses"]) + list(rules["pipeline_land_statuses"]),
            "gap": float(rules["unit_gap_max_m"]),
            "grade": int(get_rules()["land_unlock"]["blocking_ri_grade"]),
            "tol": front["tol"],
            "width": front["width"],
            "sys": list(rules["wastewater"]["industrial_sewer_systems"]),
            "wwtp": float(rules["wastewater"]["treatment_outfall_max_m"]),
        },
    )


def ensure_fresh(conn: Connection) -> bool:
    """Refresh the site facts when a layer changed since the last refresh; True if refreshed."""
    stale = conn.execute(text("SELECT stale FROM logic.site_facts_state")).scalar_one()
    if stale:
        refresh_site_facts(conn)
    return bool(stale)


def require_enquiry_access(role: str) -> None:
    """Stored enquiries are staff data (``layers/enquiries.toml`` roles): refuse anyone else
    before looking the enquiry up, so a missing id and a hidden one answer alike."""
    if get_layer("enquiries").can_see(role):
        return
    if role == ANONYMOUS.role:
        raise AuthenticationError(
            message="招商需求仅限工作人员查看，请先登录（X-API-Key）",
            message_en="stored enquiries are staff data: sign in (X-API-Key)",
            field="X-API-Key",
        )
    raise PermissionDeniedError(
        message=f"角色 {role} 无权查看招商需求",
        message_en=f"role {role} may not see stored enquiries",
        field="role",
        expected=list(get_layer("enquiries").roles),
        found=role,
    )


def _as_enquiry(
    conn: Connection, enquiry: Enquiry | dict[str, Any] | int, role: str
) -> tuple[Enquiry, dict[str, Any]]:
    if isinstance(enquiry, Enquiry):
        return enquiry, enquiry.model_dump(mode="json")
    if isinstance(enquiry, int):
        require_enquiry_access(role)
        row = get_enquiry(conn, enquiry)
        return enquiry_model(row), json.loads(json.dumps(row, default=_json_default))
    model = validate_enquiry(conn, enquiry)
    return model, model.model_dump(mode="json")


_DETAIL_BATCH_SQL = f"""
SELECT g.i, to_jsonb(d) AS detail
  FROM unnest(CAST(:kinds AS text[]), CAST(:ids AS text[])) WITH ORDINALITY g(facts_kind, ids, i)
 CROSS JOIN LATERAL (SELECT g.facts_kind, CAST(g.ids AS bigint[]) AS facts_ids) r
  LEFT JOIN LATERAL ({DETAIL_SQL}) d ON true
"""


def _details(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Join the wide facts, encumbrances and case of each shown row, in one query."""
    if not rows:
        return
    found = conn.execute(
        text(_DETAIL_BATCH_SQL),
        {
            "kinds": [r["facts_kind"] for r in rows],
            "ids": ["{" + ",".join(map(str, r["facts_ids"])) + "}" for r in rows],
        },
    )
    for i, detail in found:
        rows[i - 1].update(detail or {})


def _top(order_score: np.ndarray, rows: np.ndarray, sites: Sites, limit: int) -> list[int]:
    """The best ``limit`` of ``rows`` by score, then key (byte order, as COLLATE "C")."""
    if limit <= 0 or not len(rows):
        return []
    scores = order_score[rows]
    if len(rows) > limit:
        cut = np.partition(scores, len(rows) - limit)[len(rows) - limit]
        rows = rows[scores >= cut]  # ties at the cut stay in, the key decides among them
    ranked = sorted(rows.tolist(), key=lambda i: (-order_score[i], sites.key(i)))
    return ranked[:limit]


def _departments(conn: Connection) -> dict[str, str]:
    return {r.code: r.label_zh for r in conn.execute(text("SELECT code, label_zh FROM department"))}


def _combination(row: dict[str, Any]) -> dict[str, str]:
    what_zh, what_en = ("单元", "unit") if row["kind"] == "units" else ("地块", "parcel")
    n = len(row["members"])
    return {
        "message": f"单个{what_zh}面积不足，{n} 个相邻"
        f"{'单元（同层）' if row['kind'] == 'units' else '地块'}合并后满足：{row['label']}",
        "message_en": f"no single {what_en} is large enough; {n} adjacent ones together fit: "
        f"{row['label']}",
    }


def match(
    conn: Connection,
    enquiry: Enquiry | dict[str, Any] | int,
    role: str,
    top: int | None = None,
    weights: dict[str, float] | None = None,
    as_of: dt.date | None = None,
) -> MatchResult:
    """Sites that fit an enquiry, the near misses with reasons, and their blockers.

    ``top``: sites listed per group (default ``[matching] default_top``); the totals of
    fits and near misses are always given. Checks, score and ranking run over the offer
    held in memory (:mod:`parkgis.matching.offer`, brought up to date from the database
    first); the wide facts and blockers are read for the listed sites only.
    """
    rules = get_rules()
    mrules = rules["matching"]
    model, shown = _as_enquiry(conn, enquiry, role)
    day = as_of or dt.date.today()
    check_enquiry_facts(conn, model, day)
    w = check_weights(weights, mrules["weights"], role)
    hidden = hidden_criteria(role)
    limit = int(top if top is not None else mrules.get("default_top", 50))
    ensure_fresh(conn)
    scope = Scope(land=model.wants_land, building=model.wants_building, role=role)
    ugroups: list[list[int]] = []
    pgroups: list[list[int]] = []
    offer = current_offer(conn)
    if scope.building and model.floor_area_m2_min:
        ugroups = unit_groups(
            conn, offer, model.floor_area_m2_min, model.floor_area_m2_max or float("inf"),
            role, int(mrules["max_units_combined"]),
        )  # fmt: skip
    if scope.land and model.land_mu_min:
        pgroups = parcel_groups(
            conn, offer, model.land_mu_min, model.land_mu_max or float("inf"), role,
            list(mrules["available_land_statuses"]), float(mrules["parcel_shared_edge_min_m"]),
            int(mrules["max_parcels_combined"]),
        )  # fmt: skip
    sites = build_sites(
        conn, offer, scope,
        Rules(
            industry_code=model.industry_code,
            as_of=day,
            available=list(mrules["available_land_statuses"]),
            land_statuses=list(mrules["available_land_statuses"])
            + list(mrules["pipeline_land_statuses"]),
            unclassified_class=int(mrules["land_class"]["unclassified_industrial_class"]),
        ),
        ugroups, pgroups,
    )  # fmt: skip
    constraints = hard_constraints(
        model, mrules, day, {t: codes.code_list(conn, t) for t in ("fire_hazard_class", "land_use")}
    )
    checks = {c.name: c.test(sites) for c in constraints}
    n_fail = np.zeros(sites.n, np.int64)
    for result in checks.values():
        n_fail += result == 0.0
    max_fail = int(mrules["near_miss_max_failures"])
    terms = score_terms(model, mrules, day, sites)
    score = total_score(terms, w)
    fit = sites.candidate & (n_fail == 0)
    near_miss = sites.candidate & (n_fail > 0) & (n_fail <= max_fail)
    rejected_rows = sites.candidate & (n_fail > max_fail)
    picked = [
        _top(score, np.flatnonzero(fit), sites, limit),
        _top(score, np.flatnonzero(near_miss), sites, limit),
    ]
    kept: list[dict[str, Any]] = []
    for group in picked:
        for rank, i in enumerate(group, start=1):
            row = sites.row(i)
            row.update(
                key=sites.key(i), score=float(score[i]), rank=rank, n_fail=int(n_fail[i]),
                _i=i, **{f"ck_{n}": None if np.isnan(r[i]) else bool(r[i])
                         for n, r in checks.items()},
            )  # fmt: skip
            kept.append(row)
    with _no_jit(conn):
        _details(conn, kept)
    counts: dict[str, int] = {
        "fits": int(fit.sum()),
        "near_misses": int(near_miss.sum()),
        "count": int(rejected_rows.sum()),
    }
    counts |= {n: int((rejected_rows & (r == 0.0)).sum()) for n, r in checks.items()}
    staff = get_role(conn, role).staff
    departments = _departments(conn) if staff else {}
    fits: list[dict[str, Any]] = []
    near: list[dict[str, Any]] = []
    for row in kept:
        for key in _DATE_KEYS:
            if row.get(key):
                row[key] = dt.date.fromisoformat(row[key])
        # The site facts hold a distance only to a complete road the site fronts.
        row["has_access"] = row.get("access_road_dist_m") is not None
        results = [c.result(row, row[f"ck_{c.name}"]) for c in constraints]
        site = {
            "kind": row["kind"],
            "kind_zh": KIND_ZH[row["kind"]],
            "id": row["site_id"],
            "key": row["key"],
            "members": row["members"],
            "label": row["label"],
            "zone_code": row["zone_code"],
            "area_mu": row["area_mu"],
            "area_m2": row["area_m2"],
            "available_from": row["available_from"],
            "rank": row["rank"],
            "score": row["score"],
            "score_parts": score_parts(terms, row["_i"], row["kind"] in LAND_KINDS, w, hidden),
            "failed": [c["name"] for c in results if c["passed"] is False],
            "checks": results,
            "_row": row,  # blockers are worked out below
        }
        if row["kind"] in ("units", "parcels"):
            site["combination"] = _combination(row)
        (fits if row["n_fail"] == 0 else near).append(site)
    shown_sites = fits + near
    costs: dict[int, dict[str, Any]] = {}
    if staff:
        blk.prefetch_costs(conn, [s["_row"] for s in shown_sites], costs)
    for site in shown_sites:
        row = site.pop("_row")
        site["blockers"] = (
            blk.site_blockers(conn, row, mrules, departments, day, role, costs)
            if staff
            else blk.public_view(row.get("available_from"), day)
        )
    _attach_properties(conn, shown_sites, role)
    rej = dict(counts)
    totals = {"fits": rej.pop("fits"), "near_misses": rej.pop("near_misses")}
    count = int(rej.pop("count", 0))
    return MatchResult(
        enquiry=shown,
        as_of=day,
        role=role,
        weights=w,
        fits=fits,
        near_misses=near,
        totals={
            "fits": int(totals["fits"]),
            "near_misses": int(totals["near_misses"]),
            "listed_per_group": limit,
        },
        rejected={"count": count, "reasons": {k: v for k, v in rej.items() if v}},
        constraints=[c.name for c in constraints],
        near_miss_max_failures=int(mrules["near_miss_max_failures"]),
    )


def visible_columns(kind: str, role: str) -> list[str]:
    """Columns of a site's table that ``role`` may see (the layer catalogue)."""
    return [f.name for f in get_layer(SITE_TABLES[kind][0]).visible_fields(role)]


def _attach_properties(conn: Connection, sites: list[dict[str, Any]], role: str) -> None:
    """Add each site's (members') catalogue-visible fields, selected in SQL per role."""
    by_kind: dict[str, set[int]] = {}
    for s in sites:
        base = s["kind"].rstrip("s") if s["kind"] in ("units", "parcels") else s["kind"]
        by_kind.setdefault(base, set()).update(s["members"])
    props: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, ids in by_kind.items():
        cols = visible_columns(kind, role)
        select = ", ".join(f'"{c}"' for c in cols)
        table = SITE_TABLES[kind][1]
        # A row the role's filter hides is pipeline land (candidates.build_sites): of it
        # the caller sees only the public fields of land on its way back.
        predicate = get_layer(SITE_TABLES[kind][0]).rows_for(role) or "true"
        rows = conn.execute(
            text(
                f'SELECT id AS "__id", ({predicate}) AS "__listed", {select} '
                f'FROM "{table}" WHERE id = ANY(:ids)'
            ),
            {"ids": sorted(ids)},
        ).mappings()
        for r in rows:
            shown = {k: _plain(v) for k, v in r.items() if k not in ("__id", "__listed")}
            if not r["__listed"]:
                shown = {k: v for k, v in shown.items() if k in PUBLIC_FIELDS}
            props[(kind, int(r["__id"]))] = shown
    for s in sites:
        base = s["kind"].rstrip("s") if s["kind"] in ("units", "parcels") else s["kind"]
        members = [props.get((base, m), {}) for m in s["members"]]
        s["properties"] = members[0] if len(members) == 1 else {"members": members}


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    return value
