"""Model of ``repairs.toml``: CJJ 181-2012 and CJJ 36-2016 constants, costs, risk, plans."""

from __future__ import annotations

from pydantic import BaseModel

from parkgis.rules.base import Number, Table


class EBand(Table):
    """Pipe importance E by diameter, CJJ 181-2012 Table 8.3.2-2 (first matching band)."""

    above_mm: Number
    inclusive: bool
    score: Number


class RiWeights(Table):
    """RI = f F + k K + e E + t T (§8.3.1)."""

    f: float
    k: float
    e: float
    t: float


class MiWeights(Table):
    """MI = g G + k K + e E (§8.4.1)."""

    g: float
    k: float
    e: float


class Cjj181(Table):
    """城镇排水管道检测与评估技术规程 CJJ 181-2012 §8."""

    alpha: float
    group2_spacing_max_m: float
    merge_spacing_below_m: float
    point_defect_length_m: float
    density_partial_from: float
    density_whole_from: float
    grade_upper: tuple[float, float, float]
    index_grade_upper: tuple[float, float, float]
    ri_weights: RiWeights
    mi_weights: MiWeights
    k_zero_when_f_below: float
    zero_k_in_mi_when_g_below: float
    t_zero_when_f_is_zero: bool
    e_bands: list[EBand]


class Cjj36(Table):
    """城镇道路养护技术规范 CJJ 36-2016 §3: lower bounds of grades A, B, C by road class."""

    rqi_a_b_c: dict[str, tuple[float, float, float]]
    pci_a_b_c: dict[str, tuple[float, float, float]]
    resurface_grades: list[str]
    frontage_tolerance_m: float
    default_road_width_m: float


class CostBand(Table):
    """Unit costs of one diameter band (first band with diameter <= max_mm)."""

    max_mm: Number
    local_per_point: Number
    cipp_per_m: Number
    open_cut_per_m: Number


class RepairCosts(Table):
    """Unit costs, Huaibei 2024 price level [?]."""

    currency: str
    local_repair_max_density: float
    open_cut_min_grade: int
    mobilisation_yuan: Number
    street_key: str
    min_ri_grade: int
    methods: dict[str, str]
    bands: list[CostBand]


class RoadCosts(Table):
    """Yuan per m² of carriageway by road class [?]."""

    complete_per_m2: dict[str, float]
    resurface_per_m2: dict[str, float]
    under_construction_remaining_share: float


class Risk(Table):
    """Likelihood x consequence (ISO 31000 §6.4.3); every weight our estimate [?]."""

    likelihood_by_structural_grade: dict[str, float]
    likelihood_after_repair: float
    age_years_per_step: Number
    age_step: float
    age_factor_max: float
    material_factor: dict[str, float]
    consequence_base: float
    consequence_per_upstream_mu: float
    consequence_per_upstream_firm: float
    consequence_road_class: dict[str, float]
    system_factor: dict[str, float]
    road_likelihood_by_grade: dict[str, float]
    road_consequence_per_fronting_firm: float


class LandUnlock(Table):
    """Which parcels repairs make ready (DOMAIN §8)."""

    ready_statuses: list[str]
    blocking_ri_grade: int
    enquiry_mu_equivalent: float


class Plan(Table):
    """Weights of the repair plan's objective [?] local policy."""

    year_discount: float
    blend_risk_weight: float
    time_limit_s: Number


class RepairsRules(BaseModel):
    """``parkgis/rules/repairs.toml``."""

    cjj181: Cjj181
    cjj36: Cjj36
    repair_costs: RepairCosts
    road_costs: RoadCosts
    risk: Risk
    land_unlock: LandUnlock
    plan: Plan
