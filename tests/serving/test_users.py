"""``parkgis users add|list|revoke``: the key is printed once and stored only as a hash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from parkgis import access
from parkgis.errors import AuthenticationError, ValidationError

PARKGIS = str(Path(sys.executable).with_name("parkgis"))


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARKGIS_DATABASE_URL": url}
    return subprocess.run([PARKGIS, "users", *args], env=env, capture_output=True, text=True)


def test_add_list_revoke_through_the_cli(fresh_db: str) -> None:
    added = _cli(fresh_db, "add", "wang_li", "--role", "land_bureau")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("pk_") and len(key) > 30
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT key_prefix, key_hash FROM app_user")).one()
        history = conn.execute(
            text("SELECT after::text FROM history WHERE table_name = 'app_user'")
        )
        assert key not in stored.key_hash and key.startswith(stored.key_prefix)
        assert all(key not in h and stored.key_hash not in h for h in history.scalars())
        assert access.authenticate(conn, key).role == "land_bureau"
    listed = _cli(fresh_db, "list")
    assert "wang_li" in listed.stdout and "land_bureau" in listed.stdout
    assert key not in listed.stdout and "active" in listed.stdout
    duplicate = _cli(fresh_db, "add", "wang_li", "--role", "court", "--court", "烈山区人民法院")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    assert _cli(fresh_db, "add", "x", "--role", "mayor").returncode == 1  # unknown role
    revoked = _cli(fresh_db, "revoke", "wang_li")
    assert revoked.returncode == 0, revoked.stderr
    access.users._cache.clear()
    with engine.connect() as conn, pytest.raises(AuthenticationError):
        access.authenticate(conn, key)
    assert "revoked" in _cli(fresh_db, "list").stdout
    engine.dispose()


def test_department_role_needs_a_department(conn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        access.create_user(conn, "zhao", "department")
    assert err.value.field == "department_code"
    user, key = access.create_user(conn, "zhao", "department", "tax")
    assert access.authenticate(conn, key) == user


def test_court_role_needs_a_court(fresh_db: str) -> None:
    missing = _cli(fresh_db, "add", "judge_wu", "--role", "court")
    assert missing.returncode == 1
    assert "角色必须指定所属法院" in missing.stderr and "--court" in missing.stderr
    added = _cli(fresh_db, "add", "judge_wu", "--role", "court", "--court", "烈山区人民法院")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert "烈山区人民法院" in _cli(fresh_db, "list").stdout
    not_a_court = _cli(fresh_db, "add", "li", "--role", "promotion", "--court", "烈山区人民法院")
    assert not_a_court.returncode == 1 and "only a court's roles have a court" in not_a_court.stderr
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.connect() as conn:
        user = access.authenticate(conn, key)
        assert (user.role, user.court, user.scope) == (
            "court",
            "烈山区人民法院",
            "court:烈山区人民法院",
        )
        with pytest.raises(Exception, match="a court is required"):  # the database agrees
            conn.execute(
                text(
                    "INSERT INTO app_user (name, role, key_prefix, key_hash) "
                    "VALUES ('x', 'court', 'pk_xxxxxxx', 'h')"
                )
            )
    engine.dispose()
