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
from typing import TYPE_CHECKING, Any

import numpy as np

from parkgis.catalogue import get_layer
from parkgis.errors import ValidationError
from parkgis.matching.enquiry import Enquiry
from parkgis.matching.offer import day_number

if TYPE_CHECKING:
    from parkgis.matching.candidates import Sites

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


#: Criteria computed from a layer's field some roles may not see: the worst downstream
#: repair grade (pipe condition) and the industries of neighbouring firms. Those roles get
#: these criteria's points only as one total, at the default weights.
SOURCE_FIELD = {"drainage": ("pipes", "ri_grade"), "industry_chain": ("firms", "industry_code")}
RESTRICTED = "restricted"


def hidden_criteria(role: str) -> list[str]:
    """The criteria whose source ``role`` may not see (the layer catalogue)."""
    hidden = []
    for criterion, (layer_id, field_name) in SOURCE_FIELD.items():
        layer = get_layer(layer_id)
        if not (layer.can_see(role) and layer.field(field_name).visible(role)):
            hidden.append(criterion)
    return hidden


def check_weights(
    weights: Mapping[str, float] | None, defaults: Mapping[str, float], role: str = "admin"
) -> dict[str, float]:
    """Per-request weights (missing criteria weigh 0) or the defaults; they must sum to 100.

    A role may not reweigh the criteria hidden from it: a weight of 100 on drainage
    would turn the total into the pipe grade.
    """
    if not weights:
        return {k: float(v) for k, v in defaults.items()}
    for name in hidden_criteria(role):
        if float(weights.get(name, 0.0)) != float(defaults[name]):
            raise ValidationError(
                message=f"评分项 {CRITERIA_ZH[name]} 的权重不可调整（依据不公开数据），"
                f"应为 {float(defaults[name]):g}",
                message_en=f"weights.{name}: fixed for this role (restricted data); "
                f"expected {float(defaults[name]):g}",
                field=f"weights.{name}",
                expected=float(defaults[name]),
                found=weights.get(name),
            )
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
    """One criterion of the score over all candidates: each one's value and 0..1 score.

    ``score`` is NaN where the site has no data for the criterion; such a criterion scores
    0.5 (neither rewarded nor ruled out).
    """

    name: str
    value: np.ndarray
    score: np.ndarray


def _linear(value: np.ndarray, spec: Mapping[str, Any]) -> np.ndarray:
    """Linear 0..1 score between ``good`` (1) and ``bad`` (0), clamped; NaN stays NaN."""
    good, bad = float(spec["good"]), float(spec["bad"])
    if good == bad:
        return np.where(np.isnan(value), np.nan, 1.0)
    return np.clip((value - bad) / (good - bad), 0.0, 1.0)


def _target(value: np.ndarray, target: float | None, tolerance: float) -> np.ndarray:
    """0..1 score peaking at ``target``, 0 beyond ``tolerance`` x target (no target: NaN)."""
    if not target:
        return np.full(len(value), np.nan)
    return np.maximum(0.0, 1.0 - np.abs(value - target) / (tolerance * target))


def _middle(lo: float | None, hi: float | None) -> float | None:
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    return lo if lo is not None else hi


