"""Row-level security: the database's own wall around the court's case data (issue 9).

Two parts. First the wall alone: as the request role parkgis_app with the settings the
API sets, plain ``SELECT * FROM bankruptcy_case`` (no WHERE clause at all) returns only
what the caller may see, and writes out of scope are refused by the database. Then the
service: court and department users over HTTP on a copy of the demo park, which has
cases of two courts (烈山区人民法院 and 淮北市中级人民法院).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from api.app import create_app
from api.deps import Conn
from parkgis import access, db
from parkgis.errors import NotFoundError
from parkgis.release import cases
from tests import park
from tests.conftest import _create_from_template, _drop
from tests.serving.test_visibility import tile_of

COURT_A = "烈山区人民法院"
COURT_B = "淮北市中级人民法院"
PROTECTED = ("bankruptcy_case", "case_event", "case_parcel", "auction", "joint_task", "encumbrance")


# --- the wall alone ---------------------------------------------------------------------


@pytest.fixture
def two_courts(conn: Connection) -> dict[str, Any]:
    """Two cases of two courts, each with a parcel, a mortgage, an event, an auction and
    a joint task (tax on case A, hrss on case B); written as the owner, rolled back."""
    ids: dict[str, Any] = {}
    for tag, court, x, dept in (("a", COURT_A, 0, "tax"), ("b", COURT_B, 400, "hrss")):
        firm = park.firm(conn, f"破产测试企业{tag}", status="stopped")
        parcel = park.parcel(conn, f"RLS-{tag}", x, 0, 100, holder_firm_id=firm, status="in_use")
        case = park.insert(
            conn,
            "bankruptcy_case",
            {
                "zone_code": "340604",
                "application_no": f"(2024)皖0604破申9{x + 1}号",
                "court": court,
                "debtor_firm_id": firm,
                "procedure": "liquidation",
                "stage": "application",
                "applied_on": date(2024, 3, 1),
            },
        )
        conn.execute(
            text("INSERT INTO case_parcel (case_id, parcel_id) VALUES (:c, :p)"),
            {"c": case, "p": parcel},
        )
        conn.execute(
            text(
                "INSERT INTO case_event (case_id, kind, occurred_on, stage_to) "
                "VALUES (:c, 'filed', '2024-03-01', 'application')"
            ),
            {"c": case},
        )
        conn.execute(
            text(
                "INSERT INTO auction (case_id, parcel_id, round, appraisal_yuan, "
                "starting_price_yuan, announced_on, auction_on) "
                "VALUES (:c, :p, 1, 1000000, 800000, '2024-05-01', '2024-06-01')"
            ),
            {"c": case, "p": parcel},
        )
        task = park.insert(
            conn,
            "joint_task",
            {
                "case_id": case,
                "kind": "tax_clearance",
                "department_code": dept,
                "title": f"任务{tag}",
                "deadline_on": date(2024, 6, 30),
            },
        )
        conn.execute(
            text(
                "INSERT INTO encumbrance (parcel_id, kind, holder, amount_yuan, registered_on) "
                "VALUES (:p, 'mortgage', :h, 1000000, '2020-01-01')"
            ),
            {"p": parcel, "h": f"抵押银行{tag}"},
        )
        ids[tag] = {"case": case, "parcel": parcel, "task": task, "holder": f"抵押银行{tag}"}
    # A seizure by court A on a parcel of no case: court A's own record.
    other = park.parcel(conn, "RLS-x", 800, 0, 100)
    conn.execute(
        text(
            "INSERT INTO encumbrance (parcel_id, kind, holder, registered_on) "
            "VALUES (:p, 'seizure', :h, '2021-01-01')"
        ),
        {"p": other, "h": COURT_A},
    )
    ids["seizure_parcel"] = other
    return ids


def act(conn: Connection, role: str, court: str | None = None, dept: str | None = None) -> None:
    """Become the request role with the API's settings (as api/deps.py get_conn does)."""
    db.enter_scope(conn, actor=f"pytest-{role}", role=role, court=court, department=dept)


def visible(conn: Connection, table: str, column: str = "case_id") -> set[Any]:
    # No WHERE clause on purpose: the policies alone narrow the rows.
    return set(conn.execute(text(f"SELECT {column} FROM {table}")).scalars())


