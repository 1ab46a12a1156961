"""A small hand-built park for matching tests, drawn on graph paper (local metres).

  y
300 |            P-BANK (bankruptcy, 60x60)
200 |  B1 (units U-LOAD, U-A | U-B on floor 1)
100 |  P-PIPE (100x100)            P-SMALL1 | P-SMALL2
  0 +====== arterial R-1 (complete) along y = -10 ======================== x
                  M1 --S1 (grade IV)--> M2 --S2--> M3 (outfall)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text

from tests import park


def rect(x: float, y: float, w: float, h: float) -> str:
    """WKT polygon (not multi) of a local rectangle."""
    x0, y0 = park.ORIGIN_X + x, park.ORIGIN_Y + y
    return f"POLYGON(({x0} {y0},{x0 + w} {y0},{x0 + w} {y0 + h},{x0} {y0 + h},{x0} {y0}))"


def road(conn: Connection, code: str, *pts: tuple[float, float], **kw: Any) -> int:
    """A road segment (default: complete arterial)."""
    values = {"zone_code": "340604", "code": code, "road_class": "arterial", "status": "complete"}
    values.update(kw)
    values["geom"] = park.line(*pts)
    return park.insert(conn, "road_segment", values)


def manhole(
    conn: Connection, code: str, x: float, y: float, system: str = "sewage", **kw: Any
) -> int:
    """A manhole at a local point."""
    values = {
        "zone_code": "340604", "code": code, "system": system, "ground_level_m": 30.0,
        "invert_depth_m": 2.0, "geom": park.point(x, y),
    }  # fmt: skip
    values.update(kw)
    return park.insert(conn, "manhole", values)


def pipe(
    conn: Connection,
    code: str,
    a: int,
    b: int,
    pa: tuple[float, float],
    pb: tuple[float, float],
    system: str = "sewage",
) -> int:
    """A pipe segment from manhole a to b."""
    return park.insert(
        conn,
        "pipe_segment",
        {
            "zone_code": "340604", "code": code, "system": system, "from_manhole_id": a,
            "to_manhole_id": b, "diameter_mm": 400, "material": "rc", "up_invert_level_m": 28.0,
            "down_invert_level_m": 27.8, "area_class": "arterial", "geom": park.line(pa, pb),
        },
    )  # fmt: skip


def building(conn: Connection, code: str, x: float, y: float, w: float, h: float, **kw: Any) -> int:
    """A complete standard factory (丙, one storey by default)."""
    values = {
        "zone_code": "340604", "code": code, "storeys": 1, "height_m": 12.0,
        "total_floor_area_m2": w * h, "fire_resistance_rating": 2, "design_fire_class": "bing",
        "status": "complete", "geom": rect(x, y, w, h),
    }  # fmt: skip
    values.update(kw)
    return park.insert(conn, "building", values)


def unit(conn: Connection, code: str, building_id: int, geom: str, area: float, **kw: Any) -> int:
    """A vacant unit on floor 1 with good standard-factory figures."""
    values = {
        "zone_code": "340604", "code": code, "building_id": building_id, "floor": 1,
        "area_m2": area, "floor_load_kn_m2": 30.0, "clear_height_m": 9.0, "column_grid_x_m": 12.0,
        "column_grid_y_m": 12.0, "crane_t": 5.0, "rent_yuan_m2_month": 12.0, "status": "vacant",
        "geom": geom,
    }  # fmt: skip
    values.update(kw)
    return park.insert(conn, "building_unit", values)


def build_park(conn: Connection, as_of: dt.date) -> dict[str, int]:
    """The four situations of issue 5 §8, each with a known answer."""
    ids: dict[str, int] = {}
    park.zone(conn)
    ids["road"] = road(conn, "R-1", (-200, -10), (1200, -10))
    # A parcel that fits but drains through a grade-IV segment.
    m1 = manhole(conn, "M1", 50, -5)
    m2 = manhole(conn, "M2", 300, -5)
    m3 = manhole(conn, "M3", 600, -5, is_outfall=True)
    ids["s1"] = pipe(conn, "S1", m1, m2, (50, -5), (300, -5))
    ids["s2"] = pipe(conn, "S2", m2, m3, (300, -5), (600, -5))
    insp = park.insert(
        conn, "inspection",
        {"pipe_segment_id": ids["s1"], "inspected_on": as_of - dt.timedelta(days=30),
         "direction": "downstream"},
    )  # fmt: skip
    from parkgis.repairs.assess import record_defects

    record_defects(conn, insp, [{"code": "PL", "grade": 4, "distance_m": 10.0}])
    ids["p_pipe"] = park.parcel(
        conn, "P-PIPE", 0, 0, 100, sewage_manhole_id=m1, list_price_yuan_per_mu=150000,
        plot_ratio_max=2.0,
    )  # fmt: skip
    # Two small adjacent parcels (7.5 mu each), a bankruptcy-estate parcel releasing next month.
    ids["p_small1"] = park.parcel(conn, "P-SMALL1", 700, 0, 70.71)
    ids["p_small2"] = park.parcel(conn, "P-SMALL2", 770.71, 0, 70.71)
    debtor = park.firm(conn, "淮北某破产企业有限公司")
    ids["p_bank"] = park.parcel(
        conn, "P-BANK", 300, 250, 100, status="bankruptcy_estate", tenure="transfer",
        holder_firm_id=debtor, list_price_yuan_per_mu=120000,
    )  # fmt: skip
    ids["case"] = park.insert(
        conn, "bankruptcy_case",
        {"zone_code": "340604", "case_no": "(2025)皖0604破3号", "court": "烈山区人民法院",
         "debtor_firm_id": debtor, "procedure": "liquidation", "stage": "asset_disposal",
         "applied_on": as_of - dt.timedelta(days=400),
         "accepted_on": as_of - dt.timedelta(days=390),
         "expected_release_on": as_of + dt.timedelta(days=30)},
    )  # fmt: skip
    conn.execute(
        text("INSERT INTO case_parcel (case_id, parcel_id) VALUES (:c, :p)"),
        {"c": ids["case"], "p": ids["p_bank"]},
    )
    # Building B1 on a parcel: one unit too weak (8 kN/m2), two 600 m2 units side by side.
    host = park.parcel(conn, "P-B1", 0, 180, 200, status="in_use")
    ids["b1"] = building(conn, "B1", 10, 190, 180, 60, parcel_id=host)
    ids["u_load"] = unit(
        conn, "U-LOAD", ids["b1"], rect(10, 190, 60, 25), 1500, floor_load_kn_m2=8.0
    )
    ids["u_a"] = unit(conn, "U-A", ids["b1"], rect(70, 190, 30, 20), 600)
    ids["u_b"] = unit(conn, "U-B", ids["b1"], rect(100, 190, 30, 20), 600)
    ids["u_let"] = unit(conn, "U-LET", ids["b1"], rect(130, 190, 60, 60), 3600, status="let")
    return ids
