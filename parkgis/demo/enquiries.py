"""A dozen investor enquiries (招商项目需求) per unit of scale, mostly still open.

Sizes follow what the park offers (plots of 6-30 mu, units of 400-600 m2 that combine):
most enquiries find fits or near misses, a few (a 40-80 mu plant, a 16 t crane) show
where supply falls short.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from parkgis.demo import names
from parkgis.demo.context import Context

#: (project, industry, site kind, land mu range, floor area range, fire class, extras)
TEMPLATES: tuple[
    tuple[
        str,
        str,
        str,
        tuple[float, float] | None,
        tuple[float, float] | None,
        str | None,
        dict[str, float | bool],
    ],
    ...,
] = (
    (
        "年产5万吨面制品生产线",
        "C1431",
        "land",
        (15, 30),
        None,
        "bing",
        {"power_kva": 1200, "wastewater_m3_day": 120, "industrial_wastewater": True},
    ),
    (
        "陶铝复合材料深加工项目",
        "C3073",
        "land",
        (40, 80),
        None,
        "ding",
        {"power_kva": 4000, "wastewater_m3_day": 40},
    ),
    (
        "矿山机械零部件制造",
        "C3511",
        "either",
        (15, 25),
        (1500, 3000),
        "wu",
        {"floor_load_kn_m2_min": 25, "clear_height_m_min": 8, "crane_t_min": 5, "power_kva": 800},
    ),
    (
        "智能控制柜装配",
        "C4011",
        "building",
        None,
        (800, 1500),
        "bing",
        {
            "floor_load_kn_m2_min": 5,
            "clear_height_m_min": 4.5,
            "freight_lift_t_min": 2,
            "power_kva": 150,
        },
    ),
    (
        "新能源汽车线束生产",
        "C3670",
        "building",
        None,
        (1500, 3000),
        "bing",
        {
            "floor_load_kn_m2_min": 8,
            "clear_height_m_min": 5,
            "column_grid_m_min": 9,
            "freight_lift_t_min": 3,
            "power_kva": 300,
        },
    ),
    (
        "功能性纺织面料织造",
        "C1711",
        "either",
        (12, 25),
        (2000, 4000),
        "bing",
        {"floor_load_kn_m2_min": 10, "power_kva": 1200, "wastewater_m3_day": 60},
    ),
    (
        "食品冷链物流中心",
        "G59",
        "land",
        (15, 30),
        None,
        "bing",
        {"power_kva": 1000, "highway_within_km": 5},
    ),
    (
        "光电显示模组",
        "C3976",
        "building",
        None,
        (1000, 2000),
        "bing",
        {"floor_load_kn_m2_min": 8, "clear_height_m_min": 5.5, "power_kva": 250},
    ),
    (
        "水性涂料生产线",
        "C2641",
        "land",
        (8, 20),
        None,
        "jia",
        {"power_kva": 500, "wastewater_m3_day": 30, "industrial_wastewater": True},
    ),
    (
        "钢结构件加工",
        "C3311",
        "either",
        (20, 40),
        (2000, 4000),
        "ding",
        {
            "floor_load_kn_m2_min": 30,
            "clear_height_m_min": 8,
            "crane_t_min": 16,
            "rail_within_km": 10,
        },
    ),
    (
        "预制混凝土构件",
        "C3021",
        "land",
        (20, 40),
        None,
        "wu",
        {"power_kva": 1200, "highway_within_km": 8},
    ),
    (
        "粉体新材料中试基地",
        "C3099",
        "building",
        None,
        (400, 1000),
        "yi",
        {"floor_load_kn_m2_min": 20, "clear_height_m_min": 7, "power_kva": 150},
    ),
)
_STATUS = ("open",) * 7 + ("shortlist", "shortlist", "signed", "lost", "withdrawn")


def make_enquiries(ctx: Context, zone_codes: list[str], rng: np.random.Generator) -> None:
    """One enquiry per template, with budgets, taxes and dates drawn around it."""
    statuses = list(rng.permutation(_STATUS))
    for k, (project, industry, kind, land, floor, fire, extras) in enumerate(TEMPLATES):
        number = ctx.count("enquiry")
        received = date(2026, 1, 5) + timedelta(days=int(rng.integers(0, 320)))
        investment = (
            float(rng.uniform(0.8, 6.0)) * 1e8 if land else float(rng.uniform(0.2, 1.5)) * 1e8
        )
        row: dict[str, object] = {
            "zone_code": zone_codes[k % len(zone_codes)],
            "code": f"ZS-2026-{number:03d}",
            "investor_name": names.firm_name(rng, project[-4:] if len(project) > 4 else "科技"),
            "contact": f"{names.person(rng)} {names.phone(rng)}",
            "project_name": project,
            "industry_code": industry,
            "site_kind": kind,
            "land_mu_min": land[0] if land else None,
            "land_mu_max": land[1] if land else None,
            "floor_area_m2_min": floor[0] if floor else None,
            "floor_area_m2_max": floor[1] if floor else None,
            "fire_class": fire,
            "land_budget_yuan_per_mu": round(float(rng.uniform(1.6e5, 2.6e5)), -3)
            if land
            else None,
            "rent_budget_yuan_m2_month": round(float(rng.uniform(9, 14)), 1) if floor else None,
            "total_investment_yuan": round(investment, -5),
            "expected_tax_yuan_year": round(investment * float(rng.uniform(0.03, 0.08)), -4),
            "wanted_by": received + timedelta(days=int(rng.integers(150, 540))),
            "preferred_zones": [zone_codes[k % len(zone_codes)]] if rng.random() < 0.6 else [],
            "received_on": received,
            "status": str(statuses[k]),
            "notes": "演示数据：投资方需求根据洽谈记录整理",
            "extra": {},
            **extras,
        }
        ctx.rows["investor_enquiry"].append(row)
