"""The drainage graph on small networks drawn as ASCII diagrams."""

from __future__ import annotations

from sqlalchemy import Connection

from parkgis.repairs.network import check_network, downstream_segments, load_network
from parkgis.repairs.trace import parcel_outfalls, trace
from tests import park
from tests.repairs.net import manhole, pipe


def _tree(conn: Connection) -> dict[str, int]:
    """
        A(10.0)            D(10.0)
          \\ a1              | d1
           B(9.0) --b1--> C(8.0) --c1--> O(7.0) outfall
          /                 ^
        E(9.5) --e1 (x2)----+      (e1 is DN 300, a2 below is DN 800)
    A --a2--> E: A(10.0) -> E(9.5)
    """
    ids = {
        "A": manhole(conn, "A", 0, 100, 10.0),
        "B": manhole(conn, "B", 50, 50, 9.0),
        "C": manhole(conn, "C", 150, 50, 8.0),
        "D": manhole(conn, "D", 150, 150, 10.0),
        "E": manhole(conn, "E", 0, 0, 9.5),
        "O": manhole(conn, "O", 250, 50, 7.0, outfall=True),
    }
    ids["a1"] = pipe(conn, "a1", ids["A"], ids["B"], diameter=400)
    ids["a2"] = pipe(conn, "a2", ids["A"], ids["E"], diameter=800)
    ids["b1"] = pipe(conn, "b1", ids["B"], ids["C"])
    ids["d1"] = pipe(conn, "d1", ids["D"], ids["C"])
    ids["e1"] = pipe(conn, "e1", ids["E"], ids["C"], diameter=300)
    ids["c1"] = pipe(conn, "c1", ids["C"], ids["O"], diameter=1000)
    return ids


def test_downstream_and_upstream_traces(conn: Connection) -> None:
    _tree(conn)
    down = trace(conn, manhole="B", direction="down")
    assert [s["code"] for s in down["segments"]] == ["b1", "c1"]
    assert down["outfalls"] == ["O"]
    assert down["type"] == "FeatureCollection" and len(down["features"]) == 2
    lon, lat = down["features"][0]["geometry"]["coordinates"][0]
    assert 116 < lon < 117.5 and 33 < lat < 34.5  # CRS84
    up = trace(conn, segment="c1", direction="up")
    assert {s["code"] for s in up["segments"]} == {"c1", "b1", "d1", "e1", "a1", "a2"}
    assert up["segments"][0]["code"] == "c1"
    up_b = trace(conn, manhole="B", direction="up")
    assert [s["code"] for s in up_b["segments"]] == ["a1"]


def test_parcel_connection_service_or_nearest_and_outfall(conn: Connection) -> None:
    ids = _tree(conn)
    served = park.parcel(conn, "P1", -20, 80, 30, storm_manhole_id=ids["D"])
    park.parcel(conn, "P2", 10, -40, 30)  # nearest storm manhole: E
    result = trace(conn, parcel="P2", direction="down", system="storm")
    assert result["connection"][0]["connection"] == "nearest"
    assert result["connection"][0]["manhole_id"] == ids["E"]
    assert [s["code"] for s in result["segments"]] == ["e1", "c1"]
    ends = {(o["plot_no"], o["system"]): o for o in parcel_outfalls(conn)}
    assert ends[("P1", "storm")]["connection"] == "service"
    assert ends[("P1", "storm")]["outfalls"] == ["O"]
    assert ("P1", "sewage") not in ends  # no sewage network drawn
    path = downstream_segments(conn, served, "storm")
    assert [p["code"] for p in path] == ["d1", "c1"]


def test_who_drains_through_a_segment(conn: Connection) -> None:
    ids = _tree(conn)
    firm = park.firm(conn, "淮北某机械有限公司")
    park.parcel(
        conn, "P1", -20, 80, 30, storm_manhole_id=ids["A"], holder_firm_id=firm, status="in_use"
    )
    park.parcel(conn, "P3", 140, 160, 30, storm_manhole_id=ids["D"])
    up = trace(conn, segment="b1", direction="up")
    assert [p["plot_no"] for p in up["parcels"]] == ["P1"]
    assert [f["name"] for f in up["firms"]] == ["淮北某机械有限公司"]
    main = downstream_segments(conn, park_id(conn, "P1"), "storm")
    # at A the larger outlet (a2, DN 800) is the main path
    assert [p["code"] for p in main] == ["a2", "e1", "c1"]


def park_id(conn: Connection, plot_no: str) -> int:
    from sqlalchemy import text

    return int(
        conn.execute(text("SELECT id FROM parcel WHERE plot_no=:p"), {"p": plot_no}).scalar_one()
    )


def test_uphill_and_flat_segments_are_reported_not_used(conn: Connection) -> None:
    """
    A(10) --x1--> B(9) --x2 (up 9.0 < down 9.5: uphill)--> C(9.5) --x3 flat--> O(9.5)
    """
    a = manhole(conn, "A", 0, 0, 10)
    b = manhole(conn, "B", 50, 0, 9)
    c = manhole(conn, "C", 100, 0, 9.5)
    o = manhole(conn, "O", 150, 0, 9.5, outfall=True)
    pipe(conn, "x1", a, b)
    pipe(conn, "x2", b, c)
    pipe(conn, "x3", c, o)
    report = check_network(conn)
    assert not report["ok"]
    assert [(e["kind"], e["code"]) for e in report["errors"]] == [("uphill", "x2")]
    assert ("flat", "x3") in [(w["kind"], w.get("code")) for w in report["warnings"]]
    assert ("dead_end", "B") in [(w["kind"], w.get("code")) for w in report["warnings"]]
    down = trace(conn, manhole="A", direction="down")
    assert [s["code"] for s in down["segments"]] == ["x1"]  # x2 is not silently used
    assert [e["code"] for e in down["data_errors"]] == ["x2"]


def test_loops_are_reported(conn: Connection) -> None:
    """
      A(10) --l1--> B(9) --l2--> C(8)
       ^                          |
       +-----------l3 (8 -> 7.5, but to A)--+      plus C --c1--> O
    l3 is digitised C -> A with up 8.0 > down 7.9 (levels typed wrong): a loop A-B-C.
    """
    a = manhole(conn, "A", 0, 0, 10)
    b = manhole(conn, "B", 50, 0, 9)
    c = manhole(conn, "C", 100, 0, 8)
    o = manhole(conn, "O", 150, 0, 7, outfall=True)
    pipe(conn, "l1", a, b)
    pipe(conn, "l2", b, c)
    pipe(conn, "l3", c, a, up=8.0, down=7.9)
    pipe(conn, "c1", c, o)
    net = load_network(conn)
    assert sorted(e["code"] for e in net.errors if e["kind"] == "loop") == ["l1", "l2", "l3"]
    assert [s["code"] for s in trace(conn, manhole="C", direction="down")["segments"]] == ["c1"]
