"""Parcels of one park: codes, land use, planning conditions, supply contracts, status.

- Parcel codes follow GB/T 37346-2019 (county 340604, cadastral zone, sub-zone, G state
  ownership, B construction land, 5-digit number); unsupplied plots only have a plot
  number (地块编号) like ``LS-2023-015``.
- New industrial land has plot ratio >= 1.0 (Anhui 皖政〔2022〕54号 for Huaibei), building
  coefficient >= 40 %, green ratio <= 15 % (工业项目建设用地控制指标 2023); older grants
  keep the 2008 figures (30 %, 20 %).
- Idle land (MLR Order 53 Art. 2): the land bureau found it idle (``idle_since``) some
  weeks after the year from the agreed start (or, for started land, from the day work
  stopped, ``work_stopped_on``) was up; one idle parcel per park has a cause attributable
  to government (Art. 8). Names say where a parcel is, never who holds it.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from parkgis.calendar import add_years
from parkgis.demo._io import Row
from parkgis.demo.context import DEMO_TODAY, Context
from parkgis.demo.firms import established_before, pick_industry
from parkgis.demo.layout import ParkLayout

#: Share of parcels by status before cases and buildings are placed.
STATUS_P = {
    "in_use": 0.72,
    "available": 0.09,
    "approved_unsupplied": 0.06,
    "idle": 0.06,
    "inefficient": 0.04,
    "released": 0.03,
}
LAND_USE_P = {"100101": 0.42, "100102": 0.36, "100103": 0.1, "1101": 0.12}
PERMITTED = {
    "100101": ["C13", "C14", "C15", "C38", "C39", "C40"],
    "100102": ["C17", "C18", "C29", "C30", "C33", "C34", "C35", "C36"],
    "100103": ["C26", "C30", "C31", "C32"],
    "1101": ["G59"],
}
GOVERNMENT_CAUSES = (
    "政府未按约定交付土地：地块内高压线路迁改未完成（闲置土地处置办法第八条第一项）",
    "规划调整：园区控制性详细规划修编，道路红线调整（闲置土地处置办法第八条第二项）",
    "因信访、涉及文物保护暂停开工（闲置土地处置办法第八条第四项）",
)
HOLDING = ("in_use", "idle", "inefficient")
MU_M2 = 10000.0 / 15.0


def _day(rng: np.random.Generator, start: date, end: date) -> date:
    return start + timedelta(days=int(rng.integers(0, max(1, (end - start).days))))


def frontage_on_complete_road(layout: ParkLayout) -> np.ndarray:
    """True per plot when it touches the corridor of a complete road (DOMAIN §8)."""
    complete = [r for r in layout.roads if r.status == "complete"]
    corridors = shapely.buffer(
        [r.geom for r in complete], [r.width_m / 2 + 0.5 for r in complete], cap_style="flat"
    )
    tree = shapely.STRtree(corridors)
    plots = [p.geom for p in layout.plots]
    hits = tree.query(plots, predicate="intersects")
    access = np.zeros(len(plots), dtype=bool)
    access[np.unique(hits[0])] = True
    return access


def plan_parcels(
    ctx: Context, layout: ParkLayout, park_index: int, rng: np.random.Generator
) -> list[Row]:
    """Parcel rows of a park with their holders (firm rows are made on the way).

    Helper keys starting with ``_`` are not columns: ``_geom`` (Polygon), ``_access``
    (frontage on a complete road), ``_holder`` (the firm row), ``_zombie``.
    """
    site = layout.site
    spec = site.spec
    n = len(layout.plots)
    access = frontage_on_complete_road(layout)
    statuses = list(rng.choice(list(STATUS_P), p=list(STATUS_P.values()), size=n))
    land_uses = rng.choice(list(LAND_USE_P), p=list(LAND_USE_P.values()), size=n)
    cadastral = f"{park_index // 99 + 1:03d}{park_index % 99 + 1:03d}"
    gov_idle = next((i for i, s in enumerate(statuses) if s == "idle"), None)
    rows: list[Row] = []
    block_seq: dict[int, int] = {}
    holder = None
    for i, plot in enumerate(layout.plots):
        status = str(statuses[i])
        land_use = str(land_uses[i])
        area_mu = plot.geom.area / MU_M2
        block_seq[plot.block_no] = block_seq.get(plot.block_no, 0) + 1
        row: Row = {
            "id": ctx.next_id("parcel"),
            "zone_code": spec.code,
            "land_use_code": land_use,
            "status": status,
            "power_capacity_kva": float(round(area_mu * rng.uniform(60, 120), -1)),
            "admin_facility_ratio_max": 0.07,
            "permitted_industries": PERMITTED[land_use],
            "source": "parkgis demo",
            "extra": {},
            "geom": MultiPolygon([plot.geom]),
            "_geom": plot.geom,
            "_access": bool(access[i]),
            "_holder": None,
            "_zombie": False,
            "_block": plot.block_no,
        }
        registered = status in (*HOLDING, "released")
        if registered:
            row["plot_no"] = f"{spec.abbr}-{plot.block_no:03d}-{block_seq[plot.block_no]:02d}"
            row["parcel_code"] = f"340604{cadastral}GB{ctx.count(spec.code + ':parcel'):05d}"
            row["registered_area_m2"] = round(plot.geom.area * (1 + rng.normal(0, 0.002)), 2)
        _contract(ctx, row, rng, area_mu, gov_cause=(i == gov_idle))
        if not registered:
            year = row["status_since"].year
            row["plot_no"] = f"LS-{year}-{ctx.count(f'plot:{year}'):03d}"
        _planning(row, rng)
        if status in HOLDING:
            zombie = (status == "idle" and i != gov_idle) or (
                status == "inefficient" and rng.random() < 0.5
            )
            shares = holder is not None and not zombie and not holder["_zombie"]
            if shares and status == "in_use" and rng.random() < 0.08:
                row["_holder"] = holder
            else:
                holder = ctx.firms.make(
                    rng,
                    spec.code,
                    pick_industry(rng, spec.industries),
                    established=established_before(rng, row["supplied_on"], (0, 3)),
                    zombie=zombie,
                    scale_mu=area_mu,
                    bad_uscc=ctx.count("firm") % 83 == 41,
                )
                holder["_zombie"] = zombie
                row["_holder"] = holder
            row["_zombie"] = zombie
            row["holder_firm_id"] = row["_holder"]["id"]
        # A public name says where the land is, never who holds it (issue 14 §12; the
        # database refuses a name containing a firm's, postgis/sql/35_public_names.sql).
        row["name"] = f"{spec.name_zh}{plot.block_no}号街区{block_seq[plot.block_no]}号地块"
        rows.append(row)
    return rows


def _contract(
    ctx: Context, row: Row, rng: np.random.Generator, area_mu: float, gov_cause: bool
) -> None:
    """Supply contract, prices and the dates the status hangs on."""
    status = row["status"]
    price_mu = float(rng.uniform(150_000, 300_000))
    if status in ("available", "approved_unsupplied"):
        row["status_since"] = _day(rng, date(2021, 3, 1), DEMO_TODAY - timedelta(days=30))
        row["list_price_yuan_per_mu"] = round(price_mu, -3)
        return
    if status == "idle":
        # Found idle (认定, idle_since) some weeks after the Art. 2 year was up: over
        # 2023-2026, so some parcels are still in their fee year, others recoverable.
        idle_since = _day(rng, date(2023, 6, 1), DEMO_TODAY - timedelta(days=20))
        found_after = timedelta(days=int(rng.integers(20, 120)))
        if rng.random() < 0.7:  # never started: one year after the agreed start (Art. 2)
            agreed = add_years(idle_since - found_after, -1)
            actual = None
            developed, invested = 0.0, float(rng.uniform(0, 0.1))
        else:  # started, under a third built, stopped for a year (Art. 2, second branch)
            stopped = add_years(idle_since - found_after, -1)
            agreed = stopped - timedelta(days=int(rng.integers(300, 2 * 365)))
            actual = agreed + timedelta(days=int(rng.integers(0, 90)))
            developed, invested = float(rng.uniform(0.1, 0.3)), float(rng.uniform(0.05, 0.24))
            row["work_stopped_on"] = stopped
        supplied = agreed - timedelta(days=int(rng.integers(60, 180)))
        row.update(idle_since=idle_since, status_since=idle_since)
        if gov_cause:
            row["government_cause"] = GOVERNMENT_CAUSES[
                int(rng.integers(0, len(GOVERNMENT_CAUSES)))
            ]
    else:
        supplied = _day(rng, date(2008, 3, 1), date(2023, 12, 31))
        agreed = supplied + timedelta(days=int(rng.integers(60, 180)))
        actual = agreed + timedelta(days=int(rng.integers(0, 240)))
        developed, invested = 1.0, 1.0
        if status == "inefficient":
            developed, invested = float(rng.uniform(0.45, 0.8)), float(rng.uniform(0.4, 0.8))
            row["status_since"] = _day(rng, date(2023, 3, 1), date(2025, 12, 31))
        elif status == "released":
            row["status_since"] = _day(rng, date(2024, 1, 1), date(2026, 9, 30))
            row["list_price_yuan_per_mu"] = round(price_mu, -3)
            row["extra"] = {"released_from": "闲置土地依法收回后重新供应"}
        else:
            row["status_since"] = actual + timedelta(days=int(rng.integers(365, 900)))
            if row["status_since"] > DEMO_TODAY:
                row["status_since"] = DEMO_TODAY - timedelta(days=30)
    year = supplied.year
    row.update(
        contract_no=f"340604{year}出让{ctx.count(f'contract:{year}'):04d}",
        supplied_on=supplied,
        agreed_start_on=agreed,
        actual_start_on=actual,
        agreed_completion_on=agreed + timedelta(days=730),
        agreed_investment_yuan=round(area_mu * float(rng.uniform(2.0e6, 4.5e6)), -4),
        invested_share=round(invested, 3),
        developed_share=round(developed, 3),
        land_price_yuan=round(area_mu * price_mu, -2),
        tenure="transfer",
    )


def _planning(row: Row, rng: np.random.Generator) -> None:
    """Planning conditions (规划条件): stricter for land supplied from 2022 on."""
    supplied = row.get("supplied_on")
    new = supplied is None or supplied >= date(2022, 1, 1)
    industrial = row["land_use_code"] != "1101"
    if new:
        ratio_min = float(rng.choice([1.0, 1.2, 1.5])) if industrial else 1.0
        coefficient, green = 0.40, 0.15
    else:
        ratio_min = float(rng.choice([0.8, 1.0, 1.0, 1.2]))
        coefficient, green = 0.30, 0.20
    row.update(
        plot_ratio_min=ratio_min,
        plot_ratio_max=round(ratio_min + float(rng.choice([1.0, 1.5, 2.0])), 1),
        building_coefficient_min=coefficient,
        green_ratio_max=green,
        height_limit_m=float(rng.choice([24.0, 30.0, 40.0])),
    )
