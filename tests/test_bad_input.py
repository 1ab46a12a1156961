"""Bad input gets words, never a 500 or a traceback (issue 14 item 18).

The classes found by probing every command and route with bad dates, numbers and codes:
CLI dates and numbers, output CRSs, department codes, CQL2 LIKE escapes, and database
refusals put in words (postgis/constraint_words.toml) instead of constraint SQL.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from parkgis import access, db
from parkgis.constraint_words import explain_database_error, words
from parkgis.ingest import import_file
from tests import park
from tests.test_cli import run

_HAN = re.compile(r"[\u4e00-\u9fff]")


def _refused_in_words(result: Any, *needles: str) -> None:
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "Traceback" not in out
    assert _HAN.search(result.stderr) and "error" in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["cases", "advance", "1", "accepted", "--on", "2026-13-03"], "--on"),
        (["land", "idle", "--as-of", "2026-02-30"], "--as-of"),
        (["cases", "list", "--as-of", "2026-02-30"], "--as-of"),
        (["screen", "firms", "--as-of", "next week"], "--as-of"),
        (["cases", "advance", "1", "accepted", "--on", "2026-01-03", "--detail", "x"], "--detail"),
    ],
)
def test_cli_bad_date_is_refused_in_words(fresh_db: str, args: list[str], option: str) -> None:
    _refused_in_words(run(fresh_db, *args), option)


@pytest.mark.parametrize(
    "args",
    [
        ["cases", "show", "abc"],  # not an integer
        ["screen", "firms", "--year", "-5"],  # outside the ledgers' years
        ["repairs", "plan", "--budget", "lots"],
    ],
)
def test_cli_bad_number_is_a_usage_error_in_words(fresh_db: str, args: list[str]) -> None:
    result = run(fresh_db, *args)
    _refused_in_words(result, "命令参数有误")
    assert result.returncode == 2


@pytest.mark.parametrize("crs", ["999999", "-1", "99999999999999999999"])
def test_cli_export_unknown_crs(fresh_db: str, tmp_path: Path, crs: str) -> None:
    result = run(fresh_db, "export", "parcels", str(tmp_path / "x.gpkg"), "--crs", crs)
    _refused_in_words(result, f"EPSG:{crs}")


def test_cli_unknown_department_lists_the_departments(fresh_db: str) -> None:
    result = run(fresh_db, "users", "add", "li", "--role", "department", "--department", "XYZ")
    _refused_in_words(result, "XYZ", "tax（税务局）", "natural_res")


@pytest.fixture
def admin_client(fresh_db: str) -> Any:
    from api.app import create_app

    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        park.parcel(conn, "LIKE-1", 0, 0)
        key = access.create_user(conn, "probe", "admin")[1]
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        yield client, {"X-API-Key": key}
    engine.dispose()


@pytest.mark.parametrize("pattern", ["'x\\'", "'%\\'", "'a\\\\\\'"])
def test_like_pattern_ending_with_the_escape_is_a_422(admin_client: Any, pattern: str) -> None:
    client, headers = admin_client
    r = client.get(
        "/collections/parcels/items", params={"filter": f"plot_no LIKE {pattern}"}, headers=headers
    )
    assert r.status_code == 422 and r.json()["field"] == "filter"
    ok = client.get(
        "/collections/parcels/items", params={"filter": "plot_no LIKE 'LIKE-%'"}, headers=headers
    )
    assert ok.status_code == 200 and ok.json()["numberMatched"] == 1


@pytest.mark.parametrize("crs", ["999999", "-1", "99999999999999999999"])
def test_export_unknown_crs_is_a_422(admin_client: Any, crs: str) -> None:
    client, headers = admin_client
    r = client.get("/exports/parcels.gpkg", params={"crs": crs}, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "crs" and "EPSG" in r.json()["message"]


def test_every_check_constraint_has_words(conn: Connection) -> None:
    names = conn.execute(
        text(
            "SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = 'public' AND c.contype = 'c' "
            "AND c.conrelid <> 'spatial_ref_sys'::regclass"
        )
    ).scalars()
    missing, sql_like = [], []
    for name in names:
        rule = words(name)
        if rule is None:
            missing.append(name)
        elif re.search(r"CHECK|::|IS NULL|[<>]=|_check", rule.zh + rule.en):
            sql_like.append(name)
    assert missing == [] and sql_like == []


def test_a_refused_write_is_explained_with_field_and_words(conn: Connection) -> None:
    pid = park.parcel(conn, "W-1", 0, 0)
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        conn.execute(
            text("UPDATE parcel SET plot_ratio_min = 2, plot_ratio_max = 1 WHERE id = :i"),
            {"i": pid},
        )
    explained = explain_database_error(exc.value, row=7)
    assert explained is not None and explained.row == 7
    assert explained.message == "第 7 行：容积率上限不能小于下限"
    assert explained.field == "plot_ratio_max"
    park.parcel(conn, "W-2", 200, 0)
    with pytest.raises(DBAPIError) as dup, conn.begin_nested():
        conn.execute(text("UPDATE parcel SET plot_no = 'W-1' WHERE plot_no = 'W-2'"))
    taken = explain_database_error(dup.value)
    assert taken is not None and "W-1" in taken.message and "已存在" in taken.message


def test_import_refused_by_a_check_names_rule_row_and_field(
    conn: Connection, tmp_path: Path
) -> None:
    park.zone(conn)
    x0, y0 = park.ORIGIN_X, park.ORIGIN_Y
    frame = gpd.GeoDataFrame(
        {
            "DKBH": ["R-1", "R-2"],
            "TDYT": ["工业用地", "工业用地"],
            "TDZT": ["净地", "净地"],
            "RJLXX": [1.0, 3.0],
            "容积率上限": [2.0, 1.5],
        },
        geometry=[
            shapely.box(x0, y0, x0 + 100, y0 + 100),
            shapely.box(x0 + 200, y0, x0 + 300, y0 + 100),
        ],
        crs=4548,
    )
    path = tmp_path / "plot_ratio.gpkg"
    frame.to_file(path)
    report = import_file(conn, "parcels", path)
    assert not report.ok, report.to_text()
    [error] = [e for e in report.errors if e.row is not None]
    assert error.row == 2 and error.field == "plot_ratio_max"  # the second feature
    assert "容积率上限不能小于下限" in error.message
    assert "violates" not in error.message and "constraint" not in error.message
    assert conn.execute(text("SELECT count(*) FROM parcel WHERE plot_no LIKE 'R-%'")).scalar() == 0
