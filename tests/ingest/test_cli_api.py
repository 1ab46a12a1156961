"""The import and export over the command line (a real subprocess) and over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from tests import park
from tests.ingest import files


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PARKGIS_DATABASE_URL=url)
    return subprocess.run(
        [sys.executable, "-c", "from parkgis.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _parcels_gpkg(path: Path, bad_last: bool = False) -> Path:
    rows = [{"DKBH": f"C-{i}", "TDYT": "工业用地", "TDZT": "净地"} for i in range(5)]
    if bad_last:
        rows[-1]["TDYT"] = "不存在的用途"
    files.write_geo(path, rows, [files.rect(i * 30, 0, 20) for i in range(5)], 4548, driver="GPKG")
    return path


def test_cli_import_commits_or_changes_nothing(fresh_db: str, tmp_path: Path) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        park.zone(conn)
    bad = _parcels_gpkg(tmp_path / "bad.gpkg", bad_last=True)
    report = tmp_path / "report.json"
    run = _cli(fresh_db, "import", "parcels", str(bad), "--report", str(report))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "已拒绝" in run.stderr and "行 5" in run.stderr
    assert '"status": "refused"' in report.read_text(encoding="utf-8")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM parcel")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM import_run")).scalar() == 0

    good = _parcels_gpkg(tmp_path / "good.gpkg")
    run = _cli(fresh_db, "import", "parcels", str(good), "--dry-run")
    assert run.returncode == 0 and "试运行" in run.stdout
    run = _cli(fresh_db, "import", "parcels", str(good))
    assert run.returncode == 0, run.stdout + run.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM parcel")).scalar() == 5
        assert (
            conn.execute(
                text("SELECT actor FROM history WHERE table_name = 'parcel' LIMIT 1")
            ).scalar()
            == "cli"
        )
    out = tmp_path / "out.xlsx"
    run = _cli(fresh_db, "export", "parcels", str(out), "--where", "plot_no>=C-3")
    assert run.returncode == 0, run.stdout + run.stderr
    assert out.exists()
    engine.dispose()


def test_http_import_and_export(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        park.zone(conn)
        _, clerk = access.create_user(conn, f"clerk{os.getpid()}", "land_bureau")
        _, promo = access.create_user(conn, f"promo{os.getpid()}", "promotion")
    client = TestClient(create_app(engine=engine))
    try:
        gpkg = _parcels_gpkg(tmp_path / "up.gpkg")
        body = gpkg.read_bytes()
        upload = {"files": ("up.gpkg", body, "application/octet-stream")}
        assert client.post("/imports", data={"layer": "parcels"}, files=upload).status_code == 401
        denied = client.post(
            "/imports", data={"layer": "parcels"}, files=upload, headers={"X-API-Key": promo}
        )
        assert denied.status_code == 403
        junk = {"files": ("up.gpkg", b"SQLite format 3\x00" + b"\x01" * 500, "x/y")}
        refused = client.post(
            "/imports", data={"layer": "parcels"}, files=junk, headers={"X-API-Key": clerk}
        )
        assert refused.status_code == 422 and refused.json()["status"] == "refused"
        done = client.post(
            "/imports",
            data={"layer": "parcels", "mode": "insert"},
            files=upload,
            headers={"X-API-Key": clerk},
        )
        assert done.status_code == 200, done.json()
        assert done.json()["rows_written"] == 5

        for fmt in ("gpkg", "shp", "geojson", "csv", "xlsx"):
            got = client.get(f"/exports/parcels.{fmt}")
            assert got.status_code == 200, (fmt, got.text)
            assert got.headers["content-disposition"].startswith("attachment")
        geo = client.get("/exports/parcels.geojson").json()
        assert len(geo["features"]) == 5
        assert "registered_area_m2" not in geo["features"][0]["properties"]
        assert client.get("/exports/pipes.csv").status_code == 403
        assert client.get("/exports/parcels.csv", params={"where": "x=1"}).status_code == 422
        assert client.get("/exports/parcels.doc").status_code == 422
    finally:
        with engine.begin() as conn:
            for table in ("history", "import_run", "parcel", "app_user", "zone"):
                conn.execute(text(f"DELETE FROM {table}"))
