"""The CLI as a user runs it: migrate an existing server, issue and revoke keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from parkgis import access
from parkgis.errors import AuthenticationError

ROOT = Path(__file__).resolve().parent.parent


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``parkgis ARGS`` against the database at ``url``."""
    return subprocess.run(
        [sys.executable, "-m", "parkgis.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PARKGIS_DATABASE_URL": url},
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_migrate_is_idempotent_and_status_reports_current(fresh_db: str) -> None:
    first = run(fresh_db, "db", "migrate")
    assert first.returncode == 0, first.stderr
    again = run(fresh_db, "db", "migrate")
    assert again.returncode == 0, again.stderr
    status = run(fresh_db, "db", "status")
    assert "external database" in status.stdout
    assert "(current)" in status.stdout


def test_users_add_list_revoke(fresh_db: str) -> None:
    added = run(fresh_db, "users", "add", "wang", "--role", "land_bureau")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("pk_")
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash FROM app_user WHERE name = 'wang'")).scalar()
        assert key not in stored  # only the hash is stored
        assert access.authenticate(conn, key).role == "land_bureau"
    listed = run(fresh_db, "users", "list")
    assert "wang" in listed.stdout and "active" in listed.stdout
    assert key not in listed.stdout
    revoked = run(fresh_db, "users", "revoke", "wang")
    assert revoked.returncode == 0
    with engine.connect() as conn:
        access.users._cache.clear()
        try:
            access.authenticate(conn, key)
            raise AssertionError("a revoked key still authenticates")
        except AuthenticationError:
            pass
    engine.dispose()


def test_bad_role_is_a_clear_error(fresh_db: str) -> None:
    bad = run(fresh_db, "users", "add", "li", "--role", "mayor")
    assert bad.returncode == 1
    assert "未知角色" in bad.stderr and "mayor" in bad.stderr
    assert "Traceback" not in bad.stderr
