"""Load benchmark: a mixed workload at rising concurrency, then a consistency check.

Run: ``.venv/bin/python bench/load_bench.py [--levels 1,4,16,64] [--seconds 15] [--workers 1]``.

Builds a scratch database ``parkgis_bench_load`` on the configured server (the private
cluster by default), migrated and loaded with the demo park (seed 42, scale 1: about 250
parcels; ``--scale`` for more), starts uvicorn on a free loopback port and drives it from
asyncio + httpx with N concurrent clients for a bounded time per level:

- 50 % vector tiles z14-16 over the park (parcels, buildings, roads, pipes; infrastructure key)
- 25 % OGC API items pages (parcels, units, buildings; anonymous and promotion)
- 10 % POST /match (promotion key)
- 15 % PATCH /tasks/{id} with If-Match (admin key), re-read and retried on 412

Prints per level: requests/s, p50/p95 latency, errors (5xx, transport errors, unexpected
4xx), 412 retries and the CPU seconds of the server and of PostgreSQL. Afterwards checks
the database: one history row per successful write, every task's version sequence
gapless in the history, the final version = 1 + its updates, constraints validated.
Loopback only; every level is bounded in time and every request has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parkgis import access, db, localdb  # noqa: E402
from parkgis.config import get_settings  # noqa: E402

DB_NAME = "parkgis_bench_load"
ENQUIRY = {
    "investor_name": "压测投资方",
    "industry_code": "C34",
    "site_kind": "either",
    "land_mu_min": 10,
    "land_mu_max": 40,
    "floor_area_m2_min": 800,
    "floor_area_m2_max": 3000,
}
WRITER = "bench-writer"


def build_database(scale: int) -> str:
    """Drop and rebuild the scratch database with the demo park; return its URL."""
    settings = get_settings()
    localdb.up(settings)
    admin = create_engine(
        db.database_url(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = db.database_url(database=DB_NAME)
    db.migrate(url, settings)
    from parkgis.demo import load_demo

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "demo")
        load_demo(conn, seed=42, scale=scale, progress=False)
    engine.dispose()
    return url


def make_keys(url: str) -> dict[str, str]:
    engine = create_engine(url, poolclass=NullPool)
    keys = {}
    with engine.begin() as conn:
        db.set_actor(conn, "bench")
        for name, role in (
            ("bench-promo", "promotion"),
            ("bench-infra", "infrastructure"),
            (WRITER, "admin"),
        ):
            _, keys[role] = access.create_user(conn, name, role)
    engine.dispose()
    return keys


def park_tiles(url: str) -> list[tuple[int, int, int]]:
    """Every tile z14-16 over the parcels' extent."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        x0, y0, x1, y1 = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Transform("
                "ST_SetSRID(ST_Extent(geom)::geometry, 4548), 4326) e FROM parcel) s"
            )
        ).one()
    engine.dispose()
    tiles = []
    for z in (14, 15, 16):
        for x in range(_tx(x0, z), _tx(x1, z) + 1):
            for y in range(_ty(y1, z), _ty(y0, z) + 1):
                tiles.append((z, x, y))
    return tiles


def _tx(lon: float, z: int) -> int:
    return int((lon + 180) / 360 * 2**z)


def _ty(lat: float, z: int) -> int:
    return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--timeout-keep-alive",
        str(get_settings().keep_alive_s),
    ]
    env = {**os.environ, "PARKGIS_DATABASE_URL": url}
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the server did not become ready in 60 s")


