"""One transaction per request and per command: a failure anywhere leaves nothing behind.

The import is killed with SIGKILL while it writes (the process, not an exception); case
events, task updates and repair plans fail after part of their work (an injected database
fault, a file that cannot be written) and the database is as it was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from tests import park
from tests.conftest import _create_from_template, _drop
from tests.release.helpers import bankrupt_park
from tests.test_cli import ROOT, run

BIG = 200_000
COUNTS = ("parcel", "history", "import_run", "layer_change", "case_event", "joint_task")


def _state(conn: Connection) -> dict[str, Any]:
    """Row counts and the last history id: what a half-written change would alter."""
    out: dict[str, Any] = {
        t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTS
    }
    out["max_history"] = conn.execute(text("SELECT max(id) FROM history")).scalar()
    out["repair_plan"] = conn.execute(text("SELECT count(*) FROM repair_plan")).scalar_one()
    return out


def _big_gpkg(path: Path) -> Path:
    """``BIG`` 10 m square parcels on a grid inside Lieshan (EPSG:4548)."""
    side = int(np.ceil(np.sqrt(BIG)))
    i = np.arange(BIG)
    x0 = park.ORIGIN_X - 2000 + (i % side) * 10.0
    y0 = park.ORIGIN_Y - 2000 + (i // side) * 10.0
    geoms = shapely.box(x0, y0, x0 + 9.0, y0 + 9.0)
    frame = gpd.GeoDataFrame(
        {
            "DKBH": [f"BIG-{n:06d}" for n in i],
            "TDYT": "工业用地",
            "TDZT": "净地",
        },
        geometry=geoms,
        crs="EPSG:4548",
    )
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    return path


def _backends(url: str) -> int:
    """Other sessions on the database of ``url``."""
    admin = create_engine(db.database_url(database="postgres"), poolclass=NullPool)
    with admin.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d"),
            {"d": make_url(url).database},
        ).scalar_one()
    admin.dispose()
    return int(n)


def _writing(url: str) -> bool:
    """Whether a session on ``url`` is running the import's COPY or INSERT."""
    admin = create_engine(db.database_url(database="postgres"), poolclass=NullPool)
    with admin.connect() as conn:
        n = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND state = 'active' "
                "AND backend_xid IS NOT NULL AND (query ILIKE 'COPY%' OR query ILIKE 'INSERT%')"
            ),
            {"d": make_url(url).database},
        ).scalar_one()
    admin.dispose()
    return bool(n)


def test_killed_import_leaves_the_database_unchanged(fresh_db: str, tmp_path: Path) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "setup")
        park.parcel(conn, "LS-01", 0, 0, 100)
    with engine.connect() as conn:
        before = _state(conn)
    source = _big_gpkg(tmp_path / "big.gpkg")
    proc = subprocess.Popen(
        [sys.executable, "-m", "parkgis.cli", "import", "parcels", str(source)],
        env={**os.environ, "PARKGIS_DATABASE_URL": fresh_db},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while not _writing(fresh_db):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.05)
        time.sleep(0.2)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 120
    while _backends(fresh_db) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _backends(fresh_db) == 0, "the killed import's session never ended"
    with engine.connect() as conn:
        after = _state(conn)
        plots = conn.execute(text("SELECT count(*) FROM parcel WHERE plot_no LIKE 'BIG-%'"))
        assert plots.scalar_one() == 0
    engine.dispose()
    assert after == before


@pytest.fixture
def api(fresh_db: str) -> Iterator[dict[str, Any]]:
    """A committed case with a parcel, court and admin keys, and a client."""
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "setup")
        p = bankrupt_park(conn)
        keys = {
            role: {"X-API-Key": access.create_user(conn, name, role, court=court)[1]}
            for name, role, court in (
                ("court1", "court", "烈山区人民法院"),
                ("root", "admin", None),
            )
        }
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    with client:
        yield {"client": client, "keys": keys, "case": p["case"]["id"], "engine": engine}
    engine.dispose()


def _fault(conn: Connection, table: str, event: str) -> None:
    """Make every ``event`` on ``table`` fail: a fault in the middle of a change."""
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION public.test_fault() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$"
        )
    )
    conn.execute(
        text(
            f"CREATE TRIGGER test_fault BEFORE {event} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION public.test_fault()"
        )
    )


def _no_fault(conn: Connection, table: str) -> None:
    conn.execute(text(f"DROP TRIGGER test_fault ON {table}"))