def test_the_request_role_is_not_the_owner(conn: Connection) -> None:
    assert db.row_security_status(conn)["active"], db.row_security_status(conn)
    act(conn, "admin")
    who = conn.execute(text("SELECT current_user, session_user")).one()
    assert who[0] == db.APP_ROLE and who[1] != db.APP_ROLE
    owner = conn.execute(
        text(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'bankruptcy_case'::regclass"
        )
    ).scalar()
    assert owner != db.APP_ROLE


def test_a_court_sees_its_own_cases_without_any_where_clause(
    conn: Connection, two_courts: dict[str, Any]
) -> None:
    a, b = two_courts["a"], two_courts["b"]
    act(conn, "court", court=COURT_A)
    assert {r.court for r in conn.execute(text("SELECT * FROM bankruptcy_case"))} == {COURT_A}
    assert visible(conn, "bankruptcy_case", "id") == {a["case"]}
    for table in ("case_event", "case_parcel", "auction", "joint_task"):
        assert visible(conn, table) == {a["case"]}, table
    holders = visible(conn, "encumbrance", "holder")
    assert holders == {a["holder"], COURT_A}  # its case's mortgage and its own seizure
    assert visible(conn, "logic.case_parcels", "court") == {COURT_A}
    act(conn, "court", court=COURT_B)
    assert visible(conn, "bankruptcy_case", "id") == {b["case"]}
    assert visible(conn, "encumbrance", "holder") == {b["holder"]}
    act(conn, "court", court=None)  # a court user without a court sees nothing
    assert visible(conn, "bankruptcy_case", "id") == set()


def test_public_and_infrastructure_see_no_row(conn: Connection, two_courts: dict[str, Any]) -> None:
    for role in ("public", "infrastructure"):
        act(conn, role)
        for table in PROTECTED:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, (role, table)
        assert conn.execute(text("SELECT count(*) FROM logic.case_parcels")).scalar() == 0
    # Settings never set (a forgotten get_conn): treated as the public.
    conn.execute(text("SELECT set_config('parkgis.role', '', true)"))
    assert conn.execute(text("SELECT count(*) FROM bankruptcy_case")).scalar() == 0


def test_a_department_sees_the_cases_of_its_tasks_only(
    conn: Connection, two_courts: dict[str, Any]
) -> None:
    a, b = two_courts["a"], two_courts["b"]
    act(conn, "department", dept="tax")
    assert visible(conn, "bankruptcy_case", "id") == {a["case"]}
    assert visible(conn, "joint_task") == {a["case"]}
    assert visible(conn, "encumbrance", "holder") == {a["holder"]}  # never b's mortgagee
    act(conn, "department", dept="hrss")
    assert visible(conn, "bankruptcy_case", "id") == {b["case"]}
    act(conn, "department", dept="ecology")
    for table in PROTECTED:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_roles_that_read_every_case(conn: Connection, two_courts: dict[str, Any]) -> None:
    both = {two_courts["a"]["case"], two_courts["b"]["case"]}
    for role in ("admin", "land_bureau", "promotion"):
        act(conn, role)
        assert visible(conn, "bankruptcy_case", "id") >= both, role
        assert {two_courts["a"]["holder"], two_courts["b"]["holder"]} <= visible(
            conn, "encumbrance", "holder"
        )


def _refused(conn: Connection, sql: str, params: dict[str, Any]) -> str:
    with pytest.raises(DBAPIError) as err, conn.begin_nested():
        conn.execute(text(sql), params)
    assert getattr(err.value.orig, "pgcode", None) == "42501", err.value
    return str(err.value.orig)


def test_writes_out_of_scope_are_refused_by_the_database(
    conn: Connection, two_courts: dict[str, Any]
) -> None:
    a, b = two_courts["a"], two_courts["b"]
    act(conn, "court", court=COURT_B)
    message = _refused(
        conn,
        "INSERT INTO case_event (case_id, kind, occurred_on) VALUES (:c, 'note', '2024-04-01')",
        {"c": a["case"]},
    )
    assert "row-level security" in message
    _refused(
        conn,
        "INSERT INTO bankruptcy_case (zone_code, application_no, court, debtor_firm_id, "
        "procedure, stage, applied_on) SELECT zone_code, '(2024)皖0604破申999号', :court, "
        "debtor_firm_id, procedure, 'application', applied_on FROM bankruptcy_case WHERE id = :c",
        {"court": COURT_A, "c": b["case"]},
    )
    # UPDATE and DELETE of rows the policies hide touch nothing.
    for sql in (
        "UPDATE bankruptcy_case SET administrator = 'x' WHERE id = :c",
        "UPDATE joint_task SET title = 'x' WHERE case_id = :c",
        "DELETE FROM auction WHERE case_id = :c",
        "DELETE FROM encumbrance WHERE parcel_id = :p",
    ):
        assert conn.execute(text(sql), {"c": a["case"], "p": a["parcel"]}).rowcount == 0, sql
    # A court cannot move its own case to another court.
    _refused(
        conn,
        "UPDATE bankruptcy_case SET court = :court WHERE id = :c",
        {"court": COURT_A, "c": b["case"]},
    )
    # Its own case it writes.
    assert (
        conn.execute(
            text("UPDATE bankruptcy_case SET administrator = 'y' WHERE id = :c"), {"c": b["case"]}
        ).rowcount
        == 1
    )


