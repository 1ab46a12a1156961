"""The matching routes over the real database, and the CLI in a subprocess."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from parkgis.release.returns import PUBLIC_FIELDS
from tests.matching.sites import build_park

ENQUIRY = {"investor_name": "某机械公司", "industry_code": "C34", "site_kind": "either",
           "land_mu_min": 10, "land_mu_max": 20, "floor_area_m2_min": 1000,
           "floor_area_m2_max": 1400}  # fmt: skip


@pytest.fixture
def committed(fresh_db: str) -> Iterator[tuple[str, dict[str, int], str]]:
    """A committed copy of the hand-built park, with a promotion user's key."""
    eng = create_engine(fresh_db, poolclass=NullPool)
    with eng.begin() as conn:
        db.set_actor(conn, "pytest")
        ids = build_park(conn, dt.date.today())
        _, key = access.create_user(conn, "zhaoshang", "promotion")
    eng.dispose()
    yield fresh_db, ids, key


def test_routes_end_to_end(committed: tuple[str, dict[str, int], str]) -> None:
    url, ids, key = committed
    eng = create_engine(url, poolclass=NullPool)
    staff = {"X-API-Key": key}
    with TestClient(create_app(engine=eng)) as client:
        r = client.post("/match", json=ENQUIRY, headers=staff)
        assert r.status_code == 200, r.text
        labels = {s["label"] for s in r.json()["fits"]}
        assert {"P-PIPE", "U-A+U-B"} <= labels
        anon = client.post("/match", json=ENQUIRY).json()
        for s in anon["fits"] + anon["near_misses"]:
            assert "parcel_code" not in s["properties"]
            assert all(b["kind"] == "expected" for b in s["blockers"])
        bad = client.post("/match", json={**ENQUIRY, "land_mu_max": 5})
        assert bad.status_code == 422 and bad.json()["field"] == "land_mu_max"
        assert client.post("/enquiries", json=ENQUIRY).status_code == 401
        created = client.post("/enquiries", json=ENQUIRY, headers=staff)
        assert created.status_code == 201, created.text
        eid, version = created.json()["id"], created.json()["version"]
        stale = client.patch(f"/enquiries/{eid}", json={"notes": "x"},
                             headers={**staff, "If-Match": str(version + 5)})  # fmt: skip
        assert stale.status_code == 412
        ok = client.patch(f"/enquiries/{eid}", json={"land_mu_min": 12},
                          headers={**staff, "If-Match": str(version)})  # fmt: skip
        assert ok.status_code == 200 and ok.json()["version"] == version + 1
        assert client.get("/enquiries", headers=staff).json()[0]["id"] == eid
        m = client.get(f"/enquiries/{eid}/matches", headers=staff)
        assert m.status_code == 200 and m.json()["fits"]
        x = client.get(f"/enquiries/{eid}/matches?format=xlsx", headers=staff)
        ws = load_workbook(io.BytesIO(x.content)).active
        assert ws is not None and ws.cell(1, 1).value == "类别" and ws.max_row > 1
        d = client.get(f"/sites/parcel/{ids['p_pipe']}", headers=staff).json()
        assert d["label"] == "P-PIPE" and any(b["kind"] == "drainage" for b in d["blockers"])
        # Estate land: the public sees the parcel and its date, nothing of the case.
        bank = client.get(f"/sites/parcel/{ids['p_bank']}")
        assert bank.status_code == 200, bank.text
        assert set(bank.json()["properties"]) <= set(PUBLIC_FIELDS)
        assert bank.json()["available_from"] == str(dt.date.today() + dt.timedelta(days=30))
        assert [b["kind"] for b in bank.json()["blockers"]] == ["expected"]
        assert "破产" not in bank.text and "淮北某破产企业" not in bank.text
        assert any(s["label"] == "P-BANK" for s in anon["fits"] + anon["near_misses"]), (
            "the public sees estate land in matching too"
        )
        cmp_ = client.get(f"/sites/compare?ids=parcel:{ids['p_pipe']},unit:{ids['u_a']}").json()
        assert len(cmp_["sites"]) == 2 and cmp_["rows"]
        assert client.get("/sites/compare?ids=parcel:1").status_code == 422
        html = client.get(f"/sites/parcel/{ids['p_pipe']}/brochure")
        assert html.status_code == 200 and "<svg" in html.text and "P-PIPE" in html.text
    eng.dispose()


def test_match_overlay_for_the_map(conn: Connection) -> None:
    from parkgis.maps.overlays import match_overlay
    from parkgis.matching.enquiry import create_enquiry, validate_enquiry

    build_park(conn, dt.date.today())
    eid = create_enquiry(conn, validate_enquiry(conn, ENQUIRY))["id"]
    fc = match_overlay(conn, eid, "promotion")
    assert fc["type"] == "FeatureCollection" and fc["features"]
    f = fc["features"][0]
    coords = f["geometry"]["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    lon, lat = coords[:2]
    assert 116 < lon < 117.5 and 33 < lat < 34.5
    assert {"rank", "score", "passed", "blocker_count", "site_kind", "site_id", "label"} <= set(
        f["properties"]
    )


def test_cli_match_prints_a_table(
    committed: tuple[str, dict[str, int], str], tmp_path: Path
) -> None:
    url, _ids, _key = committed
    path = tmp_path / "enquiry.json"
    path.write_text(json.dumps(ENQUIRY, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PARKGIS_DATABASE_URL": url}
    exe = [sys.executable, "-c", "from parkgis.cli import main; main()"]
    out = subprocess.run([*exe, "match", str(path), "--top", "3"], env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert "符合条件的场地" in out.stdout and "P-PIPE" in out.stdout
    subprocess.run([*exe, "enquiries", "add", str(path)], env=env, check=True, capture_output=True)
    listed = subprocess.run(
        [*exe, "enquiries", "list"], env=env, capture_output=True, text=True, check=True
    )
    assert "某机械公司" in listed.stdout
