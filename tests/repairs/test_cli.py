"""`parkgis repairs` and `parkgis network` in a subprocess against a committed database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from parkgis import db
from tests.repairs.test_plan import _park


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARKGIS_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "parkgis.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_cli_assess_plan_check_trace(fresh_db: str, tmp_path: Path) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        _park(conn)
        conn.execute(text("UPDATE defect SET grade = 3"))  # stale now
    r = _cli(fresh_db, "repairs", "assess")
    assert r.returncode == 0, r.stderr
    assert "assessed 1" in r.stdout
    with engine.connect() as conn:  # stored by the assessment, refused by hand
        stale = conn.execute(text("SELECT count(*) FROM inspection WHERE assessed_at IS NULL"))
        assert stale.scalar() == 0
        with pytest.raises(DBAPIError, match="parkgis repairs assess"):
            conn.execute(text("UPDATE inspection SET ri = 0, ri_grade = 1"))
    out = tmp_path / "plan.xlsx"
    r = _cli(fresh_db, "repairs", "plan", "--budget", "5000000", "--objective", "land",
             "--xlsx", str(out), "--geojson", str(tmp_path / "plan.geojson"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "greedy" in r.stdout
    assert load_workbook(out)["工单"]["B1"].value == "年度"
    r = _cli(fresh_db, "network", "check")
    assert r.returncode == 0 and "3 管段" not in r.stderr
    r = _cli(fresh_db, "network", "trace", "--parcel", "P1", "--system", "storm")
    assert r.returncode == 0, r.stderr
    assert "service" in r.stdout and "outfalls: O" in r.stdout
    r = _cli(fresh_db, "repairs", "plan", "--budget", "-5")
    assert r.returncode == 1 and "预算" in r.stderr
    engine.dispose()
