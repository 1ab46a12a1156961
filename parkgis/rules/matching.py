"""Model of ``matching.toml``: hard constraints, soft-score weights and criteria, blockers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from parkgis.rules.base import Number, Table


class Criterion(Table):
    """A linear criterion: score 1 at ``good``, 0 at ``bad`` (Esri Business Analyst model)."""

    favour: Literal["higher", "lower"]
    good: float
    bad: float
    unit: str


class SizeFit(Table):
    """The middle of the wanted range scores 1, ``tolerance`` x target away scores 0."""

    favour: Literal["target"]
    tolerance: float


class Drainage(Table):
    """Score by the worst CJJ 181-2012 RI grade downstream (I..IV)."""

    by_grade: tuple[float, float, float, float]
    inspected_sound: float
    uninspected: float


class Criteria(Table):
    """The soft-score criteria."""

    main_road: Criterion
    highway: Criterion
    land_price: Criterion
    rent: Criterion
    readiness: Criterion
    industry_chain: Criterion
    size_fit: SizeFit
    drainage: Drainage


class LandClass(Table):
    """GB/T 4754 division -> minimum industrial land class (用地用海分类指南 1001xx)."""

    default_class: int
    unclassified_industrial_class: int
    class_3: list[str]
    class_2: list[str]
    class_1: list[str]
    logistics_sections: list[str]


class Planning(Table):
    """Investment intensity and tax per mu of new industrial land [?] local policy."""

    investment_yuan_per_mu_min: float
    tax_yuan_per_mu_year_min: float


class Fire(Table):
    """GB 50016-2014 §3.3.1: hazard ranks that need a dedicated single-storey building."""

    dedicated_single_storey_max_rank: int


class Who(Table):
    """Department (code list ``department``) that acts on each kind of blocker."""

    road_access: str
    drainage: str
    seizure: str
    mortgage: str
    bankruptcy: str
    idle_recovery: str


class Incentives(Table):
    """Shown on the site brochure [?] local policy."""

    zh: list[str]
    en: list[str]


class Wastewater(Table):
    """Industrial wastewater only to a sewer ending at a treatment plant (水污染防治法 §45)."""

    industrial_sewer_systems: list[str]
    treatment_outfall_max_m: float


class Matching(Table):
    """Investor-site matching (issue 5)."""

    near_miss_max_failures: int
    neighbour_radius_m: float
    neighbour_sample: int
    sewer_max_distance_m: float
    max_units_combined: int
    max_parcels_combined: int
    default_top: int
    parcel_shared_edge_min_m: float
    unit_gap_max_m: float
    available_land_statuses: list[str]
    pipeline_land_statuses: list[str]
    wastewater: Wastewater
    weights: dict[str, Number]
    criteria: Criteria
    land_class: LandClass
    planning: Planning
    fire: Fire
    who: Who
    incentives: Incentives


class MatchingRules(BaseModel):
    """``parkgis/rules/matching.toml``."""

    matching: Matching
