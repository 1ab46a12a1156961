"""Match latency on a big park beside the bare indexed SQL floor (issue 5 §9).

Usage: .venv/bin/python bench/match_bench.py [--scale K] [--runs N]
Creates a scratch database from the migrated test template, lays the demo park at
``scale=K`` (K=1 is the demo; ~100 000 parcels needs the K the demo generator documents),
refreshes the site facts once (timed), then times the first match of the process (it
copies the offer into memory), ``match`` and the bare indexed SQL that selects the
strict fits (the floor no engine can beat), and a match right after another connection
edits a unit (the copy follows by delta). Prints p50/p95 in ms.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from parkgis import db
from parkgis.config import get_settings
from parkgis.demo import load_demo
from parkgis.matching import match, refresh_site_facts

#: Two enquiries: heavy machinery (class-2 land: on the demo generator's park nothing fits
#: all, every shown site is a near miss) and electronics (class-1 land: fits and near
#: misses, with their blockers).
ENQUIRIES = {
    "machinery C34": {
        "investor_name": "bench", "industry_code": "C34", "site_kind": "either",
        "land_mu_min": 20, "land_mu_max": 60, "floor_area_m2_min": 1500,
        "floor_area_m2_max": 4000, "floor_load_kn_m2_min": 15, "clear_height_m_min": 7,
        "fire_class": "丙",
    },
    "electronics C39": {
        "investor_name": "bench", "industry_code": "C39", "site_kind": "either",
        "land_mu_min": 10, "land_mu_max": 40, "floor_area_m2_min": 800,
        "floor_area_m2_max": 3000, "floor_load_kn_m2_min": 8, "clear_height_m_min": 6,
        "fire_class": "丙",
    },
}  # fmt: skip
ENQUIRY = ENQUIRIES["machinery C34"]

#: The floor: the strict fits by size, load and height on indexed columns, nothing else.
FLOOR_SQL = """
SELECT p.id FROM parcel p
 WHERE p.status IN ('available', 'approved_unsupplied', 'released', 'idle', 'bankruptcy_estate')
   AND p.area_mu BETWEEN :land_mu_min AND :land_mu_max
UNION ALL
SELECT u.id FROM building_unit u
 WHERE u.status = 'vacant' AND u.area_m2 BETWEEN :floor_area_m2_min AND :floor_area_m2_max
   AND u.floor_load_kn_m2 >= :floor_load_kn_m2_min AND u.clear_height_m >= :clear_height_m_min
