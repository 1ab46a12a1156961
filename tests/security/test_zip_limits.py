"""Upload limits: an archive whose headers declare more than the uncompressed limit is
refused from its central directory, before a single member is read.

test_hostile_input.py refuses a zip bomb by its compression ratio (60 MB of zeros in
60 kB). This file proves the other limit, ``zip_max_uncompressed_mb`` of
``[ingest.limits]`` (parkgis/rules/ingest.toml, 2000 MB): a stored archive of about
13 MB whose headers declare 100 MB more than the limit, so its ratio (about 160:1) stays
under ``zip_max_ratio`` and only the size limit can refuse it. The archive is written
with zipfile and its sizes patched in the central directory and the local headers: a
few milliseconds and 13 MB of disk. Refused through ``import_file`` (zip and xlsx), the
command line and ``POST /imports``, with a Chinese and English message naming the limit
and the size found, and the database unchanged.
"""

from __future__ import annotations

import math
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from parkgis.ingest import import_file
from parkgis.ingest.limits import limits
from tests import park
from tests.test_cli import run

MB = 1_000_000
MEMBERS = {
    "zip": ["宗地.csv", "宗地说明.txt", "附件.csv"],
    "xlsx": ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"],
}


def _declared_over_the_limit(path: Path, members: list[str]) -> tuple[int, int]:
    """Write a stored zip at ``path`` whose headers declare (limit + 100) MB in all.

    Returns (limit in MB, declared MB). The members hold zeros, enough of them that the
    declared ratio stays below ``zip_max_ratio``; each header then claims an equal share
    of the declared total (central directory, which zipfile and parkgis read, and the
    local headers, for a consistent lie).
    """
    rules = limits()
    limit_mb = int(rules.zip_max_uncompressed_mb)
    declared = (limit_mb + 100) * MB
    each = declared // len(members)
    assert each < 2**32, "one member's declared size must fit the 32-bit zip field"
    real = math.ceil(declared / rules.zip_max_ratio * 1.25 / len(members))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name in members:
            zf.writestr(name, bytes(real))
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    (count,) = struct.unpack_from("<H", data, end + 10)
    (pos,) = struct.unpack_from("<I", data, end + 16)
    for _ in range(count):
        assert data[pos : pos + 4] == b"PK\x01\x02"
        struct.pack_into("<I", data, pos + 24, each)  # central directory: uncompressed size
        (local,) = struct.unpack_from("<I", data, pos + 42)
        assert data[local : local + 4] == b"PK\x03\x04"
        struct.pack_into("<I", data, local + 22, each)  # local header: uncompressed size
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        pos += 46 + name_len + extra_len + comment_len
    path.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        total = sum(i.file_size for i in zf.infolist())
    assert total == each * len(members) > limit_mb * MB
    # Below the ratio limit: only the size limit can refuse this archive.
    assert total / path.stat().st_size < rules.zip_max_ratio
    assert path.stat().st_size < 20 * MB
    return limit_mb, total // MB


@pytest.fixture
def no_member_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Members opened for reading (none may be: the refusal comes first)."""
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, mode: str = "r", *args: Any, **kw: Any) -> Any:
        if mode == "r":
            opened.append(getattr(name, "filename", name))
        return real_open(self, name, mode, *args, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


def _assert_names_the_limit(message: str, message_en: str, limit_mb: int, found_mb: int) -> None:
    assert "压缩包解压后过大" in message and f"上限 {limit_mb} MB" in message, message
    assert f"{found_mb} MB" in message, message
    assert "expands too far" in message_en and f"limits {limit_mb} MB" in message_en, message_en
    assert f"({found_mb} MB" in message_en, message_en


def _state(conn: Connection) -> tuple[Any, ...]:
    return tuple(
        conn.execute(
            text(
                "SELECT (SELECT count(*) FROM parcel), (SELECT max(id) FROM history), "
                "(SELECT count(*) FROM import_run)"
            )
        ).one()
    )


@pytest.mark.parametrize("kind", ["zip", "xlsx"])
def test_declared_size_over_the_limit_is_refused_before_extracting(
    conn: Connection, tmp_path: Path, no_member_read: list[str], kind: str
) -> None:
    park.parcel(conn, "Z-1", 0, 0)
    before = _state(conn)
    archive = tmp_path / f"parcels.{kind}"
    limit_mb, found_mb = _declared_over_the_limit(archive, MEMBERS[kind])
    report = import_file(conn, "parcels", archive)
    assert report.status == "refused"
    [error] = report.errors
    assert error.field == "file"
    assert error.expected["max_mb"] == limit_mb and error.value["mb"] == found_mb
    _assert_names_the_limit(error.message, error.message_en, limit_mb, found_mb)
    assert no_member_read == [], "a member was read before the refusal"
    assert _state(conn) == before


def test_declared_size_over_the_limit_is_refused_by_the_cli(fresh_db: str, tmp_path: Path) -> None:
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "setup")
        park.parcel(conn, "Z-1", 0, 0)
    with engine.connect() as conn:
        before = _state(conn)
    archive = tmp_path / "宗地.zip"
    limit_mb, found_mb = _declared_over_the_limit(archive, MEMBERS["zip"])
    report_file = tmp_path / "report.json"
    done = run(fresh_db, "import", "parcels", str(archive), "--report", str(report_file))
    assert done.returncode == 2, (done.stdout, done.stderr)
    _assert_names_the_limit(done.stderr, done.stderr, limit_mb, found_mb)
    assert '"status": "refused"' in report_file.read_text(encoding="utf-8")
    with engine.connect() as conn:
        assert _state(conn) == before
    engine.dispose()


@pytest.fixture
def clerk_site(fresh_db: str) -> Iterator[tuple[Engine, str]]:
    """A committed database with one parcel and a land-bureau key."""
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "setup")
        park.parcel(conn, "Z-1", 0, 0)
        _, key = access.create_user(conn, "zip_clerk", "land_bureau")
    yield engine, key
    engine.dispose()


@pytest.mark.parametrize("dry_run", ["false", "true"])
def test_declared_size_over_the_limit_is_refused_over_http(
    clerk_site: tuple[Engine, str], tmp_path: Path, no_member_read: list[str], dry_run: str
) -> None:
    engine, key = clerk_site
    with engine.connect() as conn:
        before = _state(conn)
    archive = tmp_path / "宗地.zip"
    limit_mb, found_mb = _declared_over_the_limit(archive, MEMBERS["zip"])
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        got = client.post(
            "/imports",
            data={"layer": "parcels", "dry_run": dry_run},
            files={"files": ("宗地.zip", archive.read_bytes(), "application/zip")},
            headers={"X-API-Key": key},
        )
    assert got.status_code in (413, 422), (got.status_code, got.text[:500])
    assert got.headers["content-type"].startswith("application/"), got.headers
    assert "json" in got.headers["content-type"]
    body = got.json()
    # 422: the import report (the route's documented refusal); 413 would be problem+json.
    issues = body.get("issues") or [body]
    _assert_names_the_limit(issues[0]["message"], issues[0]["message_en"], limit_mb, found_mb)
    if got.status_code == 422:
        assert body["status"] == "refused" and body["rows_written"] == 0
    assert no_member_read == [], "a member was read before the refusal"
    with engine.connect() as conn:
        assert _state(conn) == before
