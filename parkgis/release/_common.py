"""Helpers shared by the release services: rules, dates, row versions."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.auth import User
from parkgis.config import get_rules
from parkgis.errors import NotFoundError, StaleVersionError

#: Roles that read every bankruptcy case (the others see those of their court or
#: department, or none); the policies of postgis/sql/70_security.sql say the same.
SEES_ALL_CASES = ("admin", "land_bureau", "promotion")


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


def case_scope(user: User, alias: str = "c") -> tuple[str, dict[str, Any]]:
    """SQL predicate on ``bankruptcy_case`` ``alias``: the cases ``user`` may see, with params.

    The first wall: a court sees its own court's cases, a department the cases in which it
    has a joint task, the public and the infrastructure office none. The row-level security
    policies (postgis/sql/70_security.sql) refuse the same rows again in the database.
    ``alias`` is one of our own SQL aliases (never user input).
    """
    if user.role in SEES_ALL_CASES:
        return "true", {}
    if user.role == "court":
        return f"{alias}.court = :scope_court", {"scope_court": user.court or ""}
    if user.role == "department":
        return (
            f"EXISTS (SELECT 1 FROM joint_task scope_t WHERE scope_t.case_id = {alias}.id "
            "AND scope_t.department_code = :scope_department)",
            {"scope_department": user.department_code or ""},
        )
    return "false", {}