@dataclass
class Level:
    """What one concurrency level measured."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    writes: int = 0
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def run_level(  # noqa: C901 - one load level: its request kinds share the client, the clock and the tally
    base: str, keys: dict[str, str], tiles: list[Any], tasks: list[int], n: int, seconds: float
) -> Level:
    out = Level()
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:

        async def call(kind: str, method: str, path: str, ok: set[int], **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                response = await client.request(method, path, **kw)
            except httpx.HTTPError as exc:
                out.error(f"{kind}: {type(exc).__name__}")
                return None
            out.latencies.append(time.perf_counter() - t0)
            out.by_kind.setdefault(kind, []).append(time.perf_counter() - t0)
            if response.status_code not in ok:
                out.error(f"{kind}: {response.status_code}")
            return response

        async def write(rng: random.Random) -> None:
            task = rng.choice(tasks)
            headers = {"X-API-Key": keys["admin"]}
            for _ in range(20):
                got = await call(
                    "task-read", "GET", f"/tasks?case_id={task_case[task]}", {200}, headers=headers
                )
                if got is None or got.status_code != 200:
                    return
                version = next(t["version"] for t in got.json() if t["id"] == task)
                body = {"evidence": f"压测 {rng.random():.6f}"}
                done = await call(
                    "task-write",
                    "PATCH",
                    f"/tasks/{task}",
                    {200, 412},
                    json=body,
                    headers={**headers, "If-Match": f'"{version}"'},
                )
                if done is None:
                    return
                if done.status_code == 200:
                    out.writes += 1
                    return
                out.retries += 1
            out.error("task-write: gave up after 20 × 412")

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < stop:
                r = rng.random()
                if r < 0.50:
                    layer = rng.choice(("parcels", "buildings", "roads", "pipes"))
                    z, x, y = rng.choice(tiles)
                    await call(
                        "tile",
                        "GET",
                        f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}",
                        {200, 204, 304},
                        headers={"X-API-Key": keys["infrastructure"]},
                    )
                elif r < 0.75:
                    layer = rng.choice(("parcels", "units", "buildings"))
                    headers = {"X-API-Key": keys["promotion"]} if rng.random() < 0.5 else {}
                    await call(
                        "items",
                        "GET",
                        f"/collections/{layer}/items",
                        {200},
                        params={"limit": 50, "offset": rng.randrange(0, 100)},
                        headers=headers,
                    )
                elif r < 0.85:
                    await call(
                        "match",
                        "POST",
                        "/match",
                        {200},
                        json=ENQUIRY,
                        headers={"X-API-Key": keys["promotion"]},
                    )
                else:
                    await write(rng)

        await asyncio.gather(*(worker(i * 7919 + n) for i in range(n)))
    return out


task_case: dict[int, int] = {}


class CpuMeter:
    """CPU seconds of the server (with its workers) and of the backends on DB_NAME.

    Sampled every 0.25 s from a thread, so backends that the pool opens and closes during
    a level count too (a process first seen after the start counts from zero).
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.seen: dict[int, list[Any]] = {}  # pid -> [kind, first cpu, last cpu]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _procs(self) -> list[tuple[str, Any]]:
        import psutil

        out: list[tuple[str, Any]] = []
        try:
            root = psutil.Process(self.server_pid)
            out += [("server", p) for p in [root, *root.children(recursive=True)]]
        except psutil.Error:
            pass
        for p in psutil.process_iter(["name", "cmdline"]):
            # Backends serving the scratch database only (their title names it).
            title = " ".join(p.info["cmdline"] or ())
            if (p.info["name"] or "").startswith("postgres") and DB_NAME in title:
                out.append(("pg", p))
        return out

    def _sample(self, first: bool) -> None:
        import psutil

        for kind, p in self._procs():
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            cpu = t.user + t.system
            if p.pid not in self.seen:
                self.seen[p.pid] = [kind, cpu if first else 0.0, cpu]
            self.seen[p.pid][2] = cpu

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample(first=False)

    def __enter__(self) -> CpuMeter:
        try:
            import psutil  # noqa: F401
        except ImportError:
            return self
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
            self._sample(first=False)

    def seconds(self, kind: str) -> float:
        if not self.seen:
            return math.nan
        return sum(last - first for k, first, last in self.seen.values() if k == kind)


