"""Editing features with If-Match: PATCH items over HTTP and ``parkgis edit`` on the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from parkgis.catalogue import get_layer
from tests import park
from tests.test_cli import run


@pytest.fixture
def api(fresh_db: str) -> Iterator[dict[str, Any]]:
    engine = create_engine(fresh_db, poolclass=NullPool)
    keys: dict[str, dict[str, str]] = {}
    with engine.begin() as conn:
        db.set_actor(conn, "setup")
        parcel = park.parcel(conn, "LS-01", 0, 0, 100, list_price_yuan_per_mu=100000)
        for name, role in (("lb", "land_bureau"), ("promo", "promotion")):
            _, key = access.create_user(conn, name, role)
            keys[role] = {"X-API-Key": key}
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        yield {"client": client, "keys": keys, "parcel": parcel, "engine": engine}
    engine.dispose()


def test_catalogue_declares_who_edits() -> None:
    assert get_layer("parcels").edit_roles == ("land_bureau",)
    assert get_layer("units").can_edit("promotion") and get_layer("roads").can_edit("admin")
    assert not get_layer("pipes").can_edit("infrastructure")
    assert not get_layer("joint_tasks").can_edit("admin")  # edited through its own service


def test_patch_with_if_match_and_etags(api: dict[str, Any]) -> None:
    c, k, pid = api["client"], api["keys"], api["parcel"]
    url = f"/collections/parcels/items/{pid}"
    change = {"list_price_yuan_per_mu": "150000", "status": "闲置", "idle_since": "2023/05/01"}
    assert c.patch(url, json=change).status_code == 401
    assert (
        c.patch(url, json=change, headers={**k["promotion"], "If-Match": '"1"'}).status_code == 403
    )
    r = c.patch(url, json=change, headers=k["land_bureau"])
    assert r.status_code == 428 and r.json()["field"] == "If-Match"
    r = c.patch(url, json=change, headers={**k["land_bureau"], "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"' and r.json()["version"] == 2
    props = r.json()["properties"]
    assert props["status"] == "idle" and props["idle_since"] == "2023-05-01"
    assert float(props["list_price_yuan_per_mu"]) == 150000
    r = c.patch(url, json={"name": "x"}, headers={**k["land_bureau"], "If-Match": '"1"'})
    assert r.status_code == 412 and r.headers["ETag"] == '"2"'
    assert r.json()["current_version"] == 2 and r.json()["field"] == "If-Match"
    feature = {"type": "Feature", "properties": {"name": "东区一号地"}}
    r = c.patch(url, json=feature, headers={**k["land_bureau"], "If-Match": 'W/"2"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"3"'
    with api["engine"].connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, (after->>'version')::int FROM history "
                "WHERE table_name = 'parcel' AND op = 'UPDATE' ORDER BY id"
            )
        ).all()
    assert rows == [("lb", 2), ("lb", 3)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"area_m2": 5}, "area_m2"),
        ({"no_such": 1}, "no_such"),
        ({"plot_ratio_min": "abc"}, "plot_ratio_min"),
        ({"plot_no": ""}, "plot_no"),
        ({"green_ratio_max": 1.5}, "green_ratio_max"),
        ({"status": "idle"}, "status"),
        ({"holder_firm_id": 999999}, "holder_firm_id"),
        ({"land_use_code": "nonsense"}, "land_use_code"),
        ({"parcel_code": "bad"}, "parcel_code"),
        ({"supplied_on": "not a date"}, "supplied_on"),
        ({"name": "a\x00b"}, "name"),
        ({"permitted_industries": ["C34", "C\x0035"]}, "permitted_industries"),
        ({"holder_firm_id": 10**30}, "holder_firm_id"),
        ({}, "properties"),
        ({"geometry": {"type": "Point", "coordinates": [0, 0]}}, "geometry"),
    ],
)
def test_bad_edits_are_422_naming_the_field(
    api: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    c, k, pid = api["client"], api["keys"], api["parcel"]
    r = c.patch(
        f"/collections/parcels/items/{pid}",
        json=change,
        headers={**k["land_bureau"], "If-Match": '"1"'},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field and r.json()["message"]
    with api["engine"].connect() as conn:
        assert conn.execute(text("SELECT version FROM parcel")).scalar() == 1


def test_unknown_feature_and_layer_are_404(api: dict[str, Any]) -> None:
    c, k = api["client"], api["keys"]
    headers = {**k["land_bureau"], "If-Match": '"1"'}
    assert (
        c.patch("/collections/parcels/items/999", json={"name": "x"}, headers=headers).status_code
        == 404
    )
    assert (
        c.patch("/collections/parcels/items/abc", json={"name": "x"}, headers=headers).status_code
        == 404
    )
    assert (
        c.patch("/collections/nope/items/1", json={"name": "x"}, headers=headers).status_code == 404
    )


def test_cli_edit_checks_the_version(fresh_db: str) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        pid = park.parcel(conn, "LS-01", 0, 0, 100)
    engine.dispose()
    ok = run(
        fresh_db,
        "edit",
        "parcels",
        str(pid),
        "--set",
        "name=一号地",
        "--set",
        "height_limit_m=24",
        "--if-version",
        "1",
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"parcels {pid} version 2"
    stale = run(fresh_db, "edit", "parcels", str(pid), "--set", "name=二号地", "--if-version", "1")
    assert stale.returncode == 1 and "当前版本 2" in stale.stderr and "version 2" in stale.stderr
    bad = run(
        fresh_db, "edit", "parcels", str(pid), "--set", "height_limit_m=-3", "--if-version", "2"
    )
    assert bad.returncode == 1 and "height_limit_m" in bad.stderr
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, height_limit_m, version FROM parcel")).one()
        actor = conn.execute(
            text("SELECT actor FROM history WHERE op = 'UPDATE' AND table_name = 'parcel'")
        ).scalar_one()
    engine.dispose()
    assert (row.name, float(row.height_limit_m), row.version) == ("一号地", 24.0, 2)
    assert actor == "cli"


def test_layers_without_edit_roles_are_read_only(api: dict[str, Any], fresh_db: str) -> None:
    with api["engine"].begin() as conn:
        _, key = access.create_user(conn, "root", "admin")
    r = api["client"].patch(
        "/collections/joint_tasks/items/1",
        json={"evidence": "x"},
        headers={"X-API-Key": key, "If-Match": '"1"'},
    )
    assert r.status_code == 403 and r.json()["field"] == "collection"
    r = api["client"].patch(
        f"/collections/parcels/items/{api['parcel']}",
        json={"name": "admin edit"},
        headers={"X-API-Key": key, "If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
