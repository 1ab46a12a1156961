"""Road frontage (issue 14 item 5): one rule for matching and repairs, measured from the
parcel; a unit's access, frontage and drainage are its parcel's.

Hand-built park (local metres), roads' centre lines at y = -12:

  y
 60 |   P-HOST 100x100 with building B-IN set back 30 m (unit U-IN)    P-NARROW 100x100
  0 +==== R-WIDE (complete, 20 m wide) ====          ==== R-NARROW (complete, 8 m) ====
-12     centre line 12 m from both parcels: within 20/2 + 5, beyond 8/2 + 5
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from parkgis.matching import match
from parkgis.matching.site import site_detail
from parkgis.repairs.roads import parcels_without_access
from tests import park
from tests.matching.sites import building, rect, road, unit

AS_OF = dt.date(2026, 6, 1)
DEMO_AS_OF = dt.date(2026, 11, 26)  # the demo's DEMO_TODAY


def _two_roads(conn: Connection) -> dict[str, int]:
    park.zone(conn)
    ids = {
        "wide": road(conn, "R-WIDE", (-50, -12), (150, -12), width_m=20, road_class="branch"),
        "narrow": road(conn, "R-NARROW", (250, -12), (450, -12), width_m=8, road_class="branch"),
        "host": park.parcel(conn, "P-HOST", 0, 0, 100, status="in_use"),
        "narrow_parcel": park.parcel(conn, "P-NARROW", 300, 0, 100),
    }
    ids["b"] = building(conn, "B-IN", 30, 30, 40, 40, parcel_id=ids["host"])
    ids["u"] = unit(conn, "U-IN", ids["b"], rect(30, 30, 40, 40), 1600)
    return ids


def test_a_unit_fronts_the_road_its_parcel_fronts(conn: Connection) -> None:
    """The building outline is 42 m from the road's centre line, its parcel 12 m: the unit
    has access and scores full marks for it, with no road blocker."""
    ids = _two_roads(conn)
    detail = site_detail(conn, "unit", ids["u"], "promotion", as_of=AS_OF)
    assert detail["access"]["has_access"] is True
    result = match(
        conn,
        {"investor_name": "甲公司", "industry_code": "C34", "site_kind": "building",
         "floor_area_m2_min": 1000, "floor_area_m2_max": 2000},
        "promotion", as_of=AS_OF,
    )  # fmt: skip
    site = next(s for s in result.fits if s["label"] == "U-IN")
    assert all(b["kind"] != "road_access" for b in site["blockers"])
    part = next(p for p in site["score_parts"] if p["criterion"] == "road_access")
    assert part["score"] == 1.0


def test_frontage_depends_on_the_road_width_alike_in_matching_and_repairs(
    conn: Connection,
) -> None:
    """12 m from the centre line fronts a 20 m road (10 + 5) and not an 8 m one (4 + 5)."""
    ids = _two_roads(conn)
    without = {p["parcel_id"] for p in parcels_without_access(conn)}
    assert ids["host"] not in without and ids["narrow_parcel"] in without
    narrow = site_detail(conn, "parcel", ids["narrow_parcel"], "promotion", as_of=AS_OF)
    assert narrow["access"]["has_access"] is False
    blocker = next(b for b in narrow["blockers"] if b["kind"] == "road_access")
    # The nearest road is complete: the message must not ask to finish building it.
    assert "需先完成道路建设" not in blocker["message"]
    assert "R-NARROW" in blocker["message"] and "连接道路" in blocker["message"]


def test_on_the_demo_no_vacant_unit_beside_a_complete_road_lacks_frontage(
    demo_conn: Connection,
) -> None:
    """Every vacant unit has access exactly when its host parcel fronts a complete road
    by the repairs' rule; none is flagged "no road frontage" beside one."""
    without = {p["parcel_id"] for p in parcels_without_access(demo_conn)}
    units = demo_conn.execute(
        text(
            "SELECT u.id, coalesce(b.parcel_id, f.parcel_id) FROM building_unit u "
            "JOIN building b ON b.id = u.building_id AND b.status = 'complete' "
            "JOIN logic.site_facts f ON f.site_kind = 'building' AND f.site_id = b.id "
            "WHERE u.status = 'vacant' ORDER BY u.id"
        )
    ).all()
    assert len(units) > 20
    flagged = []
    for unit_id, parcel_id in units:
        d = site_detail(demo_conn, "unit", unit_id, "promotion", as_of=DEMO_AS_OF)
        fronts = parcel_id not in without
        assert d["access"]["has_access"] is fronts, (unit_id, parcel_id)
        if fronts and any(b["kind"] == "road_access" for b in d["blockers"]):
            flagged.append(unit_id)
    assert flagged == []


def test_on_the_demo_matching_and_repairs_agree_on_every_parcel(demo_conn: Connection) -> None:
    without = {p["parcel_id"] for p in parcels_without_access(demo_conn)}
    parcels = demo_conn.execute(text("SELECT id FROM parcel ORDER BY id")).scalars().all()
    assert without and len(without) < len(parcels)
    disagree = []
    for pid in parcels:
        access = site_detail(demo_conn, "parcel", pid, "admin", as_of=DEMO_AS_OF)["access"]
        if access["has_access"] is (pid in without):
            disagree.append(pid)
    assert disagree == []
