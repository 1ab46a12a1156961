"""Model of ``land.toml``: units, idle land (MLR Order 53), industrial land, Anhui targets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from parkgis.rules.base import Number, Table


class Units(Table):
    """1 亩 = 10 000/15 m²; 1 ha = 15 亩."""

    m2_per_mu: float
    mu_per_hectare: Number


class IdleLand(Table):
    """闲置土地处置办法 (MLR Order 53, 2012) Art. 2 and 14."""

    not_started_after_years: int
    clock_start_fallback: Literal["supplied_on", "none"]
    developed_share_below: float
    invested_share_below: float
    stopped_for_years: int
    fee_after_years: int
    fee_share_of_land_price: float
    recovery_after_years: int


class IndustrialLand(Table):
    """工业项目建设用地控制指标 (2008; revised 2023 [?])."""

    building_coefficient_min: float
    admin_facility_ratio_max: float
    green_ratio_max: float
    double_count_storey_above_m: float
    plot_ratio_min_by_industry: dict[str, float]


class Anhui(Table):
    """皖政〔2022〕54号."""

    new_industrial_plot_ratio_min: float
    high_standard_factory_plot_ratio_min: float
    zone_plot_ratio_min_provincial: float
    zone_plot_ratio_min_national: float
    yearly_disposal_share_target: float


class LandRules(BaseModel):
    """``parkgis/rules/land.toml``."""

    units: Units
    idle_land: IdleLand
    industrial_land: IndustrialLand
    anhui: Anhui