def score_terms(
    enquiry: Enquiry, rules: Mapping[str, Any], as_of: dt.date, sites: Sites
) -> list[Term]:
    """The criteria of the soft score over the candidates.

    The criteria and their good/bad values are ``rules/matching.toml`` [matching.criteria];
    the enquiry sets the size target (middle of its wanted range), the price bound (its
    budget) and which transport distance counts (rail when it asks only for rail).
    """
    crit = rules["criteria"]
    e, num, land = enquiry, sites.num, sites.land
    tol = float(crit["size_fit"]["tolerance"])
    area = np.where(land, num["area_mu"], num["area_m2"])
    size = np.where(
        land,
        _target(num["area_mu"], _middle(e.land_mu_min, e.land_mu_max), tol),
        _target(num["area_m2"], _middle(e.floor_area_m2_min, e.floor_area_m2_max), tol),
    )
    land_price = dict(crit["land_price"])
    if e.land_budget_yuan_per_mu:
        land_price["bad"] = max(float(e.land_budget_yuan_per_mu), float(land_price["good"]) + 1)
    rent = dict(crit["rent"])
    if e.rent_budget_yuan_m2_month:
        rent["bad"] = max(float(e.rent_budget_yuan_m2_month), float(rent["good"]) + 0.1)
    price = np.where(land, num["price_yuan_per_mu"], num["rent_yuan_m2_month"])
    price_score = np.where(
        land,
        _linear(num["price_yuan_per_mu"], land_price),
        _linear(num["rent_yuan_m2_month"], rent),
    )
    transport = "rail_dist_m" if e.rail_within_km and not e.highway_within_km else "highway_dist_m"
    drain = crit["drainage"]
    # The worst CJJ 181 grade downstream (storm or sewage); uninspected paths score apart.
    worst = np.fmax(num["storm_worst_grade"], num["sewage_worst_grade"])
    inspected = (np.nan_to_num(num["storm_inspected"]) + np.nan_to_num(num["sewage_inspected"])) > 0
    drainage = np.where(inspected, float(drain["inspected_sound"]), float(drain["uninspected"]))
    for grade, value in enumerate(drain["by_grade"], start=1):
        drainage = np.where(worst == grade, float(value), drainage)
    # A distance only to a complete road the site fronts (logic.road_frontage_m).
    access = ~np.isnan(num["access_road_dist_m"])
    days = np.maximum(0.0, num["available_from"] - day_number(as_of))
    zones = sites.txt["zone_code"]
    # No preference: every zone is preferred.
    preferred = np.isin(zones, e.preferred_zones) if e.preferred_zones else np.ones(sites.n, bool)
    return [
        Term("size_fit", area, size),
        Term("price", price, price_score),
        Term(
            "main_road", num["arterial_dist_m"], _linear(num["arterial_dist_m"], crit["main_road"])
        ),
        Term("highway", num[transport], _linear(num[transport], crit["highway"])),
        Term("road_access", access, access.astype(np.float64)),
        Term("drainage", worst, drainage),
        Term(
            "industry_chain",
            num["same_chain"],
            _linear(num["same_chain"], crit["industry_chain"]),
        ),
        Term("readiness", days, np.nan_to_num(_linear(days, crit["readiness"]), nan=0.0)),
        Term("preferred_zone", zones, preferred.astype(np.float64)),
    ]


def total_score(terms: list[Term], weights: Mapping[str, float]) -> np.ndarray:
    """The total score 0..100: the weighted sum, unknown criteria at half, to 0.01."""
    total = np.zeros(len(terms[0].score) if terms else 0)
    for t in terms:
        w = float(weights.get(t.name, 0.0))
        if w:
            total = total + w * np.where(np.isnan(t.score), 0.5, t.score)
    return np.floor(total * 100.0 + 0.5) / 100.0  # half up, as SQL's round()


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
    terms: list[Term], i: int, land: bool, weights: Mapping[str, float], hidden: list[str]
) -> list[dict[str, Any]]:
    """The breakdown of candidate ``i``'s score per criterion (value, 0..1 score, points);
    the ``hidden`` criteria (:func:`hidden_criteria`) as one total of points only."""
    parts = _parts([t for t in terms if t.name not in hidden], i, land, weights)
    if hidden:
        secret = _parts([t for t in terms if t.name in hidden], i, land, weights)
        names = "、".join(CRITERIA_ZH[n] for n in hidden)
        parts.append(
            {
                "criterion": RESTRICTED,
                "label": f"其他因素合计（{names}，依据不公开数据）",
                "label_en": f"other criteria together ({', '.join(hidden)}; restricted data)",
                "weight": sum(p["weight"] for p in secret),
                "points": round(sum(p["points"] for p in secret), 2),
            }
        )
    return parts


def _parts(
    terms: list[Term], i: int, land: bool, weights: Mapping[str, float]
) -> list[dict[str, Any]]:
    parts = []
    for t in terms:
        weight = float(weights[t.name])
        unit_score = float(t.score[i])
        s = 0.5 if np.isnan(unit_score) else unit_score
        parts.append(
            {
                "criterion": t.name,
                "label": CRITERIA_ZH[t.name],
                "weight": weight,
                "value": _plain_value(t.name, t.value[i]),
                "unit": _UNITS[t.name][0 if land else 1],
                "score": round(s, 3),
                "points": round(weight * s, 2),
            }
        )
    return parts


def _plain_value(name: str, value: Any) -> Any:
    """A criterion's value for JSON: None for no data, counts and days and grades as ints."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    v = float(value)
    if np.isnan(v):
        return None
    if name in ("industry_chain", "readiness", "drainage"):
        return int(v)
    return v
