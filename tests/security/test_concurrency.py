"""Fifty concurrent writers on one parcel and on one case's joint task lose no update.

A real uvicorn server on the committed ``fresh_db`` and 50 threads, each with its own
HTTP client, do read-modify-write with ``If-Match``: each appends its token to a field,
retrying on 412 with the fresh version. At the end every token is present once, the
versions ran 1..51 without gaps and the history holds each successful write exactly once,
in order, chained before -> after.
"""

from __future__ import annotations

import itertools
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, create_engine, text

from api.app import create_app
from parkgis import access, db
from parkgis.access import User
from parkgis.errors import StaleVersionError
from parkgis.release.cases import advance_case
from parkgis.release.tasks import get_task, update_task
from tests import park
from tests.release.helpers import bankrupt_park

WRITERS = 50


@pytest.fixture
def server(fresh_db: str) -> Iterator[dict[str, Any]]:
    """A live server on a committed database with a parcel, a case and its joint tasks."""
    setup = create_engine(fresh_db)
    with setup.begin() as conn:
        db.set_actor(conn, "setup")
        p = bankrupt_park(conn)
        case = p["case"]
        advance_case(
            conn,
            case["id"],
            "accepted",
            date(2024, 3, 10),
            case["version"],
            {"case_no": "(2024)皖0604破3号"},
        )
        parcel = park.parcel(conn, "LS-50", 1000, 0, 100, name="")
        keys = {}
        for name, role in (("lb", "land_bureau"), ("root", "admin")):
            keys[role] = {"X-API-Key": access.create_user(conn, name, role)[1]}
    setup.dispose()
    engine = db.make_engine(fresh_db, pool_size=30, max_overflow=20, pool_timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(engine=engine), host="127.0.0.1", port=port, log_level="warning", ws="none"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    reader = create_engine(fresh_db, pool_size=10)
    try:
        yield {
            "base": f"http://127.0.0.1:{port}",
            "keys": keys,
            "parcel": parcel,
            "case": case["id"],
            "reader": reader,
        }
    finally:
        srv.should_exit = True
        thread.join(30)
        reader.dispose()
        engine.dispose()


def _hammer(attempt: Callable[[httpx.Client, str], httpx.Response | None], base: str) -> dict:
    """Run 50 writers at once; each retries ``attempt`` until it succeeds; return stats."""
    barrier = threading.Barrier(WRITERS)

    def writer(i: int) -> dict[str, Any]:
        token = f"w{i:02d};"
        retries = 0
        with httpx.Client(base_url=base, timeout=120) as client:
            barrier.wait()
            while True:
                r = attempt(client, token)
                assert r is not None
                if r.status_code == 200:
                    return {"token": token, "etag": r.headers["ETag"], "retries": retries}
                assert r.status_code == 412, r.text
                assert r.headers["content-type"].startswith("application/problem+json")
                retries += 1
                assert retries < 2000
                time.sleep(random.uniform(0, 0.02))

    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(writer, range(WRITERS)))
    return {"results": results, "retries": sum(r["retries"] for r in results)}


def _check_history(reader: Engine, table: str, row_id: int, column: str, final: str) -> None:
    """Versions 2..51 in history order, each once, each write chained to the one before."""
    with reader.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT before, after FROM history WHERE table_name = :t "
                "AND row_key = jsonb_build_object('id', CAST(:id AS bigint)) AND op = 'UPDATE' "
                "AND before->>:c IS DISTINCT FROM after->>:c ORDER BY id"
            ),
            {"t": table, "id": row_id, "c": column},
        ).all()
        current = conn.execute(
            text(f"SELECT version FROM {table} WHERE id = :id"), {"id": row_id}
        ).scalar_one()
    assert [r.after["version"] for r in rows] == list(range(2, WRITERS + 2))
    assert current == WRITERS + 1
    for prev, row in itertools.pairwise(rows):
        assert row.before == prev.after
    assert rows[0].before["version"] == 1 and (rows[0].before[column] or "") == ""
    assert rows[-1].after[column] == final
    appended = [r.after[column][len(r.before[column] or "") :] for r in rows]
    assert sorted(appended) == sorted(f"w{i:02d};" for i in range(WRITERS))


