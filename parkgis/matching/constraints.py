"""Hard constraints of a match, each a test over all candidates at once and an explanation.

A constraint's test maps the candidates (``candidates.Sites``, columns of
``SITE_COLUMNS``) to SQL's three values per site, held as floats: 1.0 passed, 0.0 failed,
NaN "does not apply to this site" (e.g. floor load for bare land), which counts as
passed. This module also turns each result into a sentence in Chinese and English with
the figures ("楼面荷载 8 kN/m² < 要求 15").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parkgis.labels.codes import CodeList
from parkgis.matching.enquiry import Enquiry
from parkgis.matching.offer import day_number
from parkgis.rules import current as current_rules

if TYPE_CHECKING:
    from parkgis.matching.candidates import Sites

#: A constraint's test: the candidates in, 1.0 / 0.0 / NaN per candidate out.
Test = Callable[["Sites"], np.ndarray]

LAND_KINDS = ("parcel", "parcels")


def tri(value: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """SQL's three-valued result: 1.0 true, 0.0 false, NaN where ``unknown``."""
    return np.where(unknown, np.nan, value.astype(np.float64))


def at_least(col: np.ndarray, bound: float) -> np.ndarray:
    """``col >= bound`` (NULL stays unknown)."""
    return tri(col >= bound, np.isnan(col))


def at_most(col: np.ndarray, bound: float) -> np.ndarray:
    """``col <= bound`` (NULL stays unknown)."""
    return tri(col <= bound, np.isnan(col))


def or_false(result: np.ndarray) -> np.ndarray:
    """``coalesce(result, false)``: no data fails."""
    return np.where(np.isnan(result), 0.0, result)


def and3(*results: np.ndarray) -> np.ndarray:
    """SQL AND: false if any is false, else unknown if any is unknown, else true."""
    stack = np.vstack(results)
    return np.where(
        (stack == 0.0).any(axis=0), 0.0, np.where(np.isnan(stack).any(axis=0), np.nan, 1.0)
    )


@dataclass(frozen=True)
class Constraint:
    """One hard constraint: its test, what it compares and how to say the result."""

    name: str
    label_zh: str
    label_en: str
    test: Test
    found_column: str | None
    required: Any
    unit: str = ""
    compare: str = "min"  # min | max | range | custom
    explain: Callable[[Mapping[str, Any], bool], tuple[str, str]] | None = None

    def result(self, row: Mapping[str, Any], passed: bool | None) -> dict[str, Any]:
        """The check of one site as a JSON-ready dict with both sentences."""
        found = row.get(self.found_column) if self.found_column else None
        if passed is None:
            zh, en = (
                f"{self.label_zh}：不适用或无数据",
                f"{self.label_en}: not applicable or no data",
            )
        elif self.explain is not None:
            zh, en = self.explain(row, passed)
        else:
            zh, en = self._sentence(found, passed)
        return {
            "name": self.name,
            "passed": passed,
            "label": self.label_zh,
            "label_en": self.label_en,
            "required": _plain(self.required),
            "found": _plain(found),
            "unit": self.unit,
            "message": zh,
            "message_en": en,
        }

    def _sentence(self, found: Any, passed: bool) -> tuple[str, str]:
        f, u = _num(found), self.unit
        if self.compare == "range":
            lo, hi = self.required
            rng = f"{_num(lo) if lo is not None else 0}–{_num(hi) if hi is not None else '∞'}"
            word_zh, word_en = ("在", "within") if passed else ("不在", "outside")
            return (
                f"{self.label_zh} {f} {u} {word_zh}要求范围 {rng} {u} 内",
                f"{self.label_en} {f} {u} {word_en} the wanted {rng} {u}",
            )
        op = {"min": ("≥", "<"), "max": ("≤", ">")}[self.compare][0 if passed else 1]
        req = _num(self.required)
        return (
            f"{self.label_zh} {f} {u} {op} 要求 {req} {u}",
            f"{self.label_en} {f} {u} {op} {req} {u} required",
        )


