"""Import benchmark: parcels from a GeoPackage, a GBK shapefile, a CASS DXF and an XLSX
ledger, parkgis beside ``ogr2ogr`` on the same file in the same run.

Run: ``.venv/bin/python bench/import_bench.py [--rows 100000] [--formats gpkg,shp,dxf,xlsx]``.
The script writes a synthetic grid of parcels inside the Lieshan bbox (EPSG:4548) in
each format, creates a scratch database on the configured server, migrates it, then
times for each file

* ``parkgis.ingest.import_file`` (reading, mapping, CRS check, geometry validation and
  repair, code lists, history triggers, one transaction), and
* ``ogr2ogr -f PostgreSQL`` of the same file into a new table of the same server
  (no validation, no triggers, no constraints),

and prints one row per format: rows/s for both and their ratio. Nothing is asserted:
figures only.
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


def make_files(folder: Path, rows: int, formats: list[str]) -> dict[str, tuple[Path, Path | None]]:
    """The same parcels in each format: (file, --mapping file or None)."""
    from openpyxl import Workbook

    from tests.ingest import files

    gpkg = folder / "parcels.gpkg"
    make_gpkg(gpkg, rows)
    frame = gpd.read_file(gpkg, engine="pyogrio")
    out: dict[str, tuple[Path, Path | None]] = {"gpkg": (gpkg, None)}
    if "shp" in formats:
        shp = folder / "宗地.shp"
        frame.to_file(shp, engine="pyogrio", encoding="GBK")
        shp.with_suffix(".cpg").write_text("936", encoding="ascii")
        out["shp"] = (shp, None)
    defaults = folder / "defaults.toml"
    defaults.write_text(
        '[defaults]\nzone_code = "340604"\nland_use_code = "100102"\nstatus = "available"\n',
        encoding="utf-8",
    )
    if "dxf" in formats:
        dxf = folder / "宗地图.dxf"
        files.write_cass_dxf(dxf, list(zip(frame.geometry, frame["DKBH"], strict=True)))
        out["dxf"] = (dxf, defaults)
    if "xlsx" in formats:
        xlsx = folder / "台账.xlsx"
        book = Workbook(write_only=True)
        sheet = book.create_sheet("宗地")
        sheet.append(["烈山经济开发区宗地台账"])
        sheet.append(["序号", "地块编号", "土地用途", "土地状态", "面积（亩）", "wkt"])
        for n, row in enumerate(frame.itertuples(), start=1):
            sheet.append([n, row.DKBH, row.TDYT, row.TDZT, row.MJ / (10000 / 15), row.geometry.wkt])
        book.save(xlsx)
        out["xlsx"] = (xlsx, None)
    return {k: v for k, v in out.items() if k in formats}


def _ogr2ogr(url: str, path: Path, table: str) -> float:
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
            str(path),
            "-nln",
            table,
            "-overwrite",
            "-lco",
            "GEOMETRY_NAME=geom",
            "-nlt",
            "GEOMETRY",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="gpkg,shp,dxf,xlsx")
    parser.add_argument(
        "--without-history",
        action="store_true",
        help="disable the per-row history trigger on parcel in the scratch database, to "
        "measure its share of the time",
    )
    args = parser.parse_args()
    formats = args.formats.split(",")
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
        t = time.perf_counter()
        sources = make_files(tmp, args.rows, formats)
        print(
            f"generated {args.rows} parcels as {', '.join(sources)} in "
            f"{time.perf_counter() - t:.1f} s ({tmp})"
        )
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
        history = "NO history trigger" if args.without_history else "history on"
        print(
            f"{'format':8} {'parkgis s':>10} {'rows/s':>9} {'ogr2ogr s':>10} {'rows/s':>9} "
            f"{'ratio':>6}   (parkgis: every check, code lists, {history}, one transaction)"
        )
        for fmt, (path, mapping_file) in sources.items():
            with engine.begin() as conn:
                db.set_actor(conn, "bench")
                t = time.perf_counter()
                report = import_file(conn, "parcels", path, mapping_file=mapping_file, crs=4548)
                ours = time.perf_counter() - t
                assert report.ok, report.to_text()[:2000]
                conn.rollback()  # the next format starts from the same empty park
            theirs = _ogr2ogr(url, path, f"bench_ogr_{fmt}")
            rows = report.rows_written
            print(
                f"{fmt:8} {ours:10.2f} {rows / ours:9.0f} {theirs:10.2f} "
                f"{args.rows / theirs:9.0f} {theirs / ours:6.2f}"
            )
        print("ratio = parkgis throughput / ogr2ogr throughput (goal >= 0.5, aim 1.0)")
        engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
