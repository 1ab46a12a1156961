"""Hard constraints of a match, each a SQL test over a candidate and an explanation.

A constraint's SQL is a boolean over the columns of ``candidates.SITE_COLUMNS``; NULL means
"does not apply to this site" (e.g. floor load for bare land) and counts as passed. The
engine counts failures in SQL; this module also turns each result into a sentence in
Chinese and English with the figures ("楼面荷载 8 kN/m² < 要求 15").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from parkgis.matching.enquiry import Enquiry

FIRE_RANK = {"jia": 1, "yi": 2, "bing": 3, "ding": 4, "wu": 5}
FIRE_ZH = {"jia": "甲", "yi": "乙", "bing": "丙", "ding": "丁", "wu": "戊"}
LAND_KINDS = ("parcel", "parcels")


@dataclass(frozen=True)
class Constraint:
    """One hard constraint: its SQL test, what it compares and how to say the result."""

    name: str
    label_zh: str
    label_en: str
    sql: str
    found_column: str | None
    required: Any
    unit: str = ""
    compare: str = "min"  # min | max | range | custom
    explain: Callable[[Mapping[str, Any], bool], tuple[str, str]] | None = None
    params: dict[str, Any] = field(default_factory=dict)

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
    enquiry: Enquiry, rules: Mapping[str, Any], as_of: dt.date
) -> list[Constraint]:
    """The hard constraints an enquiry sets (only those it asks for), with bound params."""
    out: list[Constraint] = []
    e = enquiry
    out.append(_size(e))
    out.extend(_land_use(e, rules))
    out.extend(_fire(e, rules))
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
                    f"({col} >= :c_{name})",
                    col,
                    value,
                    unit,
                    params={f"c_{name}": value},
                )
            )
    if e.freight_lift_t_min:
        out.append(
            Constraint(
                "freight_lift",
                "货梯载重",
                "freight lift",
                "CASE WHEN kind IN ('parcel', 'parcels') THEN NULL "
                "WHEN kind = 'building' AND storeys = 1 THEN NULL "
                "WHEN kind IN ('unit', 'units') AND min_floor = 1 THEN NULL "
                "ELSE coalesce(freight_lift_t, 0) >= :c_lift END",
                "freight_lift_t",
                e.freight_lift_t_min,
                "t",
                params={"c_lift": e.freight_lift_t_min},
            )
        )
    if e.land_budget_yuan_per_mu is not None:
        out.append(
            Constraint(
                "land_budget",
                "挂牌地价",
                "land price",
                "(price_yuan_per_mu <= :c_land_budget)",
                "price_yuan_per_mu",
                e.land_budget_yuan_per_mu,
                "元/亩",
                "max",
                params={"c_land_budget": e.land_budget_yuan_per_mu},
            )
        )
    if e.rent_budget_yuan_m2_month is not None:
        out.append(
            Constraint(
                "rent_budget",
                "租金",
                "rent",
                "(rent_yuan_m2_month <= :c_rent_budget)",
                "rent_yuan_m2_month",
                e.rent_budget_yuan_m2_month,
                "元/m²·月",
                "max",
                params={"c_rent_budget": e.rent_budget_yuan_m2_month},
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
                    f"coalesce({col} <= :c_{name}, false)",
                    col,
                    km * 1000.0,
                    "m",
                    "max",
                    params={f"c_{name}": km * 1000.0},
                )
            )
    if e.industrial_wastewater or (e.wastewater_m3_day or 0) > 0:
        limit = float(rules["sewer_max_distance_m"])
        out.append(
            Constraint(
                "sewer",
                "距污水接户井",
                "distance to a sewer manhole",
                "coalesce(sewage_dist_m <= :c_sewer, false)",
                "sewage_dist_m",
                limit,
                "m",
                "max",
                params={"c_sewer": limit},
            )
        )
    return out


def _size(e: Enquiry) -> Constraint:
    mu = (e.land_mu_min, e.land_mu_max)
    m2 = (e.floor_area_m2_min, e.floor_area_m2_max)

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
        "CASE WHEN kind IN ('parcel', 'parcels') THEN "
        "area_mu BETWEEN coalesce(CAST(:c_mu_min AS float8), 0) "
        "AND coalesce(CAST(:c_mu_max AS float8), 'Infinity') "
        "ELSE area_m2 BETWEEN coalesce(CAST(:c_m2_min AS float8), 0) "
        "AND coalesce(CAST(:c_m2_max AS float8), 'Infinity') END",
        None,
        {"land_mu": list(mu), "floor_area_m2": list(m2)},
        compare="custom",
        explain=explain,
        params={"c_mu_min": mu[0], "c_mu_max": mu[1], "c_m2_min": m2[0], "c_m2_max": m2[1]},
    )


def _land_use(e: Enquiry, rules: Mapping[str, Any]) -> list[Constraint]:
    need = required_land_class(e.industry_code, rules)
    logistics = e.industry_code[:1] in rules["land_class"].get("logistics_sections", [])
    code_of = {1: "100101", 2: "100102", 3: "100103"}

    def explain(row: Mapping[str, Any], passed: bool) -> tuple[str, str]:
        have = row.get("land_use_code")
        cls = row.get("land_class")
        if passed:
            return (
                f"土地用途 {have} 适合行业 {e.industry_code}",
                f"land use {have} suits industry {e.industry_code}",
            )
        need_txt = f"{need}类工业用地（{code_of[need]}）" if need else "工业或物流仓储用地"
        need_en = f"class-{need} industrial land ({code_of[need]})" if need else "industrial land"
        have_txt = f"{cls}类工业用地" if cls else "非工业用地"
        return (
            f"土地用途 {have}（{have_txt}）不适合行业 {e.industry_code}，需{need_txt}",
            f"land use {have} does not suit industry {e.industry_code}: needs {need_en}",
        )

    sql = (
        "CASE WHEN is_industrial IS NULL THEN NULL "
        + ("WHEN is_logistics THEN true " if logistics else "")
        + "WHEN NOT is_industrial THEN false "
        + (
            "ELSE coalesce(land_class, :c_default_class) >= :c_need_class END"
            if need
            else "ELSE true END"
        )
    )
    out = [
        Constraint(
            "land_use",
            "土地用途",
            "land use",
            sql,
            "land_use_code",
            f"class >= {need}" if need else "industrial",
            compare="custom",
            explain=explain,
            params={
                "c_need_class": need,
                "c_default_class": int(rules["land_class"]["unclassified_industrial_class"]),
            },
        ),
        Constraint(
            "permitted_industry",
            "准入产业",
            "permitted industries",
            "industry_permitted",
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


def _fire(e: Enquiry, rules: Mapping[str, Any]) -> list[Constraint]:
    """GB 50016-2014 §3.1 / §3.3.1: a building of class X hosts processes of rank >= X's;
    甲/乙 processes need a single-storey dedicated building, never underground (DOMAIN §6)."""
    if e.fire_class is None:
        return []
    rank = FIRE_RANK[e.fire_class]
    dedicated = rank <= int(rules["fire"]["dedicated_single_storey_max_rank"])
    want = FIRE_ZH[e.fire_class]

    def explain(row: Mapping[str, Any], passed: bool) -> tuple[str, str]:
        have = FIRE_ZH.get(row.get("fire_class") or "", "?")
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

    sql = "CASE WHEN kind IN ('parcel', 'parcels') THEN NULL ELSE fire_rank <= :c_fire_rank"
    if dedicated:
        sql += " AND storeys = 1 AND min_floor >= 1"
    sql += " END"
    return [
        Constraint(
            "fire_class",
            "火灾危险性类别",
            "fire-hazard class",
            sql,
            "fire_class",
            want,
            compare="custom",
            explain=explain,
            params={"c_fire_rank": rank},
        )
    ]


def _planning(e: Enquiry, rules: Mapping[str, Any]) -> list[Constraint]:
    """Planning rules for new industrial land: Huaibei plot ratio >= 1.0 (皖政〔2022〕54号),
    investment intensity and tax per mu (local policy [?], rules/matching.toml)."""
    pl = rules["planning"]
    out = [
        Constraint(
            "plot_ratio",
            "容积率上限（皖政〔2022〕54号）",
            "plot ratio cap (Anhui 2022 No. 54)",
            "CASE WHEN kind IN ('parcel', 'parcels') THEN "
            "coalesce(plot_ratio_max >= :c_plot_ratio, true) END",
            "plot_ratio_max",
            float(pl["new_industrial_plot_ratio_min"]),
            params={"c_plot_ratio": float(pl["new_industrial_plot_ratio_min"])},
        )
    ]
    per_mu = (
        "CASE WHEN kind IN ('parcel', 'parcels') THEN CAST(:{p} AS float8) / area_mu >= :{t} END"
    )

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
                per_mu.format(p="c_invest", t="c_invest_min"),
                None,
                t,
                "元/亩",
                compare="custom",
                explain=ratio(e.total_investment_yuan, "投资强度", "investment intensity", t),
                params={"c_invest": e.total_investment_yuan, "c_invest_min": t},
            )
        )
    if e.expected_tax_yuan_year is not None:
        t = float(pl["tax_yuan_per_mu_year_min"])
        out.append(
            Constraint(
                "tax_per_mu",
                "亩均税收",
                "tax per mu",
                per_mu.format(p="c_tax", t="c_tax_min"),
                None,
                t,
                "元/亩·年",
                compare="custom",
                explain=ratio(e.expected_tax_yuan_year, "亩均税收", "tax per mu", t),
                params={"c_tax": e.expected_tax_yuan_year, "c_tax_min": t},
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
        "coalesce(available_from <= :c_wanted_by, false)",
        "available_from",
        wanted,
        compare="custom",
        explain=explain,
        params={"c_wanted_by": wanted},
    )
