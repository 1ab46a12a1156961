"""Helpers shared by the release services: rules, dates, row versions."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.config import get_rules
from parkgis.errors import NotFoundError, StaleVersionError


def rules(section: str) -> dict[str, Any]:
    """One table of the rules files (e.g. ``bankruptcy`` of release.toml)."""
    return dict(get_rules()[section])


def rules_version(*sections: str) -> str:
    """``<release_rules.version>+<hash of the sections used>``: stored with every result."""
    payload = {s: get_rules().get(s) for s in sections}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode())
    return f"{get_rules()['release_rules']['version']}+{digest.hexdigest()[:10]}"


def today(as_of: date | None) -> date:
    """The reference date: ``as_of`` or today (a parameter so that results are reproducible)."""
    return as_of or date.today()


def check_version(conn: Connection, table: str, row_id: int, expected: int) -> None:
    """Raise NotFound or StaleVersion when ``table`` row ``row_id`` is not at ``expected``.

    ``table`` is one of our own table names (never user input).
    """
    current = conn.execute(
        text(f'SELECT version FROM "{table}" WHERE id = :id'), {"id": row_id}
    ).scalar()
    if current is None:
        raise NotFoundError(
            message=f"没有编号为 {row_id} 的记录（{table}）",
            message_en=f"no {table} with id {row_id}",
            field="id",
            found=row_id,
        )
    if int(current) != int(expected):
        raise StaleVersionError(
            message=f"记录已被他人修改：当前版本 {current}，您提交的版本 {expected}，请刷新后重试",
            message_en=f"{table} {row_id} was changed meanwhile: version {current}, "
            f"you sent {expected}; reload and retry",
            field="If-Match",
            expected=int(current),
            found=int(expected),
        )