def test_a_department_writes_its_own_tasks_only(
    conn: Connection, two_courts: dict[str, Any]
) -> None:
    a = two_courts["a"]
    other = park.insert(
        conn,
        "joint_task",
        {
            "case_id": a["case"],
            "kind": "worker_resettlement",
            "department_code": "hrss",
            "title": "职工安置",
            "deadline_on": date(2024, 6, 30),
        },
    )
    act(conn, "department", dept="tax")
    assert visible(conn, "joint_task", "id") == {a["task"], other}  # both tasks of its case
    update = "UPDATE joint_task SET evidence = 'x' WHERE id = :t"
    assert conn.execute(text(update), {"t": other}).rowcount == 0
    assert conn.execute(text(update), {"t": a["task"]}).rowcount == 1
    _refused(conn, "UPDATE joint_task SET department_code = 'hrss' WHERE id = :t", {"t": a["task"]})
    assert (
        conn.execute(
            text("UPDATE bankruptcy_case SET administrator = 'x' WHERE id = :c"), {"c": a["case"]}
        ).rowcount
        == 0
    )
    # The expected release date of its case moves through the narrow definer function.
    assert conn.execute(
        text("SELECT logic.set_expected_release(:c, '2025-01-01')"), {"c": a["case"]}
    ).scalar()
    _refused(
        conn,
        "SELECT logic.set_expected_release(:c, '2025-01-01')",
        {"c": two_courts["b"]["case"]},
    )


def test_the_service_layer_agrees_without_its_own_checks(
    conn: Connection, two_courts: dict[str, Any]
) -> None:
    """parkgis.release called with no scope check at all: the wall answers 'no such case'."""
    act(conn, "court", court=COURT_B)
    with pytest.raises(NotFoundError):
        cases.get_case(conn, two_courts["a"]["case"])
    with pytest.raises(NotFoundError):
        cases.advance_case(conn, two_courts["a"]["case"], "accepted", date(2024, 3, 10), 1)
    assert [c["id"] for c in cases.list_cases(conn)] == [two_courts["b"]["case"]]


def test_history_and_keys_are_walled_too(conn: Connection, two_courts: dict[str, Any]) -> None:
    access.create_user(conn, "rls-court", "court", court=COURT_A)
    act(conn, "court", court=COURT_A)
    tables = visible(conn, "history", "table_name")
    assert tables and not tables & set(PROTECTED) and "app_user" not in tables
    _refused(conn, "SELECT key_hash FROM app_user", {})
    _refused(conn, "DELETE FROM history", {})
    act(conn, "land_bureau")
    assert set(PROTECTED) & visible(conn, "history", "table_name")
    assert "app_user" not in visible(conn, "history", "table_name")


def test_the_public_pipeline_gets_dates_and_nothing_else(
    conn: Connection, two_courts: dict[str, Any]
) -> None:
    conn.execute(
        text("UPDATE bankruptcy_case SET expected_release_on = '2025-09-30' WHERE id = :c"),
        {"c": two_courts["a"]["case"]},
    )
    act(conn, "public")
    rows = conn.execute(text("SELECT * FROM logic.case_release_dates()")).mappings().all()
    assert {r["parcel_id"] for r in rows} >= {two_courts["a"]["parcel"], two_courts["b"]["parcel"]}
    assert set(rows[0]) == {"parcel_id", "expected_release_on"}


