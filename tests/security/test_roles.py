"""Roles as data: the role table drives routes, services and the row-level security alike.

A new role is one row of the ``role`` table (its capabilities) plus its visibility lines
in the catalogue: the test below adds two, with no code change, and checks that routes,
services and the database policies treat each by its capabilities. Keys: every wrong key
costs exactly one scrypt, whatever its prefix.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from api.app import create_app
from api.deps import route_requirements
from parkgis import access, db
from parkgis.access import matrix
from parkgis.catalogue import load_catalogue
from parkgis.errors import AuthenticationError, ValidationError
from tests.conftest import _create_from_template, _drop
from tests.roles import ROLES

SECURITY_SQL = Path(__file__).resolve().parents[2] / "postgis" / "sql" / "70_security.sql"


def test_role_table_holds_the_roles_under_test(conn: Connection) -> None:
    assert sorted(access.role_codes(conn)) == sorted(ROLES)
    public = access.get_role(conn, access.PUBLIC)
    assert public.capabilities == () and public.pipeline_view == "dates"
    assert access.ANONYMOUS.role == access.PUBLIC
    assert access.get_role(conn, "no-such-role").capabilities == ()


def test_policies_name_capabilities_never_roles() -> None:
    sql = SECURITY_SQL.read_text(encoding="utf-8")
    used = set(re.findall(r"app_can\('+(\w+)'+\)", sql))
    assert used and used <= set(access.CAPABILITIES), used - set(access.CAPABILITIES)
    for code in ROLES:
        literals = re.findall(rf"'{code}'(?!, 'logic')", sql)  # not the schema public
        # Only the default of logic.app_role(): unset settings mean the public role.
        assert len(literals) == (1 if code == access.PUBLIC else 0), (code, literals)


def test_unknown_capability_is_an_error_in_sql_and_python(conn: Connection) -> None:
    with pytest.raises(DBAPIError, match="unknown capability"), conn.begin_nested():
        conn.execute(text("SELECT logic.app_can('sees_everthing')"))
    with pytest.raises(KeyError):
        access.get_role(conn, "admin").can("sees_everthing")


def test_every_route_requirement_names_a_layer_or_capability() -> None:
    found = [req for _, _, req in route_requirements()]
    assert {r.kind for r in found} == {"layer", "capability"}
    for r in found:
        if r.kind == "layer":
            assert r.name in load_catalogue(), r
        else:
            assert r.name in access.CAPABILITIES, r
    paths = {path for _, path, _ in route_requirements()}
    assert {"/cases", "/enquiries", "/imports", "/map/infrastructure"} <= paths


# -- Keys: constant work ------------------------------------------------------------------


def test_every_wrong_key_costs_one_scrypt(conn: Connection, monkeypatch: Any) -> None:
    _, key = access.create_user(conn, "constant-work", "promotion")
    _, revoked = access.create_user(conn, "gone", "promotion")
    access.revoke_user(conn, "gone")
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    wrong = {
        "same prefix as a real key": key[:10] + "x" * (len(key) - 10),
        "no such prefix": "pk_" + "y" * (len(key) - 3),
        "revoked key": revoked,
        "not even a key": "hello",
    }
    for why, candidate in wrong.items():
        calls.clear()
        with pytest.raises(AuthenticationError):
            access.authenticate(conn, candidate)
        assert len(calls) == 1, why
    calls.clear()
    assert access.authenticate(conn, key).name == "constant-work"
    assert access.authenticate(conn, key).name == "constant-work"  # cached: no new hash
    assert len(calls) == 1
    access.users._cache.clear()


# -- A new role: one row, no code change --------------------------------------------------


@pytest.fixture
def demo_copy(demo_template: str) -> Iterator[Engine]:
    """A committed copy of the demo park (new roles and users are committed)."""
    name = _create_from_template(demo_template)
    engine = create_engine(db.database_url(database=name), poolclass=NullPool)
    yield engine
    engine.dispose()
    _drop(name)
    access.roles.clear_cache()
    access.users._cache.clear()


def _add_role(conn: Connection, code: str, label: str, *caps: str, **extra: Any) -> None:
    """The migration row of a new role: every capability said, true or false."""
    values = {c: c in caps for c in access.CAPABILITIES}
    values |= {"task_department": None, "pipeline_view": "dates"} | extra
    names = ", ".join(values)
    binds = ", ".join(f":{n}" for n in values)
    conn.execute(
        text(
            f"INSERT INTO role (code, label_zh, label_en, rank, {names}) "
            f"VALUES (:code, :label, :code, 2, {binds})"
        ),
        {"code": code, "label": label, **values},
    )


def _as(conn: Connection, role: str, court: str | None = None) -> None:
    db.enter_scope(conn, actor="pytest", role=role, court=court)


def test_a_new_role_is_one_row(demo_copy: Engine, monkeypatch: Any) -> None:
    with demo_copy.begin() as conn:
        db.set_actor(conn, "pytest")
        _add_role(conn, "auditor", "审计局", "staff", "sees_all_cases", "screens_land")
        _add_role(
            conn, "liquidator", "破产管理人", "staff", "court_scoped", "writes_cases",
            task_department="court", pipeline_view="cases",
        )  # fmt: skip
        courts = conn.execute(
            text("SELECT court, count(*) FROM bankruptcy_case GROUP BY court ORDER BY 2 DESC")
        ).all()
        total = sum(n for _, n in courts)
        encumbrances = conn.execute(text("SELECT count(*) FROM encumbrance")).scalar()
        court, own = courts[0]
        other = conn.execute(
            text("SELECT id FROM bankruptcy_case WHERE court <> :c LIMIT 1"), {"c": court}
        ).scalar_one()
        mine = conn.execute(
            text("SELECT id FROM bankruptcy_case WHERE court = :c LIMIT 1"), {"c": court}
        ).scalar_one()
        with pytest.raises(ValidationError, match="court"):
            access.create_user(conn, "liq-without-court", "liquidator")
        auditor = {"X-API-Key": access.create_user(conn, "audit-1", "auditor")[1]}
        liquidator = {"X-API-Key": access.create_user(conn, "liq-1", "liquidator", court=court)[1]}
    assert len(courts) > 1 and 0 < own < total

    client = TestClient(create_app(engine=demo_copy))
    # Capability routes follow the row at once.
    assert client.get("/land/idle", headers=auditor).status_code == 200
    assert client.get("/land/idle", headers=liquidator).status_code == 403
    case_in = {"debtor_firm_id": 1, "procedure": "liquidation", "applied_on": "2024-01-02"}
    assert client.post("/cases", json=case_in, headers=auditor).status_code == 403
    # Catalogue routes wait for the role's visibility lines in layers/cases.toml.
    assert client.get("/cases", headers=auditor).status_code == 403
    cases = load_catalogue()["cases"]
    monkeypatch.setitem(
        load_catalogue(),
        "cases",
        dataclasses.replace(cases, roles=(*cases.roles, "auditor", "liquidator")),
    )
    assert len(client.get("/cases", headers=auditor).json()) == total
    seen = client.get("/cases", headers=liquidator).json()
    assert len(seen) == own and {c["court"] for c in seen} == {court}
    assert client.get(f"/cases/{other}", headers=liquidator).status_code == 404
    assert client.get(f"/cases/{mine}", headers=liquidator).status_code == 200
    pipeline = client.get("/release/pipeline", headers=liquidator).json()
    assert pipeline and "case_id" in pipeline[0]

    # The database policies read the same row.
    with demo_copy.connect() as conn:
        _as(conn, "auditor")
        assert conn.execute(text("SELECT count(*) FROM bankruptcy_case")).scalar() == total
        assert conn.execute(text("SELECT count(*) FROM encumbrance")).scalar() == encumbrances
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(
                text(
                    "INSERT INTO case_event (case_id, kind, occurred_on) "
                    "VALUES (:c, 'note', '2024-01-01')"
                ),
                {"c": mine},
            )
    with demo_copy.connect() as conn:
        _as(conn, "liquidator", court)
        assert conn.execute(text("SELECT count(*) FROM bankruptcy_case")).scalar() == own
        upd = "UPDATE bankruptcy_case SET administrator = 'x' WHERE id = :id"
        assert conn.execute(text(upd), {"id": mine}).rowcount == 1
        assert conn.execute(text(upd), {"id": other}).rowcount == 0
        conn.rollback()


def test_docs_role_matrix_is_what_the_code_says(conn: Connection) -> None:
    page = matrix.render(list(access.load_roles(conn).values()), route_requirements())
    written = (Path(__file__).resolve().parents[2] / "docs" / "roles.md").read_text("utf-8")
    assert written == page, "docs/roles.md is stale: parkgis users roles --output docs/roles.md"
    assert "`GET /cases`" in page and "`sees_all_cases`" in page
