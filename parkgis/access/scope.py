"""What one user may do and which rows it sees: the checks services and routes call.

The role's capabilities come from the ``role`` table (:mod:`parkgis.access.roles`); the
layers a role sees from the catalogue (``layers/*.toml``). The SQL predicates here are
the first wall; the row-level security policies of postgis/sql/70_security.sql, which
read the same role table, refuse the same rows again in the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from parkgis.access.roles import Role, denied, get_role
from parkgis.access.users import User
from parkgis.catalogue import get_layer
from parkgis.errors import AuthenticationError


def role_of(conn: Connection, user: User) -> Role:
    """The capabilities of ``user``'s role."""
    return get_role(conn, user.role)


def can(conn: Connection, user: User, capability: str) -> bool:
    """Whether ``user``'s role has ``capability`` (a column of the role table)."""
    return role_of(conn, user).can(capability)


def _signed_in(user: User) -> None:
    if user.is_anonymous:
        raise AuthenticationError(
            message="需要登录（X-API-Key）",
            message_en="authentication required (X-API-Key)",
            field="X-API-Key",
        )


def check_capability(conn: Connection, user: User, capability: str) -> None:
    """401 for an anonymous caller, 403 for a role without ``capability``."""
    role = role_of(conn, user)
    if not role.can(capability):
        _signed_in(user)
        raise denied(role, capability)


def check_layer(conn: Connection, user: User, layer_id: str) -> None:
    """401 for an anonymous caller, 403 for a role the catalogue keeps off ``layer_id``."""
    layer = get_layer(layer_id)
    if not layer.can_see(user.role):
        _signed_in(user)
        raise denied(role_of(conn, user), [r for r in layer.roles if r != "*"])


def case_scope(conn: Connection, user: User, alias: str = "c") -> tuple[str, dict[str, Any]]:
    """SQL predicate on ``bankruptcy_case`` ``alias``: the cases ``user`` may see, with params.

    A role that sees all cases sees all; a court's role its own court's cases; a
    department's role the cases in which it has a joint task; any other role none.
    ``alias`` is one of our own SQL aliases (never user input).
    """
    role = role_of(conn, user)
    if role.sees_all_cases:
        return "true", {}
    if role.court_scoped:
        return f"{alias}.court = :scope_court", {"scope_court": user.court or ""}
    if role.department_scoped:
        return (
            f"EXISTS (SELECT 1 FROM joint_task scope_t WHERE scope_t.case_id = {alias}.id "
            "AND scope_t.department_code = :scope_department)",
            {"scope_department": user.department_code or ""},
        )
    return "false", {}


def own_department(conn: Connection, user: User) -> str | None:
    """The department whose joint tasks ``user`` does: its own (department-scoped roles) or
    its role's (``role.task_department``: the court, the land bureau), else None."""
    role = role_of(conn, user)
    if role.department_scoped:
        return user.department_code
    return role.task_department


def may_update_task(conn: Connection, user: User, department_code: str) -> bool:
    """Whether ``user`` may update, through /tasks, a task of ``department_code``.

    A role that administers updates every task; any other its own department's only (the
    land bureau its natural-resources tasks, although ``manages_tasks`` lets its imports
    write every task in the database).
    """
    if can(conn, user, "administers"):
        return True
    return own_department(conn, user) == department_code