def test_fifty_writers_on_one_parcel(server: dict[str, Any]) -> None:
    url = f"/collections/parcels/items/{server['parcel']}"
    headers = server["keys"]["land_bureau"]

    def attempt(client: httpx.Client, token: str) -> httpx.Response:
        with server["reader"].connect() as conn:
            name, version = conn.execute(
                text("SELECT name, version FROM parcel WHERE id = :id"), {"id": server["parcel"]}
            ).one()
        return client.patch(
            url,
            json={"name": (name or "") + token},
            headers={**headers, "If-Match": f'"{version}"'},
        )

    stats = _hammer(attempt, server["base"])
    etags = sorted(int(r["etag"].strip('"')) for r in stats["results"])
    assert etags == list(range(2, WRITERS + 2))
    with server["reader"].connect() as conn:
        final = conn.execute(
            text("SELECT name FROM parcel WHERE id = :id"), {"id": server["parcel"]}
        ).scalar_one()
    assert sorted(t for t in final.split(";") if t) == [f"w{i:02d}" for i in range(WRITERS)]
    _check_history(server["reader"], "parcel", server["parcel"], "name", final)


def test_fifty_writers_on_one_case_task(server: dict[str, Any], fresh_db: str) -> None:
    """Threads, each with its own connection, through the service behind ``PATCH /tasks``.

    (The HTTP variant is the next test: it once starved the thread pool, fixed in
    ``api.deps.Conn`` by committing before serialisation and capping transactions.)
    """
    with server["reader"].connect() as conn:
        task_id = conn.execute(
            text("SELECT min(id) FROM joint_task WHERE case_id = :c"), {"c": server["case"]}
        ).scalar_one()
    engine = create_engine(fresh_db, pool_size=WRITERS)
    barrier = threading.Barrier(WRITERS)
    admin = User(name="root", role="admin")

    def writer(i: int) -> int:
        token = f"w{i:02d};"
        barrier.wait()
        for _ in range(5000):
            with engine.connect() as conn:
                trans = conn.begin()
                db.set_actor(conn, f"writer{i:02d}")
                task = get_task(conn, task_id)
                try:
                    done = update_task(
                        conn,
                        task_id,
                        task["version"],
                        admin,
                        {"evidence": (task["evidence"] or "") + token},
                    )
                except StaleVersionError:
                    trans.rollback()
                    time.sleep(random.uniform(0, 0.01))
                    continue
                trans.commit()
                return int(done["version"])
        raise AssertionError("writer never got through")

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            versions = sorted(pool.map(writer, range(WRITERS)))
    finally:
        engine.dispose()
    assert versions == list(range(2, WRITERS + 2))
    with server["reader"].connect() as conn:
        final = conn.execute(
            text("SELECT evidence FROM joint_task WHERE id = :id"), {"id": task_id}
        ).scalar_one()
        actors = conn.execute(
            text(
                "SELECT count(DISTINCT actor) FROM history WHERE table_name = 'joint_task' "
                "AND op = 'UPDATE' AND actor LIKE 'writer%'"
            )
        ).scalar_one()
    assert actors == WRITERS
    assert sorted(t for t in final.split(";") if t) == [f"w{i:02d}" for i in range(WRITERS)]
    _check_history(server["reader"], "joint_task", task_id, "evidence", final)


def test_fifty_http_writers_on_one_case_task(server: dict[str, Any]) -> None:
    """The same over ``PATCH /tasks/{id}``: no thread-pool starvation, no lost update."""
    with server["reader"].connect() as conn:
        task_id = conn.execute(
            text("SELECT max(id) FROM joint_task WHERE case_id = :c"), {"c": server["case"]}
        ).scalar_one()
    headers = server["keys"]["admin"]

    def attempt(client: httpx.Client, token: str) -> httpx.Response:
        with server["reader"].connect() as conn:
            evidence, version = conn.execute(
                text("SELECT evidence, version FROM joint_task WHERE id = :id"), {"id": task_id}
            ).one()
        return client.patch(
            f"/tasks/{task_id}",
            json={"evidence": (evidence or "") + token},
            headers={**headers, "If-Match": f'"{version}"'},
        )

    _hammer(attempt, server["base"])
    with server["reader"].connect() as conn:
        final = conn.execute(
            text("SELECT evidence FROM joint_task WHERE id = :id"), {"id": task_id}
        ).scalar_one()
    assert sorted(t for t in final.split(";") if t) == [f"w{i:02d}" for i in range(WRITERS)]
    _check_history(server["reader"], "joint_task", task_id, "evidence", final)