def _num(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def required_land_class(industry_code: str, rules: Mapping[str, Any]) -> int | None:
    """Minimum industrial land class (1-3) an industry needs (用地用海分类指南 1001xx).

    Heavy-nuisance divisions (chemicals, smelting, non-metallic minerals...) need class-3
    land 100103; the lists live in ``rules/matching.toml`` [matching.land_class]. None for
    non-manufacturing sections (they need no industrial class).
    """
    lc = rules["land_class"]
    division = industry_code[:3]
    for cls in (3, 2, 1):
        if division in lc.get(f"class_{cls}", []):
            return cls
    return int(lc["default_class"]) if industry_code.startswith("C") else None


def hard_constraints(
    enquiry: Enquiry, rules: Mapping[str, Any], as_of: dt.date, code_lists: Mapping[str, CodeList]
) -> list[Constraint]:
    """The hard constraints an enquiry sets (only those it asks for).

    ``code_lists``: the code lists fire_hazard_class (labels, hazard_rank) and land_use
    (labels, industrial_class), so explanations speak in labels.
    """
    out: list[Constraint] = []
    e = enquiry
    out.append(_size(e))
    out.extend(_land_use(e, rules, code_lists["land_use"]))
    out.extend(_fire(e, rules, code_lists["fire_hazard_class"]))
    for name, zh, en, col, value, unit in (
        (
            "floor_load",
            "楼面荷载",
            "floor load",
            "floor_load_kn_m2",
            e.floor_load_kn_m2_min,
            "kN/m²",
        ),
        ("clear_height", "净高", "clear height", "clear_height_m", e.clear_height_m_min, "m"),
        ("column_grid", "柱网", "column grid", "column_grid_m", e.column_grid_m_min, "m"),
        ("crane", "行车吨位", "crane", "crane_t", e.crane_t_min, "t"),
        ("power", "供电容量", "power", "power_kva", e.power_kva, "kVA"),
    ):
        if value is not None and value > 0:
            out.append(
                Constraint(
                    name,
                    zh,
                    en,
                    _bound(col, float(value), "min"),
                    col,
                    value,
                    unit,
                )
            )
    if e.freight_lift_t_min:
        out.append(
            Constraint(
                "freight_lift",
                "货梯载重",
                "freight lift",
                _freight_lift(float(e.freight_lift_t_min)),
                "freight_lift_t",
                e.freight_lift_t_min,
                "t",
            )
        )
    if e.land_budget_yuan_per_mu is not None:
        out.append(
            Constraint(
                "land_budget",
                "挂牌地价",
                "land price",
                _bound("price_yuan_per_mu", float(e.land_budget_yuan_per_mu), "max"),
                "price_yuan_per_mu",
                e.land_budget_yuan_per_mu,
                "元/亩",
                "max",
            )
        )
    if e.rent_budget_yuan_m2_month is not None:
        out.append(
            Constraint(
                "rent_budget",
                "租金",
                "rent",
                _bound("rent_yuan_m2_month", float(e.rent_budget_yuan_m2_month), "max"),
                "rent_yuan_m2_month",
                e.rent_budget_yuan_m2_month,
                "元/m²·月",
                "max",
            )
        )
    out.extend(_planning(e, rules))
    if e.wanted_by is not None:
        out.append(_wanted_by(e.wanted_by))
    for name, zh, en, col, km in (
        (
            "highway",
            "距高速出入口",
            "distance to the highway entrance",
            "highway_dist_m",
            e.highway_within_km,
        ),
        ("rail", "距铁路专用线", "distance to the rail siding", "rail_dist_m", e.rail_within_km),
    ):
        if km is not None:
            out.append(
                Constraint(
                    name,
                    zh,
                    en,
                    _bound(col, km * 1000.0, "max", no_data_fails=True),
                    col,
                    km * 1000.0,
                    "m",
                    "max",
                )
            )
    if e.industrial_wastewater or (e.wastewater_m3_day or 0) > 0:
        limit = float(rules["sewer_max_distance_m"])
        out.append(
            Constraint(
                "sewer",
                "距污水接户井",
                "distance to a sewer manhole",
                _bound("sewage_dist_m", limit, "max", no_data_fails=True),
                "sewage_dist_m",
                limit,
                "m",
                "max",
            )
        )
    if e.industrial_wastewater:
        out.append(_industrial_wastewater())
    return out


def _industrial_wastewater() -> Constraint:
    """Industrial wastewater only into a separate sewer ending at a treatment plant.

    水污染防治法 (2017) 第45条: industrial wastewater goes into centralised treatment
    facilities after pretreatment; 水污染防治行动计划 (2015) 第一条（二）: industrial clusters
    treat it centrally. The systems and the plant distance are ``[matching.wastewater]``
    (``logic.site_facts.sewer_takes_industrial``); a site with no sewer connection fails.
    """

    def explain(row: Mapping[str, Any], passed: bool) -> tuple[str, str]:
        if passed:
            return (
                "污水接入分流制污水管网并排入集中污水处理厂，可接纳工业废水（预处理达标后）",
                "the sewer is a separate foul sewer ending at a treatment plant: it takes "
                "industrial wastewater (after pretreatment)",
            )
        return (
            "该处污水管网未接入集中污水处理厂或为合流制，不能接纳工业废水"
            "（《水污染防治法》第45条）",
            "the sewer here does not end at a treatment plant or is combined: it cannot take "
            "industrial wastewater (Water Pollution Prevention Law Art. 45)",
        )

    return Constraint(
        "industrial_wastewater",
        "工业废水接纳",
        "industrial wastewater",
        lambda s: or_false(s.num["sewer_takes_industrial"]),
        "sewer_takes_industrial",
        True,
        compare="custom",
        explain=explain,
    )


def _bound(column: str, bound: float, compare: str, no_data_fails: bool = False) -> Test:
    """``column >= bound`` (``min``) or ``<= bound`` (``max``); a site without the figure
    passes as not applicable, or fails when ``no_data_fails`` (distances that must be
    known)."""

    def test(s: Sites) -> np.ndarray:
        col = s.num[column]
        out = at_least(col, bound) if compare == "min" else at_most(col, bound)
        return or_false(out) if no_data_fails else out

    return test


def _freight_lift(need_t: float) -> Test:
    """Upper floors need a freight lift of ``need_t``; land, ground floors and single-storey
    buildings do not (not applicable)."""

    def test(s: Sites) -> np.ndarray:
        lift = np.where(np.isnan(s.num["freight_lift_t"]), 0.0, s.num["freight_lift_t"])
        exempt = (
            s.land
            | (s.kind_in("building") & (s.num["storeys"] == 1))
            | (s.kind_in("unit", "units") & (s.num["min_floor"] == 1))
        )
        return np.where(exempt, np.nan, (lift >= need_t).astype(np.float64))

    return test


def _size(e: Enquiry) -> Constraint:
    mu = (e.land_mu_min, e.land_mu_max)
    m2 = (e.floor_area_m2_min, e.floor_area_m2_max)

    def within(col: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
        ok = (col >= (lo if lo is not None else 0.0)) & (col <= (hi if hi is not None else np.inf))
        return tri(ok, np.isnan(col))

    def test(s: Sites) -> np.ndarray:
        return np.where(s.land, within(s.num["area_mu"], *mu), within(s.num["area_m2"], *m2))

    def explain(row: Mapping[str, Any], passed: bool) -> tuple[str, str]:
        land = row["kind"] in LAND_KINDS
        value, (lo, hi), unit = (row["area_mu"], mu, "亩") if land else (row["area_m2"], m2, "m²")
        rng = f"{_num(lo) if lo is not None else 0}–{_num(hi) if hi is not None else '∞'}"
        zh_w, en_w = ("在", "within") if passed else ("不在", "outside")
        what_zh, what_en = ("用地面积", "land area") if land else ("建筑面积", "floor area")
        return (
            f"{what_zh} {_num(value)} {unit} {zh_w}要求范围 {rng} {unit} 内",
            f"{what_en} {_num(value)} {unit} {en_w} the wanted {rng} {unit}",
        )

    return Constraint(
        "size",
        "面积",
        "size",
        test,
        None,
        {"land_mu": list(mu), "floor_area_m2": list(m2)},
        compare="custom",
        explain=explain,
    )


def _land_use(e: Enquiry, rules: Mapping[str, Any], land_uses: CodeList) -> list[Constraint]:
    need = required_land_class(e.industry_code, rules)
    logistics = e.industry_code[:1] in rules["land_class"].get("logistics_sections", [])
    #: Industrial class (一/二/三类) -> its land-use code, from land_use.industrial_class.
    code_of = {int(c): code for code, c in land_uses.column("industrial_class").items() if c}

    def explain(row: Mapping[str, Any], passed: bool) -> tuple[str, str]:
        have, have_en = (
            land_uses.label(row.get("land_use_code")),
            land_uses.label(row.get("land_use_code"), "en"),
        )
        if passed:
            return (
                f"土地用途{have}适合行业 {e.industry_code}",
                f"land use {have_en} suits industry {e.industry_code}",
            )
        need_txt = land_uses.label(code_of[need]) if need else "工业或物流仓储用地"
        need_en = land_uses.label(code_of[need], "en") if need else "industrial land"
        return (
            f"土地用途{have}不适合行业 {e.industry_code}，需{need_txt}",
            f"land use {have_en} does not suit industry {e.industry_code}: needs {need_en}",
        )

    default_class = float(rules["land_class"]["unclassified_industrial_class"])

    def test(s: Sites) -> np.ndarray:
        """No land-use data: not applicable; logistics land hosts logistics (if asked);
        non-industrial land fails; industrial land needs the class (unknown: default)."""
        industrial, cls = s.num["is_industrial"], s.num["land_class"]
        ok = np.where(np.isnan(cls), default_class, cls) >= need if need else np.ones(s.n, bool)
        out = np.where(industrial == 0.0, 0.0, ok.astype(np.float64))
        if logistics:
            out = np.where(s.num["is_logistics"] == 1.0, 1.0, out)
        return np.where(np.isnan(industrial), np.nan, out)

    out = [
        Constraint(
            "land_use",
            "土地用途",
            "land use",
            test,
            "land_use_code",
            f"class >= {need}" if need else "industrial",
            compare="custom",
            explain=explain,
        ),
        Constraint(
            "permitted_industry",
            "准入产业",
            "permitted industries",
            lambda s: s.num["industry_permitted"],
            None,
            e.industry_code,
            compare="custom",
            explain=lambda row, ok: (
                (f"行业 {e.industry_code} 在准入产业内", f"industry {e.industry_code} permitted")
                if ok
                else (
                    f"行业 {e.industry_code} 不在该地块准入产业内",
                    f"industry {e.industry_code} is not among the site's permitted industries",
                )
            ),
        ),
    ]
    return out


def _fire(e: Enquiry, rules: Mapping[str, Any], fire_classes: CodeList) -> list[Constraint]:
    """GB 50016-2014 §3.1 / §3.3.1: a building of class X hosts processes of rank >= X's;
    甲/乙 processes need a single-storey dedicated building, never underground (DOMAIN §6)."""
    if e.fire_class is None:
        return []
    rank = int(fire_classes.column("hazard_rank")[e.fire_class])
    dedicated = rank <= int(rules["fire"]["dedicated_single_storey_max_rank"])
    want = fire_classes.label(e.fire_class)

    def explain(row: Mapping[str, Any], passed: bool) -> tuple[str, str]:
        have = fire_classes.label(row.get("fire_class"))
        if passed:
            return (f"厂房按{have}类设计，可容纳{want}类生产", f"designed for {have}: hosts {want}")
        if (row.get("fire_rank") or 9) > rank:
            return (
                f"厂房按{have}类设计，不能容纳{want}类生产（GB 50016 §3.1）",
                f"a building designed for {have} cannot host {want} (GB 50016 §3.1)",
            )
        return (
            f"{want}类生产需单层专用厂房且不得设于地下（GB 50016 §3.3.1），该处为"
            f"{row.get('storeys')}层建筑第{row.get('min_floor')}层",
            f"{want} processes need a single-storey dedicated building, never underground "
            f"(GB 50016 §3.3.1); this is floor {row.get('min_floor')} of {row.get('storeys')}",
        )

    def test(s: Sites) -> np.ndarray:
        """Land: not applicable; buildings: rank, and for 甲/乙 single storey above ground."""
        storeys = s.num["storeys"]
        out = at_most(s.num["fire_rank"], float(rank))
        if dedicated:
            out = and3(out, tri(storeys == 1, np.isnan(storeys)), at_least(s.num["min_floor"], 1))
        return np.where(s.land, np.nan, out)

    return [
        Constraint(
            "fire_class",
            "火灾危险性类别",
            "fire-hazard class",
            test,
            "fire_class",
            want,
            compare="custom",
            explain=explain,
        )
    ]


def _planning(e: Enquiry, rules: Mapping[str, Any]) -> list[Constraint]:
    """Planning rules for new industrial land: the Huaibei plot-ratio minimum (皖政〔2022〕54号,
    land.toml [anhui]), investment intensity and tax per mu (local policy [?], matching.toml)."""
    pl = rules["planning"]
    ratio_min = current_rules().anhui.new_industrial_plot_ratio_min

    def plot_ratio(s: Sites) -> np.ndarray:
        """Land whose plot-ratio cap allows the minimum (no cap: passes); buildings: n/a."""
        cap = s.num["plot_ratio_max"]
        return np.where(s.land, np.where(np.isnan(cap), 1.0, cap >= ratio_min), np.nan)

    out = [
        Constraint(
            "plot_ratio",
            "容积率上限（皖政〔2022〕54号）",
            "plot ratio cap (Anhui 2022 No. 54)",
            plot_ratio,
            "plot_ratio_max",
            ratio_min,
        )
    ]

    def per_mu(total: float, threshold: float) -> Test:
        """Land: ``total / area_mu >= threshold``; buildings: not applicable."""

        def test(s: Sites) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(s.land, at_least(total / s.num["area_mu"], threshold), np.nan)

        return test

    def ratio(
        total: float, label_zh: str, label_en: str, threshold: float
    ) -> Callable[[Mapping[str, Any], bool], tuple[str, str]]:
        def explain(row: Mapping[str, Any], passed: bool) -> tuple[str, str]:
            value = total / row["area_mu"] / 10000.0
            op = "≥" if passed else "<"
            return (
                f"{label_zh} {value:,.1f} 万元/亩 {op} 要求 {threshold / 10000:,.1f} 万元/亩",
                f"{label_en} {value:,.1f} x10k yuan/mu {op} {threshold / 10000:,.1f} required",
            )

        return explain

    if e.total_investment_yuan is not None:
        t = float(pl["investment_yuan_per_mu_min"])
        out.append(
            Constraint(
                "investment_intensity",
                "投资强度",
                "investment intensity",
                per_mu(float(e.total_investment_yuan), t),
                None,
                t,
                "元/亩",
                compare="custom",
                explain=ratio(e.total_investment_yuan, "投资强度", "investment intensity", t),
            )
        )
    if e.expected_tax_yuan_year is not None:
        t = float(pl["tax_yuan_per_mu_year_min"])
        out.append(
            Constraint(
                "tax_per_mu",
                "亩均税收",
                "tax per mu",
                per_mu(float(e.expected_tax_yuan_year), t),
                None,
                t,
                "元/亩·年",
                compare="custom",
                explain=ratio(e.expected_tax_yuan_year, "亩均税收", "tax per mu", t),
            )
        )
    return out


def _wanted_by(wanted: dt.date) -> Constraint:
    def explain(row: Mapping[str, Any], passed: bool) -> tuple[str, str]:
        avail = row.get("available_from")
        if avail is None:
            return ("可供日期未定，无法保证期望入驻日期", "availability date unknown")
        if passed:
            return (f"{avail} 起可供，不晚于期望 {wanted}", f"available {avail}, by {wanted}")
        return (
            f"最早 {avail} 可供，晚于期望入驻日期 {wanted}",
            f"available only from {avail}, after the wanted {wanted}",
        )

    return Constraint(
        "wanted_by",
        "可供日期",
        "availability",
        lambda s: or_false(at_most(s.num["available_from"], day_number(wanted))),
        "available_from",
        wanted,
        compare="custom",
        explain=explain,
    )
