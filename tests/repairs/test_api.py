"""The repair routes over the real database, with real API keys."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from tests.repairs.test_plan import _park


def test_repair_routes(fresh_db: str) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        _park(conn)
        _, key = access.create_user(conn, "infra", "infrastructure")
        _, promo = access.create_user(conn, "promo", "promotion")
    client = TestClient(create_app(engine=engine))
    h = {"X-API-Key": key}
    assert client.get("/network/check").status_code == 401
    r = client.get("/network/trace", params={"parcel": "P1", "direction": "down"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["outfalls"] == ["O"]
    assert [s["code"] for s in body["segments"]] == ["s1", "s2"]
    assert body["connection"][0]["connection"] == "service"
    bad = client.get("/network/trace", params={"direction": "down"}, headers=h)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert client.get("/network/check", headers=h).json()["ok"] is True
    report = client.get("/pipes/s1/assessment", headers=h).json()
    assert report["RI_grade"] == "IV" and report["structural"]["F"] == 10
    assert client.get("/pipes/nope/assessment", headers=h).status_code == 404
    assert client.post("/repairs/assess", headers={"X-API-Key": promo}).status_code == 403
    assert client.post("/repairs/assess", headers=h).status_code == 200
    r = client.post("/repairs/plan", json={"budget": 5_000_000, "objective": "land"}, headers=h)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["totals"]["cost_yuan"] <= 5_000_000
    assert client.post("/repairs/plan", json={"budget": -1}, headers=h).status_code == 422
    x = client.get(f"/repairs/plans/{plan['id']}", params={"format": "xlsx"}, headers=h)
    sheet = load_workbook(io.BytesIO(x.content))["工单"]
    assert sheet["A1"].value == "序号" and sheet.max_row == 1 + len(plan["items"])
    g = client.get(f"/repairs/plans/{plan['id']}", params={"format": "geojson"}, headers=h)
    assert len(g.json()["features"]) == len(plan["items"])
    assert client.get("/repairs/plans/999999", headers=h).status_code == 404
    reached = client.get("/roads/access", headers={"X-API-Key": promo}).json()
    assert [p["plot_no"] for p in reached] == ["P2"]
    engine.dispose()
