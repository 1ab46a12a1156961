"""Import benchmark: 100 000 parcels from a GeoPackage, parkgis beside ``ogr2ogr``.

Run: ``.venv/bin/python bench/import_bench.py [--rows 100000]``. The script writes a
synthetic grid of parcels inside the Lieshan bbox (EPSG:4548), creates a scratch
database on the configured server, migrates it, then times

* ``parkgis.ingest.import_file`` (reading, mapping, CRS check, geometry validation and
  repair, code lists, history triggers, one transaction), and
* ``ogr2ogr -f PostgreSQL`` of the same file into a new table of the same server
  (no validation, no triggers, no constraints),

and prints rows/s for both and their ratio. Nothing is asserted: figures only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The checkout itself on sys.path makes `python bench/import_bench.py` work anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from parkgis import db
from parkgis.config import get_settings
from parkgis.ingest import import_file

BENCH_DB = "parkgis_bench_import"


def make_gpkg(path: Path, rows: int) -> None:
    """A grid of 40 m x 40 m parcels (10 m gaps) inside the Lieshan bbox, in EPSG:4548."""
    side = int(np.ceil(np.sqrt(rows)))
    i = np.arange(rows)
    x0 = 480_500 + (i % side) * 50.0
    y0 = 3_728_000 + (i // side) * 50.0
    geoms = shapely.box(x0, y0, x0 + 40, y0 + 40)
    uses = np.array(["工业用地", "二类工业用地", "物流仓储用地"])[i % 3]
    frame = gpd.GeoDataFrame(
        {
            "DKBH": [f"B-{n:06d}" for n in i],
            "TDYT": uses,
            "TDZT": np.where(i % 5 == 0, "净地", "在用"),
            "MJ": np.full(rows, 1600.0),
            "BZ": np.where(i % 7 == 0, "临路", ""),
        },
        geometry=geoms,
        crs=4548,
    )
    frame.to_file(path, driver="GPKG", layer="parcels", engine="pyogrio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--without-history",
        action="store_true",
        help="disable the per-row history trigger on parcel in the scratch database, to "
        "measure its share of the time",
    )
    args = parser.parse_args()
    settings = get_settings()
    admin = create_engine(
        db.database_url(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    url = db.database_url(database=BENCH_DB)
    tmp = Path(tempfile.mkdtemp(prefix="parkgis-bench-"))
    try:
        db.migrate(url, settings)
        gpkg = tmp / "parcels.gpkg"
        t = time.perf_counter()
        make_gpkg(gpkg, args.rows)
        print(f"generated {args.rows} parcels in {time.perf_counter() - t:.1f} s ({gpkg})")
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO zone (code, kind, name_zh, name_en, geom) VALUES "
                    "(:c, 'district', '烈山区', 'Lieshan District', "
                    "ST_Multi(ST_MakeEnvelope(479913, 3727288, 499443, 3760645, :s)))"
                ),
                {"c": settings.zone_code, "s": settings.srid},
            )
            if args.without_history:
                conn.execute(text("ALTER TABLE parcel DISABLE TRIGGER record_history"))
        t = time.perf_counter()
        with engine.begin() as conn:
            db.set_actor(conn, "bench")
            report = import_file(conn, "parcels", gpkg)
        ours = time.perf_counter() - t
        assert report.ok, report.to_text()[:2000]
        engine.dispose()

        u = make_url(url)
        pg = (
            f"PG:host={u.host} port={u.port} dbname={u.database} user={u.username} "
            f"password={u.password}"
        )
        t = time.perf_counter()
        subprocess.run(
            [
                shutil.which("ogr2ogr") or "ogr2ogr",
                "-f",
                "PostgreSQL",
                pg,
                str(gpkg),
                "-nln",
                "bench_ogr",
                "-overwrite",
                "-lco",
                "GEOMETRY_NAME=geom",
            ],
            check=True,
        )
        theirs = time.perf_counter() - t
        rows = report.rows_written
        history = "NO history trigger" if args.without_history else "history"
        print(
            f"parkgis import : {rows} rows in {ours:6.2f} s = {rows / ours:9.0f} rows/s "
            f"(validation, code lists, {history}, one transaction)"
        )
        print(
            f"ogr2ogr        : {args.rows} rows in {theirs:6.2f} s = "
            f"{args.rows / theirs:9.0f} rows/s (plain copy)"
        )
        print(f"ratio parkgis/ogr2ogr throughput: {theirs / ours:.2f} (>= 1.0 is the goal)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