def test_without_createrole_the_migration_step_does_not_fail(conn: Connection) -> None:
    """A user without CREATEROLE (an external server) runs the role step: no error."""
    weak = f"parkgis_weak_{uuid.uuid4().hex[:8]}"
    conn.execute(text(f'CREATE ROLE "{weak}" NOLOGIN NOCREATEROLE'))  # rolled back with the test
    conn.execute(text(f'GRANT USAGE ON SCHEMA logic TO "{weak}"'))
    conn.execute(text(f"SELECT set_config('role', '{weak}', true)"))
    missing = f"parkgis_missing_{uuid.uuid4().hex[:8]}"
    assert conn.execute(text("SELECT logic.ensure_app_role(:r)"), {"r": missing}).scalar() == (
        "cannot create"
    )
    assert conn.execute(text("SELECT logic.ensure_app_role(:r)"), {"r": db.APP_ROLE}).scalar() == (
        "not a member"
    )
    conn.execute(text("RESET ROLE"))
    assert conn.execute(text("SELECT to_regrole(:r)"), {"r": missing}).scalar() is None
    status = db.row_security_status(conn, missing)
    assert not status["active"] and "CREATEROLE" in status["reason"]


def test_status_names_tables_without_policies(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE encumbrance DISABLE ROW LEVEL SECURITY"))
    status = db.row_security_status(conn)
    assert not status["active"] and "encumbrance" in status["reason"]


def test_the_security_file_can_be_run_again(conn: Connection) -> None:
    """Rebuilt after every migration: a second run recreates the policies, no error."""
    db.rebuild_sql(conn)
    db.rebuild_sql(conn)
    assert db.row_security_status(conn)["active"]
    n = conn.execute(
        text("SELECT count(*) FROM pg_policy WHERE polrelid = 'bankruptcy_case'::regclass")
    ).scalar()
    assert n == 4


# --- the service over HTTP, on the demo park ---------------------------------------------


@dataclass
class Demo:
    engine: Engine
    client: TestClient
    keys: dict[str, dict[str, str]]
    case_a: int  # a case of court A
    case_b: int  # the case of court B
    dept: str  # a department with a task in some case but not in case_dept_out
    case_dept_in: int
    case_dept_out: int
    holders_out: set[str]  # encumbrance holders on case_dept_out's parcels only


@pytest.fixture(scope="module")
def demo(demo_template: str) -> Iterator[Demo]:
    name = _create_from_template(demo_template)
    engine = create_engine(db.database_url(database=name), poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        courts = dict(
            conn.execute(text("SELECT court, min(id) FROM bankruptcy_case GROUP BY court")).all()
        )
        assert set(courts) == {COURT_A, COURT_B}, "the demo park has cases of two courts"
        dept, case_in, case_out = conn.execute(
            text(
                "SELECT t.department_code, min(t.case_id), (SELECT min(c.id) FROM "
                "bankruptcy_case c WHERE NOT EXISTS (SELECT 1 FROM joint_task x WHERE "
                "x.case_id = c.id AND x.department_code = t.department_code) AND EXISTS "
                "(SELECT 1 FROM case_parcel cp JOIN encumbrance e ON e.parcel_id = "
                "cp.parcel_id WHERE cp.case_id = c.id)) FROM joint_task t "
                "GROUP BY t.department_code ORDER BY count(DISTINCT t.case_id), 1 LIMIT 1"
            )
        ).one()
        # Mortgage holders are unique strings, so a leak would show in any body.
        conn.execute(
            text(
                "UPDATE encumbrance SET holder = 'RLSHOLDER' || id WHERE kind = 'mortgage' "
                "AND parcel_id IN (SELECT parcel_id FROM case_parcel WHERE case_id = :out)"
            ),
            {"out": case_out},
        )
        holders_out = {
            h
            for h in conn.execute(
                text(
                    "SELECT e.holder FROM encumbrance e JOIN case_parcel cp ON cp.parcel_id = "
                    "e.parcel_id WHERE cp.case_id = :out AND e.kind = 'mortgage'"
                ),
                {"out": case_out},
            ).scalars()
        }
        keys = {
            "court_a": access.create_user(conn, "rls-court-a", "court", court=COURT_A)[1],
            "court_b": access.create_user(conn, "rls-court-b", "court", court=COURT_B)[1],
            "dept": access.create_user(conn, "rls-dept", "department", dept)[1],
            "admin": access.create_user(conn, "rls-admin", "admin")[1],
        }
    app = create_app(engine=engine)
    with TestClient(app) as client:
        yield Demo(
            engine,
            client,
            {k: {"X-API-Key": v} for k, v in keys.items()},
            courts[COURT_A],
            courts[COURT_B],
            dept,
            case_in,
            case_out,
            holders_out,
        )
    access.users._cache.clear()
    engine.dispose()
    _drop(name)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    return dict(body)


def test_readyz_says_row_security_is_active(demo: Demo) -> None:
    body = demo.client.get("/readyz").json()
    assert body["status"] == "ok" and body["row_security"] == "active"


def test_a_court_gets_404_for_another_courts_case(demo: Demo) -> None:
    c, k = demo.client, demo.keys
    for fmt in ("html", "xlsx"):
        url = f"/cases/{demo.case_b}/dossier?format={fmt}"
        missing = _problem(c.get(url, headers=k["court_a"]), 404)
        assert missing["message"] == f"没有编号为 {demo.case_b} 的案件"  # same as a missing case
        assert c.get(url, headers=k["court_b"]).status_code == 200
    _problem(c.get(f"/cases/{demo.case_b}", headers=k["court_a"]), 404)
    _problem(c.get(f"/cases/{demo.case_a}", headers=k["court_b"]), 404)
    listed_a = {x["court"] for x in c.get("/cases", headers=k["court_a"]).json()}
    assert listed_a == {COURT_A}
    listed_b = c.get("/cases", headers=k["court_b"]).json()
    assert [x["id"] for x in listed_b] == [demo.case_b]
    assert {x["court"] for x in c.get("/cases", headers=k["admin"]).json()} == {COURT_A, COURT_B}


def _case_features(demo: Demo, who: str) -> list[dict[str, Any]]:
    body = demo.client.get(
        "/collections/cases/items", params={"limit": 1000}, headers=demo.keys[who]
    ).json()
    assert body["numberMatched"] == len(body["features"])
    return list(body["features"])


def test_a_court_sees_only_its_cases_in_items_tiles_and_exports(demo: Demo) -> None:
    c, k = demo.client, demo.keys
    a = _case_features(demo, "court_a")
    b = _case_features(demo, "court_b")
    assert a and {f["properties"]["court"] for f in a} == {COURT_A}
    assert b and {f["properties"]["court"] for f in b} == {COURT_B}
    assert c.get(f"/collections/cases/items/{b[0]['id']}", headers=k["court_a"]).status_code == 404
    assert c.get(f"/collections/cases/items/{b[0]['id']}", headers=k["court_b"]).status_code == 200
    exported = c.get("/exports/cases.geojson", headers=k["court_a"])
    assert exported.status_code == 200 and COURT_B not in exported.text
    # Tiles: court B's parcel's tile, asked first by court B (so it is cached), then by A.
    with demo.engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(p.geom), "
                "4326) c FROM parcel p JOIN case_parcel cp ON cp.parcel_id = p.id "
                "WHERE cp.case_id = :c LIMIT 1) s"
            ),
            {"c": demo.case_b},
        ).one()
    z, x, y = tile_of(lon, lat, 15)
    url = f"/collections/cases/tiles/WebMercatorQuad/{z}/{x}/{y}"
    seen_b = mapbox_vector_tile.decode(c.get(url, headers=k["court_b"]).content)
    assert any(
        f["properties"]["court"] == COURT_B for f in seen_b.get("cases", {}).get("features", [])
    )
    tile_a = c.get(url, headers=k["court_a"])
    assert tile_a.status_code in (200, 204)
    seen_a = mapbox_vector_tile.decode(tile_a.content) if tile_a.content else {}
    courts_a = {f["properties"]["court"] for f in seen_a.get("cases", {}).get("features", [])}
    assert COURT_B not in courts_a
    assert tile_a.headers.get("etag") != c.get(url, headers=k["court_b"]).headers.get("etag")


