"""Model of ``release.toml``: zombie screening, per-mu efficiency, bankruptcy deadlines,
judicial auctions, joint tasks and the release pipeline."""

from __future__ import annotations

from pydantic import BaseModel

from parkgis.rules.base import Number, Table


class ReleaseRulesVersion(Table):
    """Stored with every screening run."""

    version: str


class ZombieWeights(Table):
    """Relative weights of the zombie signals [?] local policy."""

    consecutive_losses: Number
    electricity_near_zero: Number
    no_tax: Number
    tax_arrears: Number
    social_insurance: Number
    enforcement: Number
    production_stopped: Number
    interest_coverage: Number


class ZombieScreening(Table):
    """DOMAIN §4: State Council 2015 [?], local practice [?], OECD."""

    loss_years_in_row: int
    electricity_near_zero_kwh: Number
    electricity_drop_share: float
    interest_coverage_below: float
    interest_coverage_years: int
    oecd_min_age_years: int
    likely_zombie_score: Number
    watch_score: Number
    weights: ZombieWeights


class ClassCutoffs(Table):
    """Cumulative share of firms by rank within their group (Huai'an 2024) [?]."""

    A: float
    B: float
    C: float
    D: float


class PerMuEfficiency(Table):
    """亩均效益评价: 皖经信运行〔2021〕108号 and county practice [?]."""

    ratio_cap: float
    weights_above_scale: dict[str, Number]
    weights_small: dict[str, Number]
    benchmarks: dict[str, Number]
    class_cutoffs: ClassCutoffs


class Bankruptcy(Table):
    """Enterprise Bankruptcy Law 2006 Art. 10, 14, 45, 62, 79."""

    acceptance_days: int
    creditor_notice_days: int
    creditor_objection_days: int
    creditor_ruling_days: int
    acceptance_extension_days: int
    announcement_days: int
    claims_min_days: int
    claims_max_months: int
    first_meeting_days: int
    plan_months: int
    plan_extension_months: int


class JudicialAuction(Table):
    """法释〔2016〕18号 Art. 10, 12, 26."""

    min_start_share_of_appraisal: float
    first_round_notice_days: int
    later_round_notice_days: int
    max_reduction_per_round: float
    negotiate_after_failed_rounds: int


class JointTasks(Table):
    """府院联动 (发改财金规〔2021〕274号): default deadline of each task kind [?]."""

    deadline_days: dict[str, int]


class IdleRecovery(Table):
    """Days from recovery eligibility (MLR Order 53 Art. 14) back to the market [?]."""

    days_after_recovery_eligible: int


class ReleasePipeline(Table):
    """Expected days from a case stage to the market [?] our estimate."""

    days_from_stage: dict[str, int]
    idle_recovery: IdleRecovery


class ReleaseRules(BaseModel):
    """``parkgis/rules/release.toml``."""

    release_rules: ReleaseRulesVersion
    zombie_screening: ZombieScreening
    per_mu_efficiency: PerMuEfficiency
    bankruptcy: Bankruptcy
    judicial_auction: JudicialAuction
    joint_tasks: JointTasks
    release_pipeline: ReleasePipeline
