"""Benchmark of parkgis.repairs on a synthetic network (default 50 000 segments).

Run: .venv/bin/python bench/repairs_bench.py [--segments 50000] [--parcels 5000]
Creates a throw-away database in the private cluster (or PARKGIS_DATABASE_URL's server),
lays a binary-tree storm network (manhole i drains to manhole i // 2; manhole 1 is the
outfall), inspects 40 % of the segments with random defects, adds parcels and roads, then
prints the time to assess all segments, to trace from every parcel to its outfall, and to
plan for three budgets. Never part of the test run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The editable install exposes parkgis as a namespace path without its package data;
# the checkout itself on sys.path makes `python bench/repairs_bench.py` work anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from parkgis import db, localdb
from parkgis.config import get_settings

X0, Y0 = 489_000.0, 3_745_000.0


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    out = fn()
    print(f"{label:<48} {time.perf_counter() - start:8.2f} s")
    return out


def _populate(conn: Any, n: int, parcels: int) -> None:
    conn.execute(
        text(
            "INSERT INTO zone (code, kind, name_zh, name_en, geom) VALUES ('340604', 'district', "
            "'烈山区', 'Lieshan', ST_Multi(ST_MakeEnvelope(:x0 - 1000, :y0 - 1000, :x0 + 20000, "
            ":y0 + 20000, 4548)))"
        ),
        {"x0": X0, "y0": Y0},
    )
    conn.execute(
        text(
            "INSERT INTO road_segment (zone_code, code, name, road_class, status, width_m, pci, "
            "iri, geom) SELECT '340604', 'R' || r, '路' || (r / 4), "
            "(ARRAY['branch','secondary','arterial'])[1 + r % 3], "
            "(ARRAY['complete','complete','complete','planned','under_construction'])[1 + r % 5], "
            "12, 50 + (r * 37) % 50, 1 + (r * 13) % 6, "
            "ST_MakeLine(ST_MakePoint(:x0, :y0 + r * 20), "
            "ST_MakePoint(:x0 + 5000, :y0 + r * 20))::geometry(LineString, 4548) "
            "FROM generate_series(0, 249) r"
        ),
        {"x0": X0, "y0": Y0},
    )
    conn.execute(
        text(
            "INSERT INTO manhole (id, zone_code, code, system, ground_level_m, invert_depth_m, "
            "is_outfall, geom) SELECT i, '340604', 'M' || i, 'storm', 30, "
            "30 - (10 + 0.3 * floor(log(2, i))), i = 1, "
            "ST_SetSRID(ST_MakePoint(:x0 + (i % 250) * 20, :y0 + (i / 250) * 20), 4548) "
            "FROM generate_series(1, :n + 1) i"
        ),
        {"x0": X0, "y0": Y0, "n": n},
    )
    conn.execute(
        text(
            "INSERT INTO pipe_segment (id, zone_code, code, system, from_manhole_id, to_manhole_id,"
            " diameter_mm, material, up_invert_level_m, down_invert_level_m, year_built, "
            "road_segment_id, geom) SELECT i - 1, '340604', 'S' || i, 'storm', i, i / 2, "
            "(ARRAY[300, 400, 600, 800, 1200])[1 + i % 5], "
            "(ARRAY['rc','concrete','hdpe','clay'])[1 + i % 4], a.invert_level_m, "
            "b.invert_level_m, 1985 + i % 35, CASE WHEN i % 3 = 0 THEN 1 + (i / 250) % 250 END, "
            "ST_MakeLine(a.geom, b.geom) FROM generate_series(2, :n + 1) i "
            "JOIN manhole a ON a.id = i JOIN manhole b ON b.id = i / 2"
        ),
        {"n": n},
    )
    conn.execute(
        text(
            "INSERT INTO inspection (pipe_segment_id, inspected_on, direction) "
            "SELECT id, '2025-04-01', 'downstream' FROM pipe_segment WHERE id % 5 < 2"
        )
    )
    conn.execute(
        text(
            "INSERT INTO defect (inspection_id, code, grade, distance_m) "
            "SELECT i.id, (ARRAY['PL','TJ','CK','SL','CJ'])[1 + (i.id * 7 + k) % 5], "
            "1 + (i.id * 3 + k) % 4, k * 2.5 FROM inspection i, generate_series(0, 1 + i.id % 3) k"
        )
    )
    conn.execute(
        text(
            "INSERT INTO parcel (zone_code, plot_no, land_use_code, status, storm_manhole_id, "
            "geom) "
            "SELECT '340604', 'P' || p, '100102', "
            "(ARRAY['available','approved_unsupplied','in_use','in_use'])[1 + p % 4], "
            "CASE WHEN p % 2 = 0 THEN 1 + (p * 7919) % :n END, "
            "ST_Multi(ST_MakeEnvelope(:x0 + (p % 100) * 50, :y0 + (p / 100) * 40 + 5, "
            ":x0 + (p % 100) * 50 + 30, :y0 + (p / 100) * 40 + 30, 4548)) "
            "FROM generate_series(0, :np - 1) p"
        ),
        {"x0": X0, "y0": Y0, "n": n, "np": parcels},
    )
    conn.execute(
        text(
            "INSERT INTO investor_enquiry (zone_code, code, investor_name, industry_code, "
            "site_kind, land_mu_min, land_mu_max) SELECT '340604', 'E' || e, '投资方' || e, "
            "'C34', 'land', 1, 2 FROM generate_series(1, 40) e"
        )
    )


def main() -> None:
    """Build the synthetic park, run the timings, drop the database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=50_000)
    parser.add_argument("--parcels", type=int, default=5_000)
    args = parser.parse_args()
    settings = get_settings()
    if not settings.database_url:
        localdb.up(settings)
    name = f"parkgis_bench_{os.getpid()}"
    admin = create_engine(
        db.database_url(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = db.database_url(database=name)
    try:
        _timed("migrate", lambda: db.migrate(url, settings))
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as conn:
            db.set_actor(conn, "bench")
            _timed(
                f"populate {args.segments} segments",
                lambda: _populate(conn, args.segments, args.parcels),
            )
        _run(engine)
        engine.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _run(engine: Any) -> None:
    from parkgis.repairs.assess import assess_all
    from parkgis.repairs.network import load_network, parcel_connections
    from parkgis.repairs.optimise import greedy, solve
    from parkgis.repairs.works import build_problem

    with engine.begin() as conn:
        db.set_actor(conn, "bench")
        counts = _timed("assess all inspections (CJJ 181)", lambda: assess_all(conn))
        print(f"  {counts}")
        net = _timed("load + check the network", lambda: load_network(conn))
        conns = _timed("parcel connections (service / nearest)", lambda: parcel_connections(conn))

        def trace_all() -> int:
            return sum(len(net.main_path(int(c["manhole_id"]))) for c in conns)

        steps = _timed(f"trace {len(conns)} parcel connections to outfall", trace_all)
        print(f"  {steps} segment steps in all")
        problem = _timed("build the planning problem", lambda: build_problem(conn))
        print(
            f"  {len(problem.works)} works, {len(problem.sites)} sites, "
            f"{len(problem.enquiries)} enquiries"
        )
        for budget in (2_000_000, 5_000_000, 20_000_000):
            sol = _timed(
                f"plan (MILP, blend) budget {budget:,}",
                lambda b=budget: solve(problem, b, [b], "blend"),
            )  # type: ignore[misc]
            base = greedy(problem, budget, [budget])
            print(
                f"  {sol.status}, {len(sol.chosen)} works, cost {sol.cost_yuan:,.0f}; "
                f"greedy {len(base.chosen)} works, cost {base.cost_yuan:,.0f}"
            )


if __name__ == "__main__":
    main()
