"""The CLI commands in a subprocess against a committed database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from parkgis import db
from tests import park
from tests.release.helpers import bankrupt_park


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    # The repository on PYTHONPATH: the editable install's finder alone resolves ``parkgis``
    # as a namespace package outside the checkout (then package data is not found).
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PARKGIS_DATABASE_URL": url, "PYTHONPATH": root}
    exe = str(Path(sys.executable).parent / "parkgis")
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_land_cases_screen(fresh_db: str, tmp_path: Path) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "setup")
        p = bankrupt_park(conn)
        park.parcel(
            conn,
            "LS-09",
            600,
            0,
            100,
            status="idle",
            idle_since=date(2021, 5, 1),
            land_price_yuan=1_000_000,
        )
        conn.execute(
            text(
                "INSERT INTO firm_indicator (firm_id, year, profit_yuan, tax_paid_yuan) "
                "VALUES (:f, 2023, -5, 0)"
            ),
            {"f": p["firm"]},
        )
    cid = str(p["case"]["id"])
    out = _cli(
        fresh_db, "land", "idle", "--as-of", "2024-06-01", "--xlsx", str(tmp_path / "l.xlsx")
    )
    assert out.returncode == 0, out.stderr
    assert "LS-09" in out.stdout and (tmp_path / "l.xlsx").exists()
    bad = _cli(fresh_db, "cases", "advance", cid, "distribution", "--on", "2024-03-10")
    assert bad.returncode == 1 and "已受理" in bad.stderr and "accepted" not in bad.stderr
    ok = _cli(
        fresh_db,
        "cases",
        "advance",
        cid,
        "accepted",
        "--on",
        "2024-03-10",
        "--detail",
        "case_no=(2024)皖0604破3号",
    )
    assert ok.returncode == 0, ok.stderr
    listed = _cli(fresh_db, "cases", "list", "--as-of", "2024-03-20")
    assert "(2024)皖0604破3号" in listed.stdout and "公告" in listed.stdout
    assert "announcement" not in listed.stdout and "accepted" not in listed.stdout
    shown = _cli(fresh_db, "screen", "firms", "--year", "2023")
    assert shown.returncode == 0 and "无纳税" in shown.stdout and "未保存" in shown.stdout
    with engine.connect() as conn:  # showing writes nothing
        assert conn.execute(text("SELECT count(*) FROM screening_run")).scalar() == 0
    screened = _cli(fresh_db, "screen", "firms", "--year", "2023", "--store")
    assert screened.returncode == 0 and "no_tax" not in screened.stdout
    assert "无纳税" in screened.stdout and "（已保存）" in screened.stdout
    with engine.connect() as conn:
        actor = conn.execute(text("SELECT run_by FROM screening_run")).scalar()
        stage_actor = conn.execute(
            text(
                "SELECT actor FROM history WHERE table_name = 'bankruptcy_case' AND op = 'UPDATE' "
                "ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
    assert actor == "cli" and stage_actor == "cli"
    engine.dispose()
