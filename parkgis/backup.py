"""Back up and restore the whole database with pg_dump / pg_restore (custom format).

A restore runs in a single transaction and stops at the first error, so a failed
restore leaves the target database as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from parkgis.errors import ValidationError

_MAGIC = b"PGDMP"


def _libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    from parkgis.localdb import find_bindir

    try:
        candidate = find_bindir() / name
        if candidate.exists():
            return str(candidate)
    except Exception:
        pass
    found = shutil.which(name)
    if not found:
        msg = f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)"
        raise ValidationError(message=f"找不到 {name}", message_en=msg, field=name)
    return found


def _run(tool: str, args: list[str], url: str, path: Path, zh: str, en: str) -> None:
    """Run a PostgreSQL client tool against ``url``; a failure is a ValidationError."""
    conninfo, env = _libpq_url(url)
    done = subprocess.run(
        [_tool(tool), *args, "--dbname", conninfo, *([str(path)] if tool == "pg_restore" else [])],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ValidationError(
            message=zh, message_en=f"{en}: {done.stderr}", field="path", found=str(path)
        )


def backup(url: str, path: Path) -> int:
    """Dump the database at ``url`` to ``path`` (custom format); return the file size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["--format=custom", "--no-owner", "--file", str(path)]
    _run("pg_dump", args, url, path, "备份失败", "pg_dump failed")
    return path.stat().st_size


def restore(url: str, path: Path) -> None:
    """Restore ``path`` (made by :func:`backup`) into the database at ``url``, all or nothing."""
    if not path.is_file():
        raise ValidationError(
            message=f"备份文件不存在：{path}",
            message_en=f"no such file: {path}",
            field="path",
            found=str(path),
        )
    with path.open("rb") as handle:
        head = handle.read(5)
    if head != _MAGIC:
        raise ValidationError(
            message="不是 pg_dump 自定义格式的备份文件",
            message_en="not a pg_dump custom-format backup (expected the PGDMP header)",
            field="path",
            expected="PGDMP",
            found=head.decode("latin-1"),
        )
    # --no-privileges: grants name the role parkgis_app, which another cluster may lack;
    # the migration that follows every restore grants them again (70_security.sql).
    args = [
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ]
    _run(
        "pg_restore",
        args,
        url,
        path,
        "恢复失败，数据库未改变",
        "pg_restore failed, database unchanged",
    )