def test_a_department_without_a_task_gets_404_and_never_a_holder(demo: Demo) -> None:
    c, k = demo.client, demo.keys
    assert demo.holders_out
    for fmt in ("html", "xlsx"):
        _problem(c.get(f"/cases/{demo.case_dept_out}/dossier?format={fmt}", headers=k["dept"]), 404)
    _problem(c.get(f"/cases/{demo.case_dept_out}", headers=k["dept"]), 404)
    own = c.get(f"/cases/{demo.case_dept_in}/dossier", headers=k["dept"])
    assert own.status_code == 200
    bodies = [own.text]
    for url in (
        "/cases",
        "/tasks",
        f"/cases/{demo.case_dept_in}",
        "/collections/cases/items?limit=1000",
        "/exports/joint_tasks.csv",
        "/release/pipeline",
    ):
        response = c.get(url, headers=k["dept"])
        assert response.status_code == 200, (url, response.text)
        bodies.append(response.text)
    assert c.get("/exports/encumbrances.csv", headers=k["dept"]).status_code == 403
    listed = {x["id"] for x in c.get("/cases", headers=k["dept"]).json()}
    assert demo.case_dept_in in listed and demo.case_dept_out not in listed
    for holder in demo.holders_out:
        assert all(holder not in body for body in bodies), holder
    exported = c.get("/exports/joint_tasks.csv", headers=k["dept"]).text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows and {r["department_code"] for r in rows} == {demo.dept}


