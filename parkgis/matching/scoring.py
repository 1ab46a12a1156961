"""Soft score: weighted criteria summing to 100, each favouring higher, lower or a target.

The suitability model of Esri Business Analyst (DOMAIN §9): every criterion maps a site's
value to 0..1 (linear between the ``good`` and ``bad`` values of
``rules/matching.toml`` [matching.criteria]), times its weight; the score is the sum
(0..100) and the response lists every criterion's part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parkgis.errors import ValidationError
from parkgis.matching.enquiry import Enquiry

CRITERIA_ZH = {
    "size_fit": "面积匹配",
    "price": "价格/租金",
    "main_road": "距主干路",
    "highway": "距高速出入口",
    "road_access": "道路通达",
    "drainage": "排水条件",
    "industry_chain": "同产业链邻居",
    "readiness": "可入驻时间",
    "preferred_zone": "意向园区",
}


def check_weights(
    weights: Mapping[str, float] | None, defaults: Mapping[str, float]
) -> dict[str, float]:
    """Per-request weights (missing criteria weigh 0) or the defaults; they must sum to 100."""
    if not weights:
        return {k: float(v) for k, v in defaults.items()}
    unknown = sorted(set(weights) - set(defaults))
    if unknown:
        raise ValidationError(
            message=f"未知的评分项 {unknown[0]}，可选：{', '.join(defaults)}",
            message_en=f"unknown criterion {unknown[0]!r}",
            field="weights",
            expected=sorted(defaults),
            found=unknown[0],
        )
    if any(float(v) < 0 for v in weights.values()):
        raise ValidationError(
            message="权重不能为负", message_en="weights must not be negative", field="weights"
        )
    total = sum(float(v) for v in weights.values())
    if abs(total - 100.0) > 1e-6:
        raise ValidationError(
            message=f"权重之和须为 100，当前为 {total:g}",
            message_en=f"weights must sum to 100; found {total:g}",
            field="weights",
            expected=100,
            found=total,
        )
    return {k: float(weights.get(k, 0.0)) for k in defaults}


@dataclass(frozen=True)
class Term:
    """One criterion of the score as SQL over a candidate row: its value and its 0..1 score.

    ``score_sql`` is NULL where the site has no data for the criterion; such a criterion
    scores 0.5 (neither rewarded nor ruled out).
    """

    name: str
    value_sql: str
    score_sql: str


def _linear_sql(value: str, spec: Mapping[str, Any], p: str, params: dict[str, Any]) -> str:
    """SQL of a linear 0..1 score between ``good`` (1) and ``bad`` (0), clamped."""
    good, bad = float(spec["good"]), float(spec["bad"])
    if good == bad:
        return f"CASE WHEN {value} IS NULL THEN NULL ELSE 1.0 END"
    params[f"{p}_good"], params[f"{p}_bad"] = good, bad
    return (
        f"least(1.0, greatest(0.0, ({value} - CAST(:{p}_bad AS float8)) "
        f"/ (CAST(:{p}_good AS float8) - CAST(:{p}_bad AS float8))))"
    )


def _target_sql(
    value: str, target: float | None, tolerance: float, p: str, params: dict[str, Any]
) -> str:
    """SQL of a 0..1 score peaking at ``target`` and 0 beyond ``tolerance`` x target."""
    if not target:
        return "CAST(NULL AS float8)"
    params[f"{p}_target"], params[f"{p}_tol"] = float(target), float(tolerance) * float(target)
    return (
        f"greatest(0.0, 1.0 - abs({value} - CAST(:{p}_target AS float8)) "
        f"/ CAST(:{p}_tol AS float8))"
    )


def _target(lo: float | None, hi: float | None) -> float | None:
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    return lo if lo is not None else hi


_LAND = "kind IN ('parcel', 'parcels')"


def score_terms(
    enquiry: Enquiry, rules: Mapping[str, Any], as_of: dt.date
) -> tuple[list[Term], dict[str, Any]]:
    """The criteria of the soft score as SQL terms over the candidates, and their params.

    The criteria and their good/bad values are ``rules/matching.toml`` [matching.criteria];
    the enquiry sets the size target (middle of its wanted range), the price bound (its
    budget) and which transport distance counts (rail when it asks only for rail).
    """
    crit = rules["criteria"]
    params: dict[str, Any] = {"s_as_of": as_of}
    e = enquiry
    tol = float(crit["size_fit"]["tolerance"])
    size = (
        f"CASE WHEN {_LAND} THEN "
        f"{_target_sql('area_mu', _target(e.land_mu_min, e.land_mu_max), tol, 's_mu', params)} "
        f"ELSE {_target_sql('area_m2', _target(e.floor_area_m2_min, e.floor_area_m2_max), tol, 's_m2', params)} END"  # noqa: E501
    )
    land_price = dict(crit["land_price"])
    if e.land_budget_yuan_per_mu:
        land_price["bad"] = max(float(e.land_budget_yuan_per_mu), float(land_price["good"]) + 1)
    rent = dict(crit["rent"])
    if e.rent_budget_yuan_m2_month:
        rent["bad"] = max(float(e.rent_budget_yuan_m2_month), float(rent["good"]) + 0.1)
    price = (
        f"CASE WHEN {_LAND} THEN "
        f"{_linear_sql('price_yuan_per_mu', land_price, 's_lp', params)} "
        f"ELSE {_linear_sql('rent_yuan_m2_month', rent, 's_rent', params)} END"
    )
    transport = "rail_dist_m" if e.rail_within_km and not e.highway_within_km else "highway_dist_m"
    drain = crit["drainage"]
    by_grade = [float(x) for x in drain["by_grade"]]
    params.update(
        {f"s_dr{g}": v for g, v in enumerate(by_grade, start=1)}
        | {
            "s_dr_none": float(drain["inspected_sound"]),
            "s_dr_unknown": float(drain["uninspected"]),
        }
    )
    worst = "greatest(storm_worst_grade, sewage_worst_grade)"
    inspected = "(coalesce(storm_inspected, 0) + coalesce(sewage_inspected, 0) > 0)"
    drainage = (
        f"CASE {worst} "
        + " ".join(f"WHEN {g} THEN CAST(:s_dr{g} AS float8)" for g in range(1, len(by_grade) + 1))
        + f" ELSE CASE WHEN {inspected} THEN CAST(:s_dr_none AS float8) "
        "ELSE CAST(:s_dr_unknown AS float8) END END"
    )
    params["s_frontage"] = float(rules["frontage_max_m"])
    access = "coalesce(access_road_dist_m <= CAST(:s_frontage AS float8), false)"
    days = "greatest(0, available_from - CAST(:s_as_of AS date))"
    params["s_zones"] = list(e.preferred_zones)
    # No preference: every zone is preferred.
    pref = "CASE WHEN cardinality(CAST(:s_zones AS text[])) = 0 OR zone_code = ANY (CAST(:s_zones AS text[])) THEN 1.0 ELSE 0.0 END"  # noqa: E501
    terms = [
        Term("size_fit", f"CASE WHEN {_LAND} THEN area_mu ELSE area_m2 END", size),
        Term(
            "price", f"CASE WHEN {_LAND} THEN price_yuan_per_mu ELSE rent_yuan_m2_month END", price
        ),
        Term(
            "main_road",
            "arterial_dist_m",
            _linear_sql("arterial_dist_m", crit["main_road"], "s_main", params),
        ),
        Term("highway", transport, _linear_sql(transport, crit["highway"], "s_hw", params)),
        Term("road_access", access, f"CASE WHEN {access} THEN 1.0 ELSE 0.0 END"),
        Term("drainage", worst, drainage),
        Term(
            "industry_chain",
            "same_chain",
            _linear_sql("same_chain", crit["industry_chain"], "s_chain", params),
        ),
        Term(
            "readiness",
            days,
            f"coalesce({_linear_sql(days, crit['readiness'], 's_ready', params)}, 0.0)",
        ),
        Term("preferred_zone", "zone_code", pref),
    ]
    return terms, params


def total_sql(terms: list[Term], weights: Mapping[str, float]) -> str:
    """SQL of the total score 0..100: the weighted sum, unknown criteria at half."""
    parts = [
        f"{float(weights[t.name])!r} * coalesce(su_{t.name}, 0.5)"
        for t in terms
        if float(weights.get(t.name, 0.0))
    ]
    return f"round(CAST({' + '.join(parts) or '0'} AS numeric), 2)::float8"


_UNITS = {
    "size_fit": ("亩", "m²"),
    "price": ("元/亩", "元/m²·月"),
    "main_road": ("m", "m"),
    "highway": ("m", "m"),
    "road_access": ("", ""),
    "drainage": ("RI级", "RI级"),
    "industry_chain": ("家", "家"),
    "readiness": ("天", "天"),
    "preferred_zone": ("", ""),
}


def score_parts(
    row: Mapping[str, Any], terms: list[Term], weights: Mapping[str, float]
) -> list[dict[str, Any]]:
    """The breakdown of one scored row (``sv_*`` values, ``su_*`` 0..1 scores) per criterion."""
    land = row["kind"] in ("parcel", "parcels")
    parts = []
    for t in terms:
        weight = float(weights[t.name])
        unit_score = row.get(f"su_{t.name}")
        s = 0.5 if unit_score is None else float(unit_score)
        value = row.get(f"sv_{t.name}")
        if t.name == "industry_chain" and value is not None:  # a count of firms
            value = int(value)
        parts.append(
            {
                "criterion": t.name,
                "label": CRITERIA_ZH[t.name],
                "weight": weight,
                "value": value,
                "unit": _UNITS[t.name][0 if land else 1],
                "score": round(s, 3),
                "points": round(weight * s, 2),
            }
        )
    return parts
