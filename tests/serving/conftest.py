"""A small committed park served by the real app, and one API key per role.

The park (local metres, see tests/park.py)::

    y
    300 |  [P-3 idle]   [P-4 estate]
    200 |  [B-1 (U-1 vacant, U-2 let)]  [B-2 (U-3 let)]
    100 |  [P-1 available]  [P-2 in use]  [P-5 available]
      0 +---- road R-1 along y=-20, manholes M-1 -> M-2, pipe S-1 ----------> x
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from tests import park
from tests.conftest import _create_from_template, _drop
from tests.roles import ROLES


def polygon(x: float, y: float, size: float) -> str:
    """WKT of a square POLYGON at local (x, y)."""
    return park.square(x, y, size).replace("MULTIPOLYGON(((", "POLYGON((").replace(")))", "))")


def build_small_park(conn: Connection) -> dict[str, int]:
    """Insert the park drawn in the module docstring; return ids by code."""
    ids: dict[str, int] = {}
    ids["F-1"] = park.firm(conn, "淮北精工机械有限公司", registered_capital_yuan=5_000_000)
    ids["F-2"] = park.firm(conn, "烈山陶铝新材料有限公司", status="in_bankruptcy")
    ids["P-1"] = park.parcel(
        conn, "P-1", 0, 100, land_price_yuan=1_200_000, list_price_yuan_per_mu=150_000
    )
    ids["P-2"] = park.parcel(conn, "P-2", 150, 100, status="in_use", holder_firm_id=ids["F-1"])
    ids["P-5"] = park.parcel(conn, "P-5", 300, 100, tenure="transfer", land_price_yuan=900_000)
    ids["P-3"] = park.parcel(
        conn,
        "P-3",
        0,
        300,
        status="idle",
        idle_since="2023-01-01",
        holder_firm_id=ids["F-1"],
        land_price_yuan=2_000_000,
    )
    ids["P-4"] = park.parcel(
        conn, "P-4", 150, 300, status="bankruptcy_estate", holder_firm_id=ids["F-2"]
    )
    common = {
        "zone_code": "340604",
        "storeys": 3,
        "height_m": 18,
        "total_floor_area_m2": 6000,
        "fire_resistance_rating": 2,
        "design_fire_class": "bing",
        "status": "complete",
    }
    ids["B-1"] = park.insert(
        conn,
        "building",
        {**common, "code": "B-1", "owner_firm_id": ids["F-1"], "geom": polygon(0, 200, 60)},
    )
    ids["B-2"] = park.insert(
        conn, "building", {**common, "code": "B-2", "geom": polygon(150, 200, 60)}
    )
    unit = {"zone_code": "340604", "floor": 1, "area_m2": 1000, "floor_load_kn_m2": 20}
    unit["clear_height_m"] = 8
    ids["U-1"] = park.insert(
        conn,
        "building_unit",
        {
            **unit,
            "code": "U-1",
            "building_id": ids["B-1"],
            "status": "vacant",
            "geom": polygon(0, 200, 30),
        },
    )
    ids["U-2"] = park.insert(
        conn,
        "building_unit",
        {
            **unit,
            "code": "U-2",
            "building_id": ids["B-1"],
            "status": "let",
            "tenant_firm_id": ids["F-1"],
            "geom": polygon(30, 200, 30),
        },
    )
    ids["U-3"] = park.insert(
        conn,
        "building_unit",
        {
            **unit,
            "code": "U-3",
            "building_id": ids["B-2"],
            "status": "let",
            "geom": polygon(150, 200, 30),
        },
    )
    ids["R-1"] = park.insert(
        conn,
        "road_segment",
        {
            "zone_code": "340604",
            "code": "R-1",
            "road_class": "branch",
            "status": "complete",
            "pci": 72,
            "iri": 3.1,
            "geom": park.line((0, -20), (400, -20)),
        },
    )
    hole = {"zone_code": "340604", "system": "storm", "ground_level_m": 30, "invert_depth_m": 2}
    ids["M-1"] = park.insert(conn, "manhole", {**hole, "code": "M-1", "geom": park.point(0, -25)})
    ids["M-2"] = park.insert(conn, "manhole", {**hole, "code": "M-2", "geom": park.point(50, -25)})
    ids["S-1"] = park.insert(
        conn,
        "pipe_segment",
        {
            "zone_code": "340604",
            "code": "S-1",
            "system": "storm",
            "from_manhole_id": ids["M-1"],
            "to_manhole_id": ids["M-2"],
            "diameter_mm": 600,
            "material": "rc",
            "up_invert_level_m": 28,
            "down_invert_level_m": 27.8,
            "soil_class": "ordinary",
            "geom": park.line((0, -25), (50, -25)),
        },
    )
    ids["C-1"] = park.insert(
        conn,
        "bankruptcy_case",
        {
            "zone_code": "340604",
            "case_no": "(2024)皖0604破1号",
            "court": "烈山区人民法院",
            "debtor_firm_id": ids["F-2"],
            "procedure": "liquidation",
            "stage": "accepted",
            "applied_on": "2024-03-01",
            "accepted_on": "2024-03-10",
        },
    )
    from sqlalchemy import text

    conn.execute(
        text("INSERT INTO case_parcel (case_id, parcel_id) VALUES (:c, :p)"),
        {"c": ids["C-1"], "p": ids["P-4"]},
    )
    return ids


@dataclass
class Served:
    """The committed park: its URL, engine, ids and one API key per role."""

    url: str
    engine: Engine
    ids: dict[str, int]
    keys: dict[str, str]

    def client(self, role: str = "public") -> TestClient:
        """A TestClient sending ``role``'s key (none for public: anonymous)."""
        client = TestClient(create_app(engine=self.engine))
        if role != "public":
            client.headers["X-API-Key"] = self.keys[role]
        return client


@pytest.fixture(scope="session")
def served(template_name: str) -> Iterator[Served]:
    """A database of its own with the small park committed, and a key per staff role."""
    name = _create_from_template(template_name)
    url = db.database_url(database=name)
    engine = create_engine(url, poolclass=NullPool)
    keys: dict[str, str] = {}
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        ids = build_small_park(conn)
        for role in ROLES:
            if role != "public":
                dept = "natural_res" if role == "department" else None
                court = "烈山区人民法院" if role == "court" else None
                keys[role] = access.create_user(conn, f"user_{role}", role, dept, court)[1]
    yield Served(url, engine, ids, keys)
    engine.dispose()
    _drop(name)