def test_writes_out_of_scope_are_refused_with_a_clear_problem(demo: Demo) -> None:
    c, k = demo.client, demo.keys
    with demo.engine.connect() as conn:
        version = conn.execute(
            text("SELECT version FROM bankruptcy_case WHERE id = :c"), {"c": demo.case_a}
        ).scalar()
        task_a = conn.execute(
            text("SELECT id, version FROM joint_task WHERE case_id = :c ORDER BY id LIMIT 1"),
            {"c": demo.case_a},
        ).one()
    event = {"stage": "closed", "on": "2026-11-30", "details": {"closing_outcome": "other"}}
    headers = {**k["court_b"], "If-Match": f'"{version}"'}
    body = _problem(c.post(f"/cases/{demo.case_a}/events", json=event, headers=headers), 404)
    assert body["field"] == "case_id"
    auction = {
        "parcel_id": 1,
        "appraisal_yuan": 1e6,
        "starting_price_yuan": 8e5,
        "announced_on": "2026-12-01",
        "auction_on": "2027-01-05",
    }
    _problem(c.post(f"/cases/{demo.case_a}/auctions", json=auction, headers=k["court_b"]), 404)
    patch = {"evidence": "x"}
    _problem(
        c.patch(
            f"/tasks/{task_a.id}",
            json=patch,
            headers={**k["court_b"], "If-Match": f'"{task_a.version}"'},
        ),
        404,
    )
    new_case = {
        "debtor_firm_id": 1,
        "court": COURT_A,
        "procedure": "liquidation",
        "applied_on": "2026-11-20",
        "application_no": "(2026)皖06破申77号",
    }
    refused = _problem(c.post("/cases", json=new_case, headers=k["court_b"]), 403)
    assert refused["field"] == "court" and COURT_B in refused["message"]
    with demo.engine.connect() as conn:
        after = conn.execute(
            text("SELECT version FROM bankruptcy_case WHERE id = :c"), {"c": demo.case_a}
        ).scalar()
        assert after == version
        assert not conn.execute(
            text("SELECT 1 FROM bankruptcy_case WHERE application_no = '(2026)皖06破申77号'")
        ).scalar()


def test_a_write_only_the_database_refuses_is_a_403_not_a_500(demo: Demo) -> None:
    """A route that forgot its check: the policy refuses, the answer is problem+json 403."""
    app: FastAPI = create_app(engine=demo.engine)

    @app.post("/_forgetful/{case_id}")
    def forgetful(conn: Conn, case_id: int) -> dict[str, Any]:
        conn.execute(
            text(
                "INSERT INTO case_event (case_id, kind, occurred_on) "
                "VALUES (:c, 'note', '2026-11-30')"
            ),
            {"c": case_id},
        )
        return {"ok": True}

    with TestClient(app, raise_server_exceptions=False) as client:
        body = _problem(
            client.post(f"/_forgetful/{demo.case_a}", headers=demo.keys["court_b"]), 403
        )
        assert "数据库拒绝" in body["message"] and "refused" in body["message_en"]
        assert client.post(f"/_forgetful/{demo.case_b}", headers=demo.keys["court_b"]).json() == {
            "ok": True
        }
    with demo.engine.begin() as conn:
        # The history names the API user, not the request role (logic.actor()).
        actor = conn.execute(
            text(
                "SELECT actor FROM history WHERE table_name = 'case_event' AND op = 'INSERT' "
                "ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
        assert actor == "rls-court-b"
        db.set_actor(conn, "pytest")
        conn.execute(
            text("DELETE FROM case_event WHERE kind = 'note' AND case_id = :c"), {"c": demo.case_b}
        )
