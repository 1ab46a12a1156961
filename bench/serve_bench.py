"""Benchmark: parkgis OGC API Features and vector tiles vs tipg on 100 000 parcels.

Run: ``.venv/bin/python bench/serve_bench.py [--parcels 100000] [--requests 400]``.
Builds (once) a database ``parkgis_bench_serve`` with a synthetic grid of parcels in
Lieshan (EPSG:4548), serves it with parkgis (uvicorn, 1 worker) and with tipg (its own
virtualenv ``bench/.venv-tipg``: ``python -m venv bench/.venv-tipg &&
bench/.venv-tipg/bin/pip install tipg uvicorn``) on loopback, and drives both with the
same requests from an asyncio/httpx load generator at a fixed concurrency. Prints
requests/s, p50 and p95 latency per scenario and the parkgis/tipg throughput ratio.
parkgis is called with an admin key (no row filter, every field) to match tipg's view.
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
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parkgis import access, db, localdb  # noqa: E402
from parkgis.config import get_settings  # noqa: E402

DB_NAME = "parkgis_bench_serve"
TIPG = ROOT / "bench" / ".venv-tipg" / "bin" / "uvicorn"


def build_database(parcels: int) -> tuple[str, str]:
    """The bench database URL (built when missing or short of parcels) and an admin key."""
    localdb.up(get_settings())
    admin = create_engine(
        db.database_url(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = db.database_url(database=DB_NAME)
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        has = conn.execute(text("SELECT to_regclass('public.parcel')")).scalar()
        count = conn.execute(text("SELECT count(*) FROM parcel")).scalar() if has else 0
    if count != parcels:
        db.migrate(url)
        side = math.ceil(math.sqrt(parcels))
        with engine.begin() as conn:
            db.set_actor(conn, "bench")
            conn.execute(text("TRUNCATE parcel, app_user CASCADE"))
            conn.execute(
                text(
                    "INSERT INTO zone (code, kind, name_zh, name_en, geom) VALUES ('340604', "
                    "'district', '烈山区', 'Lieshan', ST_Multi(ST_MakeEnvelope(480000, 3735000, "
                    "510000, 3765000, 4548))) ON CONFLICT DO NOTHING"
                )
            )
            print(f"inserting {parcels} parcels ...", flush=True)
            conn.execute(
                text(
                    "INSERT INTO parcel (zone_code, plot_no, land_use_code, status, "
                    "list_price_yuan_per_mu, plot_ratio_min, geom) "
                    "SELECT '340604', 'B-' || i, '100102', "
                    "(ARRAY['available','in_use','approved_unsupplied','released'])[1 + i % 4], "
                    "100000 + i % 50000, 1.0, ST_Multi(ST_MakeEnvelope("
                    "485000 + (i % :side) * 60, 3740000 + (i / :side) * 60, "
                    "485000 + (i % :side) * 60 + 55, 3740000 + (i / :side) * 60 + 55, 4548)) "
                    "FROM generate_series(0, :n - 1) AS i"
                ),
                {"n": parcels, "side": side},
            )
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("VACUUM ANALYZE parcel"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM app_user WHERE name = 'bench'"))
        key = access.create_user(conn, "bench", "admin")[1]
    engine.dispose()
    return url, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/conformance", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server on {port} did not start: {cmd}")


async def drive(
    base: str, paths: list[str], concurrency: int, headers: dict[str, str]
) -> tuple[float, float, float, int]:
    """Requests/s, p50 ms, p95 ms and failures for ``paths`` at ``concurrency``."""
    latencies: list[float] = []
    failures = 0
    queue = list(reversed(paths))
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as c:

        async def worker() -> None:
            nonlocal failures
            while queue:
                path = queue.pop()
                t0 = time.perf_counter()
                r = await c.get(path)
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    failures += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return len(paths) / wall, statistics.median(latencies), p95, failures


def tiles_at(z: int, n: int, rng: random.Random) -> list[tuple[int, int, int]]:
    """Up to ``n`` distinct tiles at zoom ``z`` over the synthetic park."""

    # Park: lon ~116.84..117.05, lat ~33.80..33.98 (EPSG:4548 grid above).
    def tile(lon: float, lat: float) -> tuple[int, int]:
        k = 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k
        return int((lon + 180) / 360 * k), int(y)

    x0, y1 = tile(116.845, 33.805)
    x1, y0 = tile(117.04, 33.975)
    every = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    rng.shuffle(every)
    return every[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    url, key = build_database(args.parcels)
    rng = random.Random(42)
    servers = {}
    p_port = free_port()
    procs = [
        start(
            [str(ROOT / ".venv/bin/uvicorn"), "api.app:create_app", "--factory",
             "--port", str(p_port), "--log-level", "warning"],
            {"PARKGIS_DATABASE_URL": url}, p_port,
        )
    ]  # fmt: skip
    servers["parkgis"] = (f"http://127.0.0.1:{p_port}", "parcels", {"X-API-Key": key})
    if TIPG.exists():
        t_port = free_port()
        u = make_url(url)
        tipg_env = {
            "DATABASE_URL": u.set(drivername="postgresql").render_as_string(hide_password=False),
            "TIPG_DB_SCHEMAS": '["public"]',
            "TIPG_DB_TABLES": '["public.parcel"]',
            "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        }
        procs.append(
            start([str(TIPG), "tipg.main:app", "--port", str(t_port), "--log-level", "warning"],
                  tipg_env, t_port)
        )  # fmt: skip
        servers["tipg"] = (f"http://127.0.0.1:{t_port}", "public.parcel", {})
    else:
        print(f"tipg not installed at {TIPG}: parkgis figures only")
    n = args.requests
    scenarios: dict[str, list[str]] = {}
    for limit in (100, 1000):
        offsets = [rng.randrange(0, args.parcels - limit) for _ in range(n)]
        scenarios[f"items limit={limit}"] = [
            f"/collections/{{c}}/items?limit={limit}&offset={o}" for o in offsets
        ]
    for z in range(12, 17):
        tiles = tiles_at(z, n, rng)
        paths = [f"/collections/{{c}}/tiles/WebMercatorQuad/{t[0]}/{t[1]}/{t[2]}" for t in tiles]
        scenarios[f"tiles z{z} uncached"] = paths
        scenarios[f"tiles z{z} cached"] = paths  # the same tiles again
    results: dict[str, dict[str, tuple[float, float, float, int]]] = {}
    try:
        for name, paths in scenarios.items():
            for server, (base, coll, headers) in servers.items():
                concrete = [p.format(c=coll) for p in paths]
                results.setdefault(name, {})[server] = asyncio.run(
                    drive(base, concrete, args.concurrency, headers)
                )
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
    print(f"\n{args.parcels} parcels, concurrency {args.concurrency}, loopback, 1 worker each")
    print(f"{'scenario':<24}{'server':<9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'fail':>6}")
    for name, per in results.items():
        for server, (rps, p50, p95, fail) in per.items():
            print(f"{name:<24}{server:<9}{rps:>9.1f}{p50:>9.1f}{p95:>9.1f}{fail:>6}")
        if "tipg" in per:
            print(f"{'':<24}{'ratio':<9}{per['parkgis'][0] / per['tipg'][0]:>9.2f}x")


if __name__ == "__main__":
    main()
