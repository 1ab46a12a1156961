"""Standard factory buildings (标准化厂房) and their lettable units.

Specs follow DOMAIN §6 (GB 50016 and common practice): ground floors 20-30 kN/m2 and
7-9 m clear, upper floors 5-10 kN/m2 and 4.5-6 m clear, column grids 8-12 m, freight
lifts 2-5 t, height <= 24 m. Multi-storey buildings are designed for class 丙; a few
single-storey ones for 甲/乙 (with cranes) or 丁/戊. Each floor is cut into 1-4 units at
column lines, so neighbouring units share an edge.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import shapely

from parkgis.demo._io import Row
from parkgis.demo.context import DEMO_TODAY, Context
from parkgis.demo.firms import established_before, pick_industry
from parkgis.demo.layout import ParkLayout

#: Buildings wanted per park at full scale (two parks make the 30+ of the issue).
BUILDINGS_PER_PARK = 17
#: Fire separation between neighbouring factory buildings, m (GB 50016 Table 3.4.1, 一二级).
GAP_M = 13.0
UNIT_STATUS_P = {"vacant": 0.34, "let": 0.46, "reserved": 0.07, "sold": 0.13}


def _kind(rng: np.random.Generator) -> tuple[str, int]:
    """(design fire class, storeys)."""
    draw = rng.random()
    if draw < 0.12:
        return str(rng.choice(["jia", "yi"])), 1
    if draw < 0.2:
        return str(rng.choice(["ding", "wu"])), 1
    return "bing", int(rng.choice([2, 3, 3, 4, 4]))


def place_buildings(
    ctx: Context, layout: ParkLayout, parcels: list[Row], rng: np.random.Generator
) -> None:
    """Turn some in-use parcels into the park company's standard-factory estates."""
    spec = layout.site.spec
    devco = ctx.firms.make(
        rng,
        spec.code,
        ("K7010", "园区建设"),
        established=date(2009, 5, 18),
        scale_mu=5,
        name=f"淮北市{spec.name_zh}建设投资有限公司",
    )
    devco["_devco"] = True
    setback = 6.0 * max(layout.site.factor, 0.5)
    candidates = [p for p in parcels if p["status"] == "in_use" and p["_access"]]
    order = rng.permutation(len(candidates))
    placed = 0
    for k in order:
        if placed >= BUILDINGS_PER_PARK:
            break
        parcel = candidates[int(k)]
        x0, y0, x1, y1 = parcel["_geom"].bounds
        x0, y0, x1, y1 = x0 + setback, y0 + setback, x1 - setback, y1 - setback
        long_x = (x1 - x0) >= (y1 - y0)
        length, depth = (x1 - x0, y1 - y0) if long_x else (y1 - y0, x1 - x0)
        grid_x, grid_y = float(rng.choice([8.0, 9.0, 10.0, 12.0])), float(rng.choice([8.0, 9.0]))
        bays_x = min(int(rng.integers(5, 10)), int(length // grid_x))
        bays_y = int(rng.choice([2, 3]))
        b_len, b_dep = bays_x * grid_x, bays_y * grid_y
        count = min(4, int((depth + GAP_M) // (b_dep + GAP_M)))
        if bays_x < 3 or count < 1:
            continue
        count = min(count, BUILDINGS_PER_PARK - placed)
        start = (length - b_len) / 2
        old = parcel["_holder"]
        if old is not None and not any(p["_holder"] is old for p in parcels if p is not parcel):
            ctx.firms.dropped.add(old["id"])  # its only parcel became the estate
        parcel["holder_firm_id"] = devco["id"]
        parcel["name"] = f"{spec.name_zh}标准化厂房{ctx.count(spec.code + ':estate')}区"
        parcel["land_use_code"] = "100101"
        parcel["_holder"] = devco
        for b in range(count):
            across = b * (b_dep + GAP_M)
            if long_x:
                box = (x0 + start, y0 + across, x0 + start + b_len, y0 + across + b_dep)
            else:
                box = (x0 + across, y0 + start, x0 + across + b_dep, y0 + start + b_len)
            _building(ctx, spec.code, parcel, devco, box, long_x, (grid_x, grid_y), bays_x, rng)
            placed += 1


def _building(
    ctx: Context,
    zone_code: str,
    parcel: Row,
    owner: Row,
    box: tuple[float, float, float, float],
    long_x: bool,
    grid: tuple[float, float],
    bays: int,
    rng: np.random.Generator,
) -> None:
    fire_class, storeys = _kind(rng)
    single = storeys == 1
    ground_clear = float(rng.uniform(9.0, 12.0) if single else rng.uniform(7.0, 9.0))
    upper_clear = float(rng.uniform(4.5, 6.0))
    height = ground_clear + 1.2 + (storeys - 1) * (upper_clear + 0.9) + 0.9
    while height > 24.0:  # GB 50016: keep standard factories below the high-rise threshold
        upper_clear = 4.5
        storeys -= 1
        height = ground_clear + 1.2 + (storeys - 1) * 5.4 + 0.9
    building_id = ctx.next_id("building")
    number = ctx.count(zone_code + ":building")
    footprint = shapely.box(*box)
    year = int(rng.integers(2012, 2025))
    status = "under_construction" if number == 5 else "complete"
    crane = float(rng.choice([5.0, 10.0, 16.0, 20.0])) if single and fire_class != "wu" else 0.0
    lift = 0.0 if single else float(rng.choice([2.0, 3.0, 3.0, 5.0]))
    ctx.rows["building"].append(
        {
            "id": building_id,
            "zone_code": zone_code,
            "code": f"{zone_code}-B{number:03d}",
            "name": f"{number}号{'单层' if single else ''}标准化厂房",
            "parcel_id": parcel["id"],
            "owner_firm_id": owner["id"],
            "is_standard_factory": True,
            "storeys": storeys,
            "height_m": round(height, 1),
            "total_floor_area_m2": round(footprint.area * storeys, 2),
            "fire_resistance_rating": 1 if fire_class in ("jia", "yi") or rng.random() < 0.3 else 2,
            "design_fire_class": fire_class,
            "status": status,
            "year_built": None if status != "complete" else year,
            "extra": {"column_grid_m": [grid[0], grid[1]]},
            "geom": footprint,
        }
    )
    x0, y0, x1, y1 = box
    force_pair = number == 2  # two adjacent vacant units on one floor, for matching demos
    tenants: list[int] = []
    for floor in range(1, storeys + 1):
        parts = int(rng.integers(1, 5)) if bays >= 4 else 1
        if force_pair:
            parts = max(parts, 2)
        cuts = np.sort(rng.choice(np.arange(1, bays), size=min(parts, bays) - 1, replace=False))
        edges = [0, *[int(c) for c in cuts], bays]
        for u, (a, b) in enumerate(itertools.pairwise(edges)):
            if long_x:
                outline = shapely.box(x0 + a * grid[0], y0, x0 + b * grid[0], y1)
            else:
                outline = shapely.box(x0, y0 + a * grid[0], x1, y0 + b * grid[0])
            status_u = str(rng.choice(list(UNIT_STATUS_P), p=list(UNIT_STATUS_P.values())))
            if force_pair and floor == 1 and u < 2:
                status_u = "vacant"
            if status == "under_construction":
                status_u = "vacant" if rng.random() < 0.7 else "reserved"
            _unit(
                ctx,
                zone_code,
                building_id,
                floor,
                u + 1,
                outline,
                status_u,
                single,
                (ground_clear, upper_clear),
                grid,
                crane,
                lift,
                tenants,
                rng,
            )


def _unit(
    ctx: Context,
    zone_code: str,
    building_id: int,
    floor: int,
    number: int,
    outline: shapely.Polygon,
    status: str,
    single: bool,
    clear: tuple[float, float],
    grid: tuple[float, float],
    crane: float,
    lift: float,
    tenants: list[int],
    rng: np.random.Generator,
) -> None:
    area = round(outline.area, 2)
    ground = floor == 1
    tenant = None
    if status in ("let", "sold") and tenants and rng.random() < 0.5:
        tenant = tenants[int(rng.integers(0, len(tenants)))]  # a firm taking several units
    elif status in ("let", "sold"):
        tenant = ctx.firms.make(
            rng,
            zone_code,
            pick_industry(rng, ("高新技术", "装备制造", "纺织", "食品加工")),
            established=established_before(rng, DEMO_TODAY, (1, 9)),
            scale_mu=area / 2000,
        )["id"]
        tenants.append(tenant)
    vacant_from = None
    if status == "vacant":
        vacant_from = DEMO_TODAY - timedelta(days=int(rng.integers(20, 1100)))
    code = ctx.count("unit")
    ctx.rows["building_unit"].append(
        {
            "zone_code": zone_code,
            "code": f"{zone_code}-U{code:05d}",
            "building_id": building_id,
            "floor": floor,
            "area_m2": area,
            "floor_load_kn_m2": float(
                rng.choice([20.0, 25.0, 30.0]) if ground else rng.choice([5.0, 6.5, 8.0, 10.0])
            ),
            "clear_height_m": round(clear[0] if ground else clear[1], 1),
            "column_grid_x_m": grid[0],
            "column_grid_y_m": grid[1],
            "crane_t": crane if ground else 0.0,
            "freight_lift_t": lift,
            "power_kva": float(round(area * rng.uniform(0.15, 0.3), -1)),
            "rent_yuan_m2_month": round(
                float(rng.uniform(10, 15) if ground else rng.uniform(8, 11)), 1
            ),
            "sale_price_yuan_m2": round(float(rng.uniform(2800, 3800)), -1) if not single else None,
            "status": status,
            "vacant_from": vacant_from,
            "tenant_firm_id": tenant,
            "extra": {},
            "geom": outline,
        }
    )
