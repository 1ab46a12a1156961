"""A small committed park for the map viewers, the app on it, and one API key per role.

The park (local metres, see tests/park.py)::

    y
    300 |  [M-3 in use 100 m]
    200 |  [B-1 building: U-1 vacant 1 500 m², U-2 let]
    100 |  [M-1 available 100 m = 15 mu]  [M-2 available 200 m = 60 mu]  [M-4 approved 150 m]
      0 +--- road R-1 (complete) along y=-20; R-2 (planned) along x=-20; pipe S-1 M1 -> M2 -> x
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from parkgis.config import Settings, get_settings
from tests import park
from tests.conftest import _create_from_template, _drop
from tests.roles import ROLES


def shows(html: str, text: str) -> bool:
    """Whether ``text`` is in the page, literally or JSON-escaped (folium escapes non-ASCII)."""
    return text in html or json.dumps(text)[1:-1] in html


def polygon(x: float, y: float, size: float) -> str:
    """WKT of a square POLYGON at local (x, y)."""
    return park.square(x, y, size).replace("MULTIPOLYGON(((", "POLYGON((").replace(")))", "))")


def build_map_park(conn: Connection) -> dict[str, int]:
    """Insert the park of the module docstring; return ids by code."""
    ids = {
        "M-1": park.parcel(conn, "M-1", 0, 100, 100, list_price_yuan_per_mu=150_000),
        "M-2": park.parcel(conn, "M-2", 150, 100, 200),
        "M-4": park.parcel(conn, "M-4", 400, 100, 150, status="approved_unsupplied"),
        "M-3": park.parcel(conn, "M-3", 0, 330, 100, status="in_use"),
    }
    ids["B-1"] = park.insert(
        conn,
        "building",
        {
            "zone_code": "340604", "code": "B-1", "storeys": 2, "height_m": 15,
            "total_floor_area_m2": 3000, "fire_resistance_rating": 2,
            "design_fire_class": "bing", "status": "complete", "parcel_id": ids["M-1"],
            "geom": polygon(10, 210, 60),
        },
    )  # fmt: skip
    unit = {"zone_code": "340604", "building_id": ids["B-1"], "floor": 1, "clear_height_m": 8}
    ids["U-1"] = park.insert(
        conn,
        "building_unit",
        {**unit, "code": "U-1", "area_m2": 1500, "floor_load_kn_m2": 25, "status": "vacant",
         "rent_yuan_m2_month": 12, "geom": polygon(10, 210, 30)},
    )  # fmt: skip
    ids["U-2"] = park.insert(
        conn,
        "building_unit",
        {**unit, "code": "U-2", "area_m2": 1500, "floor_load_kn_m2": 25, "status": "let",
         "geom": polygon(40, 210, 30)},
    )  # fmt: skip
    road = {"zone_code": "340604", "road_class": "branch"}
    ids["R-1"] = park.insert(
        conn, "road_segment",
        {**road, "code": "R-1", "status": "complete", "pci": 72,
         "geom": park.line((0, -20), (600, -20))},
    )  # fmt: skip
    ids["R-2"] = park.insert(
        conn, "road_segment",
        {**road, "code": "R-2", "status": "planned", "geom": park.line((-20, 0), (-20, 450))},
    )  # fmt: skip
    hole = {"zone_code": "340604", "system": "storm", "ground_level_m": 30, "invert_depth_m": 2}
    ids["MH-1"] = park.insert(conn, "manhole", {**hole, "code": "MH-1", "geom": park.point(0, -15)})
    ids["MH-2"] = park.insert(
        conn,
        "manhole",
        {**hole, "code": "MH-2", "invert_depth_m": 2.3, "geom": park.point(300, -15)},
    )
    ids["S-1"] = park.insert(
        conn,
        "pipe_segment",
        {
            "zone_code": "340604", "code": "S-1", "system": "storm", "from_manhole_id": ids["MH-1"],
            "to_manhole_id": ids["MH-2"], "diameter_mm": 600, "material": "rc",
            "up_invert_level_m": 28, "down_invert_level_m": 27.7,
            "geom": park.line((0, -15), (300, -15)),
        },
    )  # fmt: skip
    return ids


@dataclass
class MapPark:
    """The committed park: its database URL, engine, ids and a key per role."""

    url: str
    engine: Engine
    ids: dict[str, int]
    keys: dict[str, str]


@pytest.fixture(scope="module")
def map_park(template_name: str) -> Iterator[MapPark]:
    """A committed database with the map park and one user per role."""
    name = _create_from_template(template_name)
    url = db.database_url(database=name)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        ids = build_map_park(conn)
        keys = {}
        for role in ROLES:
            department = "natural_res" if role == "department" else None
            court = "烈山区人民法院" if role == "court" else None
            keys[role] = access.create_user(conn, f"map-{role}", role, department, court)[1]
    yield MapPark(url, engine, ids, keys)
    engine.dispose()
    _drop(name)


def map_settings(**changes: object) -> Settings:
    """The process settings with the map basemap off (no internet in tests)."""
    return get_settings().model_copy(update={"basemap": "none", **changes})


@pytest.fixture
def client(map_park: MapPark) -> Iterator[TestClient]:
    """The real app on the map park, basemap none."""
    with TestClient(create_app(settings=map_settings(), engine=map_park.engine)) as c:
        yield c