"""


def _floor_params(enquiry: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in enquiry.items() if k not in ("investor_name", "industry_code",
                                                          "site_kind", "fire_class")}  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument(
        "--keep", action="store_true",
        help="keep the scratch database afterwards and reuse it when it exists (no reload)",
    )  # fmt: skip
    args = ap.parse_args()
    from parkgis import localdb

    settings = get_settings()
    localdb.up(settings)
    name = f"parkgis_bench_match_{args.scale}"
    admin = create_engine(db.database_url(database="postgres"), poolclass=NullPool,
                          isolation_level="AUTOCOMMIT")  # fmt: skip
    url = db.database_url(database=name)
    with admin.connect() as c:
        found = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        reuse = bool(found.first()) and args.keep
        if not reuse:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
    db.migrate(url, settings)
    eng = create_engine(url, poolclass=NullPool)
    t0 = time.perf_counter()
    if not reuse:
        with eng.begin() as conn:
            db.set_actor(conn, "bench")
            load_demo(conn, seed=42, scale=args.scale, progress=False)
    load_s = time.perf_counter() - t0
    refresh_s = None
    with eng.begin() as conn:
        stale = conn.execute(text("SELECT stale FROM logic.site_facts_state")).scalar_one()
        if stale or not reuse:
            t0 = time.perf_counter()
            refresh_site_facts(conn)
            refresh_s = time.perf_counter() - t0
            conn.execute(text("ANALYZE"))
    with eng.connect() as conn:
        counts = conn.execute(
            text("SELECT (SELECT count(*) FROM parcel), (SELECT count(*) FROM building_unit)")
        ).one()
        conn.rollback()
        # The first match of a process copies the offer into memory (parkgis.matching.offer).
        t0 = time.perf_counter()
        match(conn, ENQUIRY, "promotion", top=20)
        cold_ms = (time.perf_counter() - t0) * 1000
        conn.rollback()
        gc.freeze()  # as the web service does at start (api/app.py)
        timed: dict[str, tuple[float, list[float], list[float], str]] = {}
        for label, enquiry in ENQUIRIES.items():
            # The first match of an enquiry's industry and sizes loads lookups kept for the
            # facts' generation (same-chain counts, adjacency): reported, not in the runs.
            t0 = time.perf_counter()
            match(conn, enquiry, "promotion", top=20)
            first_ms = (time.perf_counter() - t0) * 1000
            conn.rollback()
            engine_ms, floor_ms = [], []
            shown = ""
            for _ in range(args.runs):
                t0 = time.perf_counter()
                result = match(conn, enquiry, "promotion", top=20)
                engine_ms.append((time.perf_counter() - t0) * 1000)
                shown = (
                    f"{len(result.fits)} fits and {len(result.near_misses)} near misses shown of "
                    f"{result.totals['fits']} and {result.totals['near_misses']}"
                )
                conn.rollback()
                t0 = time.perf_counter()
                conn.execute(text(FLOOR_SQL), _floor_params(enquiry)).all()
                floor_ms.append((time.perf_counter() - t0) * 1000)
                conn.rollback()
            timed[label] = (first_ms, engine_ms, floor_ms, shown)
        # A match right after another connection let or freed a unit (the copy follows
        # the change by delta). The unit is put back as it was.
        edit_ms = []
        unit = conn.execute(
            text("SELECT id FROM building_unit WHERE status = 'vacant' ORDER BY id LIMIT 1")
        ).scalar_one()
        conn.rollback()
        for i in range(max(4, args.runs // 5)):
            with eng.begin() as writer:
                db.set_actor(writer, "bench")
                writer.execute(
                    text("UPDATE building_unit SET status = :s WHERE id = :i"),
                    {"s": "let" if i % 2 == 0 else "vacant", "i": unit},
                )
            t0 = time.perf_counter()
            match(conn, ENQUIRY, "promotion", top=20)
            edit_ms.append((time.perf_counter() - t0) * 1000)
            conn.rollback()
        with eng.begin() as writer:
            db.set_actor(writer, "bench")
            writer.execute(
                text("UPDATE building_unit SET status = 'vacant' WHERE id = :i"), {"i": unit}
            )
    eng.dispose()
    if not args.keep:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    print(
        f"park: {counts[0]} parcels, {counts[1]} units (scale {args.scale}); load {load_s:.1f} s"
        + (" (reused)" if reuse else "")
    )
    print(
        f"site facts refresh: {refresh_s * 1000:.0f} ms"
        if refresh_s is not None
        else "site facts refresh: not needed (reused database, facts fresh)"
    )
    print(f"first match of the process (copies the offer into memory): {cold_ms:.0f} ms")
    for label, (first_ms, engine_ms, floor_ms, shown) in timed.items():
        print(f"{label} ({shown}), {args.runs} runs:")
        print(f"  first match of this enquiry (loads its lookups): {first_ms:.0f} ms")
        print(f"  match (top 20): p50 {_pct(engine_ms, 50):.1f} ms, "
              f"p95 {_pct(engine_ms, 95):.1f} ms")  # fmt: skip
        print(f"  bare SQL floor: p50 {_pct(floor_ms, 50):.1f} ms, "
              f"p95 {_pct(floor_ms, 95):.1f} ms")  # fmt: skip
        ratio = _pct(engine_ms, 95) / max(_pct(floor_ms, 95), 1e-9)
        print(f"  ratio p95 match / floor: {ratio:.1f}x")
    print(f"machinery match right after a committed unit edit ({len(edit_ms)} runs): "
          f"p50 {_pct(edit_ms, 50):.1f} ms, max {max(edit_ms):.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
