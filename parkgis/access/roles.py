"""Roles and their capabilities, read from the ``role`` table (cached per database).

The table is the one list of roles (migration 0006 documents each capability column);
the row-level security policies read the same columns through ``logic.app_can``. A role
code missing from the table has no capability at all.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, text

from parkgis.errors import PermissionDeniedError

PipelineView = Literal["dates", "sites", "cases"]

#: The code of the anonymous caller's role (a row of the table like the others).
PUBLIC = "public"
_CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, dict[str, Role]]] = {}


@dataclass(frozen=True)
class Role:
    """One row of the ``role`` table: the label and what the role may do."""

    code: str
    label_zh: str = ""
    label_en: str = ""
    rank: int = 0
    staff: bool = False
    administers: bool = False
    sees_all_cases: bool = False
    court_scoped: bool = False
    department_scoped: bool = False
    writes_cases: bool = False
    manages_tasks: bool = False
    writes_encumbrances: bool = False
    imports_data: bool = False
    screens_land: bool = False
    plans_repairs: bool = False
    task_department: str | None = None
    pipeline_view: PipelineView = "dates"

    def can(self, capability: str) -> bool:
        """Whether the role has ``capability`` (a boolean column of the table)."""
        if capability not in CAPABILITIES:
            raise KeyError(f"unknown capability {capability!r}; known: {', '.join(CAPABILITIES)}")
        return bool(getattr(self, capability))

    @property
    def capabilities(self) -> tuple[str, ...]:
        """The capabilities the role has, in table order."""
        return tuple(c for c in CAPABILITIES if getattr(self, c))


#: Boolean capability columns of the role table, in table order.
CAPABILITIES: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Role) if f.type in ("bool", bool)
)
_COLUMNS = tuple(f.name for f in dataclasses.fields(Role))


def _database(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def _read(conn: Connection) -> dict[str, Role]:
    rows = conn.execute(text("SELECT * FROM role ORDER BY rank, code")).mappings().all()
    return {
        str(r["code"]): Role(**{c: r[c] for c in _COLUMNS if c in r and r[c] is not None})
        for r in rows
    }


def load_roles(conn: Connection) -> dict[str, Role]:
    """Every role by code, in rank order (cached for a short time per database)."""
    key = _database(conn)
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < _CACHE_SECONDS:
        return hit[1]
    roles = _read(conn)
    _cache[key] = (time.monotonic(), roles)
    return roles


def get_role(conn: Connection, code: str) -> Role:
    """The role ``code``; re-read once when unknown (a row added since), else no capability."""
    role = load_roles(conn).get(code)
    if role is None:
        clear_cache()
        role = load_roles(conn).get(code, Role(code=code))
    return role


def role_codes(conn: Connection) -> tuple[str, ...]:
    """The codes of every role, in rank order."""
    return tuple(load_roles(conn))


def clear_cache() -> None:
    """Forget the roles read (after a migration or a change of the table)."""
    _cache.clear()


def denied(role: Role, expected: object) -> PermissionDeniedError:
    """The 403 for ``role`` lacking what a route or service needs."""
    return PermissionDeniedError(
        message=f"{role.label_zh or '该'}角色无权访问",
        message_en=f"role {role.code} may not do this",
        field="role",
        expected=expected,
        found=role.code,
    )
