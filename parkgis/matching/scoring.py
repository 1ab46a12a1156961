"""Soft score: weighted criteria summing to 100, each favouring higher, lower or a target.

The suitability model of Esri Business Analyst (DOMAIN §9): every criterion maps a site's
value to 0..1 (linear between the ``good`` and ``bad`` values of
``rules/matching.toml`` [matching.criteria]), times its weight; the score is the sum
(0..100) and the response lists every criterion's part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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


def linear(value: float | None, spec: Mapping[str, Any]) -> float | None:
    """0..1 for ``value`` favouring higher, lower (between good and bad) or a target."""
    if value is None:
        return None
    if spec["favour"] == "target":
        target, tol = float(spec["target"]), float(spec["tolerance"]) * float(spec["target"])
        return max(0.0, 1.0 - abs(value - target) / tol) if tol > 0 else float(value == target)
    good, bad = float(spec["good"]), float(spec["bad"])
    if good == bad:
        return 1.0
    return min(1.0, max(0.0, (value - bad) / (good - bad)))


def _target(lo: float | None, hi: float | None) -> float | None:
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    return lo if lo is not None else hi


def score_site(
    row: Mapping[str, Any],
    enquiry: Enquiry,
    weights: Mapping[str, float],
    rules: Mapping[str, Any],
    as_of: dt.date,
) -> tuple[float, list[dict[str, Any]]]:
    """Score (0-100) of one site and its breakdown per criterion."""
    crit = rules["criteria"]
    land = row["kind"] in ("parcel", "parcels")
    values: dict[str, tuple[Any, float | None, str]] = {}

    size_value = row["area_mu"] if land else row["area_m2"]
    target = (
        _target(enquiry.land_mu_min, enquiry.land_mu_max)
        if land
        else _target(enquiry.floor_area_m2_min, enquiry.floor_area_m2_max)
    )
    spec = {**crit["size_fit"], "target": target or 1.0}
    values["size_fit"] = (
        size_value,
        linear(size_value, spec) if target else None,
        "亩" if land else "m²",
    )

    if land:
        spec = dict(crit["land_price"])
        if enquiry.land_budget_yuan_per_mu:
            spec["bad"] = max(float(enquiry.land_budget_yuan_per_mu), float(spec["good"]) + 1)
        price = row["price_yuan_per_mu"]
        values["price"] = (price, linear(price, spec), "元/亩")
    else:
        spec = dict(crit["rent"])
        if enquiry.rent_budget_yuan_m2_month:
            spec["bad"] = max(float(enquiry.rent_budget_yuan_m2_month), float(spec["good"]) + 0.1)
        rent = row["rent_yuan_m2_month"]
        values["price"] = (rent, linear(rent, spec), "元/m²·月")

    values["main_road"] = (
        row["arterial_dist_m"],
        linear(row["arterial_dist_m"], crit["main_road"]),
        "m",
    )
    hw = (
        row["rail_dist_m"]
        if enquiry.rail_within_km and not enquiry.highway_within_km
        else row["highway_dist_m"]
    )
    values["highway"] = (hw, linear(hw, crit["highway"]), "m")
    has_access = row.get("has_access")
    values["road_access"] = (has_access, None if has_access is None else float(has_access), "")
    worst = max(
        (g for g in (row["storm_worst_grade"], row["sewage_worst_grade"]) if g), default=None
    )
    inspected = bool(row.get("storm_inspected") or row.get("sewage_inspected"))
    drain = {None: 0.5 if not inspected else 1.0, 1: 1.0, 2: 0.8, 3: 0.3, 4: 0.0}[worst]
    values["drainage"] = (worst, drain, "RI级")
    divisions = row.get("neighbour_divisions") or {}
    same = float(divisions.get(enquiry.industry_code[:3], 0))
    values["industry_chain"] = (int(same), linear(same, crit["industry_chain"]), "家")
    avail = row.get("available_from")
    days = None if avail is None else max(0, (avail - as_of).days)
    values["readiness"] = (days, linear(days, crit["readiness"]) if days is not None else 0.0, "天")
    # No preference: every zone is preferred.
    pref = float(row["zone_code"] in enquiry.preferred_zones) if enquiry.preferred_zones else 1.0
    values["preferred_zone"] = (row["zone_code"], pref, "")

    total = 0.0
    parts = []
    for name, weight in weights.items():
        value, unit_score, unit = values[name]
        # Unknown data scores half: neither rewarded nor ruled out.
        s = 0.5 if unit_score is None else unit_score
        points = weight * s
        total += points
        parts.append(
            {
                "criterion": name,
                "label": CRITERIA_ZH[name],
                "weight": weight,
                "value": value if not isinstance(value, dt.date) else value.isoformat(),
                "unit": unit,
                "score": round(s, 3),
                "points": round(points, 2),
            }
        )
    return round(total, 2), parts