def _snapshot(conn: Connection, case_id: int) -> dict[str, Any]:
    case = conn.execute(
        text("SELECT to_jsonb(c) FROM bankruptcy_case c WHERE id = :id"), {"id": case_id}
    ).scalar_one()
    tasks = conn.execute(
        text("SELECT to_jsonb(t) FROM joint_task t WHERE case_id = :id ORDER BY id"),
        {"id": case_id},
    ).scalars()
    return {"case": case, "tasks": list(tasks), **_state(conn)}


def test_case_event_failing_after_partial_work_writes_nothing(api: dict[str, Any]) -> None:
    c, k, cid, engine = api["client"], api["keys"], api["case"], api["engine"]
    event = {"stage": "accepted", "on": "2024-03-10", "details": {"case_no": "(2024)皖0604破3号"}}
    with engine.begin() as conn:
        # The case row is updated and the event inserted before the tasks fail.
        _fault(conn, "joint_task", "INSERT")
    with engine.connect() as conn:
        before = _snapshot(conn, cid)
    version = f'"{before["case"]["version"]}"'
    r = c.post(f"/cases/{cid}/events", json=event, headers={**k["court"], "If-Match": version})
    assert r.status_code == 500
    with engine.connect() as conn:
        assert _snapshot(conn, cid) == before
    with engine.begin() as conn:
        _no_fault(conn, "joint_task")
    r = c.post(f"/cases/{cid}/events", json=event, headers={**k["court"], "If-Match": version})
    assert r.status_code == 200, r.text
    with engine.begin() as conn:
        # A task set done, then the case's expected release date fails to refresh.
        _fault(conn, "bankruptcy_case", "UPDATE")
    with engine.connect() as conn:
        before = _snapshot(conn, cid)
    task = before["tasks"][0]
    r = c.patch(
        f"/tasks/{task['id']}",
        json={"status": "done", "evidence": "解封裁定书"},
        headers={**k["admin"], "If-Match": f'"{task["version"]}"'},
    )
    assert r.status_code == 500
    with engine.connect() as conn:
        after = _snapshot(conn, cid)
    assert after == before and after["tasks"][0]["status"] == "open"


def test_cli_case_advance_failing_midway_writes_nothing(api: dict[str, Any], fresh_db: str) -> None:
    engine, cid = api["engine"], api["case"]
    with engine.begin() as conn:
        _fault(conn, "case_event", "INSERT")
    with engine.connect() as conn:
        before = _snapshot(conn, cid)
    done = run(
        fresh_db,
        "cases",
        "advance",
        str(cid),
        "accepted",
        "--on",
        "2024-03-10",
        "--detail",
        "case_no=(2024)皖0604破3号",
    )
    assert done.returncode != 0 and "injected fault" in done.stderr
    with engine.connect() as conn:
        assert _snapshot(conn, cid) == before


@pytest.fixture
def demo_copy(demo_template: str) -> Iterator[str]:
    """A committed copy of the demo park for one test."""
    name = _create_from_template(demo_template)
    yield db.database_url(database=name)
    _drop(name)


def test_repair_plan_failing_after_writing_leaves_no_plan(demo_copy: str, tmp_path: Path) -> None:
    engine = create_engine(demo_copy, poolclass=NullPool)
    with engine.connect() as conn:
        before = _state(conn)
    missing = tmp_path / "no" / "such" / "folder" / "plan.xlsx"
    failed = run(demo_copy, "repairs", "plan", "--budget", "5000000", "--xlsx", str(missing))
    assert failed.returncode != 0 and "No such file" in failed.stderr
    with engine.connect() as conn:
        assert _state(conn) == before
    with engine.begin() as conn:
        _fault(conn, "repair_plan_item", "INSERT")
    key_engine = create_engine(demo_copy, poolclass=NullPool)
    with key_engine.begin() as conn:
        key = access.create_user(conn, "pipes", "infrastructure")[1]
    with engine.connect() as conn:
        before = _state(conn)
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        r = client.post("/repairs/plan", json={"budget": 5_000_000}, headers={"X-API-Key": key})
    assert r.status_code == 500
    with engine.connect() as conn:
        assert _state(conn) == before
    faulty = run(demo_copy, "repairs", "plan", "--budget", "5000000")
    assert faulty.returncode != 0 and "injected fault" in faulty.stderr
    with engine.connect() as conn:
        assert _state(conn) == before
    with engine.begin() as conn:
        _no_fault(conn, "repair_plan_item")
    assert run(demo_copy, "repairs", "plan", "--budget", "5000000").returncode == 0
    with engine.connect() as conn:
        assert _state(conn)["repair_plan"] == before["repair_plan"] + 1
    key_engine.dispose()
    engine.dispose()
