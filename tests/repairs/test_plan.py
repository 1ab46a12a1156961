"""Plans on a small park where the land-unlocked answer is known by hand."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import Connection

from parkgis.repairs.assess import record_defects
from parkgis.repairs.outputs import plan_xlsx
from parkgis.repairs.plan import get_plan, make_plan, plan_features
from parkgis.repairs.roads import parcels_without_access, pci_grade, road_unlocks, rqi_grade
from parkgis.repairs.works import build_problem
from tests import park
from tests.repairs.net import inspect, manhole, pipe, road


def _park(conn: Connection) -> dict[str, int]:
    """
     y=120  [P1 20x20 mu 0.6]  [P2 available, 60x60 = 5.4 mu]      [P3 in_use]
            ===== R1 complete (y=100) =====  ==== R2 planned, branch (y=100) ====
     y= 90  A(10) --s1 (PL4, RI IV)--> B(9) --s2 (sound)--> O(8) outfall
                                        ^ under R1              x from 0 to 200
    P1 (x 0-20) fronts R1 and drains to A: blocked by s1 only.
    P2 (x 120-180) fronts only R2 (planned) and drains to B: blocked by R2 only.
    """
    ids = {}
    ids["R1"] = road(conn, "R1", (0, 100), (100, 100), name="一路")
    ids["R2"] = road(conn, "R2", (100, 100), (200, 100), status="planned", name="二路")
    a = manhole(conn, "A", 10, 90, 10)
    b = manhole(conn, "B", 110, 90, 9)
    o = manhole(conn, "O", 200, 90, 8, outfall=True)
    ids["s1"] = pipe(conn, "s1", a, b, road_segment_id=ids["R1"], year_built=1995)
    ids["s2"] = pipe(conn, "s2", b, o, diameter=800)
    record_defects(conn, inspect(conn, ids["s1"]), [{"code": "PL", "grade": 4, "distance_m": 40}])
    ids["P1"] = park.parcel(conn, "P1", 0, 108, 20, storm_manhole_id=a)
    ids["P2"] = park.parcel(conn, "P2", 120, 108, 60, storm_manhole_id=b)
    ids["P3"] = park.parcel(conn, "P3", 40, 108, 20, status="in_use", storm_manhole_id=a)
    park.insert(
        conn,
        "investor_enquiry",
        {
            "zone_code": "340604",
            "code": "E1",
            "investor_name": "某新材料公司",
            "industry_code": "C30",
            "site_kind": "land",
            "land_mu_min": 5,
            "land_mu_max": 6,
        },
    )
    return ids


def test_road_grades_cjj36() -> None:
    assert pci_grade(80.0, "branch") == "B" and pci_grade(80.1, "branch") == "A"
    assert pci_grade(60.0, "branch") == "D" and pci_grade(85.1, "arterial") == "A"
    assert rqi_grade(3.4, "branch") == "B" and rqi_grade(2.2, "branch") == "D"
    assert rqi_grade(3.0, "arterial") == "C"


def test_access_and_what_a_road_unlocks(conn: Connection) -> None:
    _park(conn)
    without = {p["plot_no"]: p for p in parcels_without_access(conn)}
    assert set(without) == {"P2"} and without["P2"]["unlocking_roads"] == ["R2"]
    assert [p["plot_no"] for p in road_unlocks(conn, "R2")] == ["P2"]


def test_land_unlocked_is_known(conn: Connection) -> None:
    _park(conn)
    problem = build_problem(conn, today=date(2025, 6, 1))
    keys = {w.key: w for w in problem.works}
    assert set(keys) == {"pipe:s1", "road:R2"}
    assert keys["pipe:s1"].street == "一路"
    sites = {s.plot_no: s for s in problem.sites}
    assert sites["P1"].all_of == ("pipe:s1",) and sites["P1"].any_of == ()
    assert sites["P2"].any_of == ("road:R2",) and sites["P2"].all_of == ()
    assert [e.code for e in problem.enquiries] == ["E1"]
    big = make_plan(conn, budget=50_000_000, objective="land", today=date(2025, 6, 1))
    t = big["totals"]
    assert t["land_unlocked_mu"] == pytest.approx(400 / 666.6667 + 3600 / 666.6667, rel=1e-4)
    assert t["parcels_unlocked"] == ["P1", "P2"] and t["enquiries_unlocked"] == ["E1"]
    assert t["cost_yuan"] <= 50_000_000
    fc = plan_features(conn, big["id"])
    assert {f["properties"]["code"] for f in fc["features"]} == {"s1", "R2"}
    # Roles the enquiries layer does not admit get how many enquiries, never which: in the
    # stored plan (JSON), its features (GeoJSON, the map) and its work orders (XLSX).
    seen = get_plan(conn, big["id"], "infrastructure")
    assert seen["totals"]["enquiries_unlocked"] == []
    assert seen["totals"]["enquiries_unlocked_count"] == 1
    assert seen["totals"]["greedy"]["enquiries_unlocked_count"] == len(
        big["totals"]["greedy"]["enquiries_unlocked"]
    )
    assert sum(i["detail"]["enquiries_count"] for i in seen["items"]) >= 1
    for shown in (seen, plan_features(conn, big["id"], "infrastructure")):
        assert "E1" not in json.dumps(shown, ensure_ascii=False, default=str)
    book = load_workbook(BytesIO(plan_xlsx(conn, big["id"], "infrastructure")))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert not any("E1" in c for c in cells)
    assert "E1" in json.dumps(get_plan(conn, big["id"], "promotion"), default=str)


def test_small_budget_takes_the_pipe_and_compares_with_greedy(conn: Connection) -> None:
    _park(conn)
    plan = make_plan(conn, budget=400_000, objective="risk", today=date(2025, 6, 1))
    assert [i["code"] for i in plan["items"]] == ["s1"]
    assert plan["totals"]["cost_yuan"] <= 400_000
    assert plan["totals"]["parcels_unlocked"] == ["P1"]
    assert "greedy" in plan["totals"] and plan["totals"]["greedy"]["cost_yuan"] <= 400_000