def consistency(url: str, writes: int, before: dict[int, int]) -> list[str]:
    """Problems found in the database after the run (empty = consistent)."""
    engine = create_engine(url, poolclass=NullPool)
    problems = []
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT (row_key->>'id')::int AS task_id, (before->>'version')::int AS v0, "
                "(after->>'version')::int AS v1 FROM history WHERE table_name = 'joint_task' "
                "AND op = 'UPDATE' AND actor = :a ORDER BY history.id"
            ),
            {"a": WRITER},
        ).all()
        if len(rows) != writes:
            problems.append(f"history has {len(rows)} task updates by {WRITER}; {writes} succeeded")
        seqs: dict[int, list[tuple[int, int]]] = {}
        for r in rows:
            seqs.setdefault(r.task_id, []).append((r.v0, r.v1))
        now = {r.id: r.version for r in conn.execute(text("SELECT id, version FROM joint_task"))}
        for task_id, seq in seqs.items():
            expected = before[task_id]
            for v0, v1 in seq:
                if v0 != expected or v1 != v0 + 1:
                    problems.append(f"task {task_id}: version {v0}->{v1} after {expected}")
                expected = v1
            if now[task_id] != before[task_id] + len(seq):
                problems.append(
                    f"task {task_id}: version {now[task_id]}, "
                    f"expected {before[task_id] + len(seq)} (lost update)"
                )
        unvalidated = conn.execute(
            text("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")
        ).scalar()
        if unvalidated:
            problems.append(f"{unvalidated} constraints not validated")
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM joint_task t LEFT JOIN bankruptcy_case c "
                "ON c.id = t.case_id WHERE c.id IS NULL"
            )
        ).scalar()
        if orphans:
            problems.append(f"{orphans} tasks without their case")
        no_actor = conn.execute(
            text("SELECT count(*) FROM history WHERE actor IS NULL OR actor = ''")
        ).scalar()
        if no_actor:
            problems.append(f"{no_actor} history rows without an actor")
    engine.dispose()
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,4,16,64")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]

    t0 = time.monotonic()
    url = build_database(args.scale)
    print(
        f"scratch database {DB_NAME}: demo park scale {args.scale} "
        f"({time.monotonic() - t0:.0f} s to build)"
    )
    keys = make_keys(url)
    tiles = park_tiles(url)
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, case_id, version FROM joint_task")).all()
    engine.dispose()
    if not rows:
        raise SystemExit("the demo park has no joint tasks to update")
    task_case.update({r.id: r.case_id for r in rows})
    before = {r.id: r.version for r in rows}
    # Writes spread over at most 8 tasks so that concurrent clients do collide (412s).
    tasks = sorted(before)[:8]

    port = free_port()
    server = start_server(url, port, args.workers)
    writes = 0
    print(
        f"uvicorn on 127.0.0.1:{port}, {args.workers} worker(s); {len(tiles)} tiles z14-16; "
        f"{os.cpu_count()} CPUs; {args.seconds:.0f} s per level"
    )
    print(
        f"{'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} "
        f"{'412':>5} {'writes':>6} {'srv cpu':>8} {'pg cpu':>7}"
    )
    results = []
    try:
        for n in levels:
            start = time.monotonic()
            with CpuMeter(server.pid) as meter:
                level = asyncio.run(
                    run_level(f"http://127.0.0.1:{port}", keys, tiles, tasks, n, args.seconds)
                )
            wall = time.monotonic() - start
            writes += level.writes
            lat = sorted(level.latencies) or [math.nan]
            p50 = statistics.median(lat) * 1000
            p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] * 1000
            srv, pg = meter.seconds("server") / wall, meter.seconds("pg") / wall
            nerr = sum(level.errors.values())
            results.append((n, len(level.latencies) / wall, p95, srv, pg, nerr))
            print(
                f"{n:>7} {len(level.latencies) / wall:>8.1f} {p50:>8.1f} {p95:>8.1f} "
                f"{nerr:>7} {level.retries:>5} {level.writes:>6} {srv:>7.0%} {pg:>7.0%}"
            )
            print(
                "        "
                + ", ".join(
                    f"{k} {len(v)} p95 {sorted(v)[int(0.95 * (len(v) - 1))] * 1000:.0f} ms"
                    for k, v in sorted(level.by_kind.items())
                )
            )
            for what, count in sorted(level.errors.items()):
                print(f"        error {what}: {count}")
    finally:
        server.terminate()
        server.wait(timeout=30)

    problems = consistency(url, writes, before)
    print(
        f"consistency: {writes} successful task writes; "
        + (
            "OK (history complete, versions gapless, constraints valid)"
            if not problems
            else "PROBLEMS:\n  " + "\n  ".join(problems)
        )
    )
    best = max(results, key=lambda r: r[1])
    clean = [r for r in results if r[5] == 0]
    top = max(clean, key=lambda r: r[0])[0] if clean else None
    print(
        f"peak throughput {best[1]:.1f} req/s at {best[0]} clients; highest error-free level: {top}"
    )
    saturated = next(
        (results[i] for i in range(1, len(results)) if results[i][1] < 1.1 * results[i - 1][1]),
        None,
    )
    if saturated is None:
        print("throughput still rising at the highest level: not saturated")
        return
    n, _, _, srv, pg, _ = saturated
    cores = os.cpu_count() or 1
    first = "the Python server" if srv >= pg else "PostgreSQL"
    busy = (
        ""
        if srv + pg >= 0.8 * cores
        else (
            f" (together {srv + pg:.0%} of {cores} cores: CPU is not the limit of this process "
            "pair; requests queue behind the slowest calls, see the per-kind p95)"
        )
    )
    print(
        f"saturates at {n} clients (throughput rose < 10 %): server {srv:.0%} CPU, "
        f"PostgreSQL {pg:.0%} (100% = one core); {first} is the busier{busy}"
    )


if __name__ == "__main__":
    main()
