"""An enquiry's matches on /map: every site's outline from one query, however many sites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shapely.geometry import shape
from sqlalchemy import Connection, event

from parkgis.maps.overlays import match_overlay, site_geometries
from parkgis.matching import match
from parkgis.matching.enquiry import create_enquiry, validate_enquiry
from tests.maps.conftest import build_map_park
from tests.matching.sites import build_park
from tests.matching.test_api import ENQUIRY


@contextmanager
def counted(conn: Connection) -> Iterator[list[str]]:
    """The SQL statements ``conn`` sends to the server inside the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(conn, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(conn, "before_cursor_execute", record)


def test_site_outlines_come_from_one_query(conn: Connection) -> None:
    ids = build_map_park(conn)
    sites = [
        {"key": "parcel:M-1", "kind": "parcel", "members": [ids["M-1"]]},
        {"key": "parcels:M-1+M-2", "kind": "parcels", "members": [ids["M-1"], ids["M-2"]]},
        {"key": "unit:U-1", "kind": "unit", "members": [ids["U-1"]]},
        {"key": "units:U-1+U-2", "kind": "units", "members": [ids["U-1"], ids["U-2"]]},
        {"key": "building:B-1", "kind": "building", "members": [ids["B-1"]]},
    ]
    with counted(conn) as statements:
        outlines = site_geometries(conn, sites)
    assert len(statements) == 1
    assert set(outlines) == {s["key"] for s in sites}
    one = shape(outlines["parcel:M-1"]).area
    both = shape(outlines["parcels:M-1+M-2"]).area
    assert both > 4.5 * one  # M-2 is twice as wide: 1 + 4 = 5 times M-1's area
    units = shape(outlines["units:U-1+U-2"])
    assert units.area > 1.9 * shape(outlines["unit:U-1"]).area
    assert site_geometries(conn, []) == {}


def test_match_overlay_adds_one_query_to_the_match(conn: Connection) -> None:
    build_park(conn, dt.date.today())
    eid = create_enquiry(conn, validate_enquiry(conn, ENQUIRY))["id"]
    result = match(conn, eid, "promotion")  # warms the offer copy
    with counted(conn) as by_match:
        result = match(conn, eid, "promotion")
    with counted(conn) as by_overlay:
        overlay = match_overlay(conn, eid, "promotion")
    sites = result.fits + result.near_misses
    assert len(sites) >= 3
    assert len(overlay["features"]) == len(sites)
    assert all(f["geometry"] for f in overlay["features"])
    assert len(by_overlay) == len(by_match) + 1, by_overlay[len(by_match) :]
