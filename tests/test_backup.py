"""Backups round-trip; a bad backup file is refused and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests import park
from tests.test_cli import run


def _fingerprint(url: str) -> tuple[int, str]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), "
                "md5(string_agg(plot_no || ST_AsText(geom), ',' ORDER BY plot_no)) FROM parcel"
            )
        ).one()
    engine.dispose()
    return int(row[0]), str(row[1])


def test_backup_restore_round_trip(fresh_db: str, tmp_path: Path) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        for i in range(5):
            park.parcel(conn, f"B-{i}", i * 120, 0, 100, name="测试地块")
    before = _fingerprint(fresh_db)
    dump = tmp_path / "park.dump"
    done = run(fresh_db, "db", "backup", str(dump))
    assert done.returncode == 0, done.stderr
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM parcel WHERE plot_no IN ('B-0', 'B-1')"))
    engine.dispose()
    assert _fingerprint(fresh_db)[0] == 3
    restored = run(fresh_db, "db", "restore", str(dump), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert _fingerprint(fresh_db) == before


def test_restore_refuses_a_file_that_is_not_a_backup(fresh_db: str, tmp_path: Path) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        park.parcel(conn, "K-1", 0, 0)
    engine.dispose()
    before = _fingerprint(fresh_db)
    fake = tmp_path / "park.dump"
    fake.write_text("这不是备份")
    done = run(fresh_db, "db", "restore", str(fake), "--yes")
    assert done.returncode == 1
    assert "PGDMP" in done.stderr or "不是" in done.stderr
    assert _fingerprint(fresh_db) == before


@pytest.mark.parametrize("args", [("db", "restore", "x.dump"), ("db", "reset")])
def test_destructive_commands_need_yes(fresh_db: str, args: tuple[str, ...]) -> None:
    done = run(fresh_db, *args)
    assert done.returncode == 2
