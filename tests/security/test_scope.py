"""A court and a department read what their work needs, and nothing beyond (issue 19.6).

A court works on the cases of its court: their parcels (land price, contract, dates),
their debtors (capital, legal representative, yearly finances) and the buildings on that
land. A department works on the cases of its joint tasks: the same parcels and debtors.
Neither reads another parcel's price, another firm's finances or another holder's name;
the catalogue's row filters say so (layers/*.toml) and the query applies them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from tests.conftest import _create_from_template, _drop


@pytest.fixture(scope="module")
def park(demo_template: str) -> Iterator[dict[str, Any]]:
    name = _create_from_template(demo_template)
    engine = create_engine(db.database_url(database=name), poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        court = conn.execute(
            text(
                "SELECT court FROM bankruptcy_case GROUP BY court ORDER BY count(*), court LIMIT 1"
            )
        ).scalar_one()
        department = conn.execute(
            text("SELECT department_code FROM joint_task GROUP BY 1 ORDER BY count(*), 1 LIMIT 1")
        ).scalar_one()
        keys = {
            "court": access.create_user(conn, "scope-court", "court", court=court)[1],
            "department": access.create_user(conn, "scope-dept", "department", department)[1],
        }
        scope = {
            "court": "SELECT id FROM bankruptcy_case WHERE court = :c",
            "department": "SELECT case_id FROM joint_task WHERE department_code = :d",
        }
        expected: dict[str, dict[str, set[int]]] = {}
        for role, cases in scope.items():
            bind = {"c": court, "d": department}
            parcels = conn.execute(
                text(f"SELECT parcel_id FROM case_parcel WHERE case_id IN ({cases})"), bind
            ).scalars()
            firms = conn.execute(
                text(
                    "SELECT id, uscc FROM firm WHERE id IN "
                    f"(SELECT debtor_firm_id FROM bankruptcy_case WHERE id IN ({cases}))"
                ),
                bind,
            ).all()
            expected[role] = {
                "parcels": set(parcels),
                "firms": {f.id for f in firms},
                "uscc": {f.uscc for f in firms},
            }
        totals = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("parcel", "firm")
        }
    client = TestClient(create_app(engine=engine))
    yield {"client": client, "keys": keys, "expected": expected, "totals": totals}
    access.users._cache.clear()
    engine.dispose()
    _drop(name)


def _rows(park: dict[str, Any], role: str, layer: str) -> list[dict[str, str]]:
    """An attribute layer as the role exports it (CSV: every row it may see)."""
    r = park["client"].get(f"/exports/{layer}.csv", headers={"X-API-Key": park["keys"][role]})
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def _items(park: dict[str, Any], role: str, layer: str) -> list[dict[str, Any]]:
    r = park["client"].get(
        f"/collections/{layer}/items",
        params={"limit": 10000},
        headers={"X-API-Key": park["keys"][role]},
    )
    assert r.status_code == 200, r.text
    return [f["properties"] | {"id": f.get("id")} for f in r.json()["features"]]


@pytest.mark.parametrize("role", ["court", "department"])
def test_parcels_and_prices_of_its_cases_only(park: dict[str, Any], role: str) -> None:
    want = park["expected"][role]["parcels"]
    assert want and len(want) < park["totals"]["parcel"]
    parcels = _items(park, role, "parcels")
    assert {int(p["id"]) for p in parcels} == want
    idle = _items(park, role, "idle_land")
    assert {int(p["id"]) for p in idle} <= want


@pytest.mark.parametrize("role", ["court", "department"])
def test_firms_and_finances_of_its_debtors_only(park: dict[str, Any], role: str) -> None:
    want = park["expected"][role]["firms"]
    assert want and len(want) < park["totals"]["firm"]
    firms = _rows(park, role, "firms")
    assert {f["uscc"] for f in firms} == park["expected"][role]["uscc"]
    finances = _rows(park, role, "firm_indicators")
    assert finances and {int(f["firm_id"]) for f in finances} <= want


def test_court_sees_land_price_of_its_parcels(park: dict[str, Any]) -> None:
    parcels = _items(park, "court", "parcels")
    assert "land_price_yuan" in parcels[0]
    department = _items(park, "department", "parcels")
    assert department and "land_price_yuan" not in department[0]
