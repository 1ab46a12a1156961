"""Keys are hashed, compared in constant time and revocable; every change names its actor."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from tests import park

ROOT = Path(__file__).resolve().parent.parent.parent
ENQUIRY = {"investor_name": "某机械公司", "industry_code": "C34", "site_kind": "either",
           "land_mu_min": 10, "land_mu_max": 20}  # fmt: skip


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARKGIS_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "parkgis.cli", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


def test_keys_are_stored_as_slow_salted_hashes_compared_in_constant_time(fresh_db: str) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        _, key = access.create_user(conn, "hash-check", "promotion")
        stored = conn.execute(text("SELECT key_hash FROM app_user WHERE name = 'hash-check'"))
        key_hash = stored.scalar_one()
    engine.dispose()
    assert key not in key_hash and key[10:] not in key_hash
    salt, _, digest = key_hash.partition("$")
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert access.users._SCRYPT["n"] >= 2**14  # scrypt work factor (OWASP minimum for N)
    assert "compare_digest" in inspect.getsource(access.users._verify)


def test_a_revoked_key_gets_401_once_the_cache_window_has_passed(fresh_db: str) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        _, key = access.create_user(conn, "to-revoke", "promotion")
    headers = {"X-API-Key": key}
    try:
        with TestClient(create_app(engine=engine)) as client:
            assert client.get("/enquiries", headers=headers).status_code == 200
            # Revoked by another process (the CLI): this process only learns it from the
            # database, once its verification cache (access._CACHE_SECONDS) has expired.
            done = _cli(fresh_db, "users", "revoke", "to-revoke")
            assert done.returncode == 0, done.stderr
            access.users._cache.clear()  # the cache window has passed
            response = client.get("/enquiries", headers=headers)
            assert response.status_code == 401
            assert response.headers["content-type"].startswith("application/problem+json")
            assert key not in response.text
            # A key that never existed, or a prefix of a real one, is 401 as well.
            assert client.get("/enquiries", headers={"X-API-Key": key[:12]}).status_code == 401
    finally:
        access.users._cache.clear()
        engine.dispose()


def test_history_names_the_api_user_and_the_cli(fresh_db: str) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        park.zone(conn)
        _, key = access.create_user(conn, "zhaoshang-li", "promotion")
        access.create_user(conn, "leaver", "court", court="烈山区人民法院")
    headers = {"X-API-Key": key}
    try:
        with TestClient(create_app(engine=engine)) as client:
            created = client.post("/enquiries", json=ENQUIRY, headers=headers)
            assert created.status_code == 201, created.text
            eid, version = created.json()["id"], created.json()["version"]
            patched = client.patch(
                f"/enquiries/{eid}", json={"land_mu_min": 12},
                headers={**headers, "If-Match": str(version)},
            )  # fmt: skip
            assert patched.status_code == 200, patched.text
        done = _cli(fresh_db, "users", "revoke", "leaver")
        assert done.returncode == 0, done.stderr
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT table_name, op, actor FROM history "
                    "WHERE table_name IN ('investor_enquiry', 'app_user') ORDER BY id"
                )
            ).all()
    finally:
        access.users._cache.clear()
        engine.dispose()
    api_rows = [(t, op) for t, op, actor in rows if actor == "zhaoshang-li"]
    assert api_rows == [("investor_enquiry", "INSERT"), ("investor_enquiry", "UPDATE")]
    assert ("app_user", "UPDATE", "cli") in rows
    assert all(actor in {"pytest", "zhaoshang-li", "cli"} for _, _, actor in rows)
