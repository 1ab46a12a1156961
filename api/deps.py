"""Request dependencies: the per-request transaction and the calling user."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy import Connection, Engine

from api.csrf import SESSION_COOKIE
from parkgis import access, db
from parkgis.access import ANONYMOUS, User, sessions

log = logging.getLogger("parkgis.api")


def get_engine(request: Request) -> Engine:
    """The app's engine (created by create_app, not at import)."""
    return request.app.state.engine


def _key_from(x_api_key: str | None, authorization: str | None) -> str | None:
    if x_api_key:
        return x_api_key.strip()
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def current_user(
    request: Request,
    x_api_key: Annotated[str | None, Header(alias="X-API-Key", include_in_schema=False)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> User:
    """The caller: by API key (header), else by sign-in session (cookie), else anonymous.

    A bad key is a 401. A session cookie that no longer counts (signed out, expired, user
    revoked) makes the caller anonymous, so the page offers the sign-in again. Writes
    with the cookie have passed :func:`api.csrf.csrf_guard` (the app's dependency).
    """
    key = _key_from(x_api_key, authorization)
    if key is not None:
        with get_engine(request).connect() as conn:
            user = access.authenticate(conn, key)
    else:
        user = session_user(request)
    request.state.user_name = user.name
    return user


def session_user(request: Request) -> User:
    """The user of the request's sign-in session cookie, or anonymous."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ANONYMOUS
    with get_engine(request).begin() as conn:
        return sessions.session_user(conn, token) or ANONYMOUS


CurrentUser = Annotated[User, Depends(current_user)]


#: Requests holding a transaction at once. Kept below the thread pool (40) and the
#: connection pool (30), so writers queued on one row's lock can never take every
#: thread and starve the writer that holds it (its commit needs a thread too).
MAX_TRANSACTIONS = 20
#: A writer waits at most this long for another's row lock, then gets 503 + Retry-After.
LOCK_TIMEOUT = "10s"


def row_security(request: Request) -> dict[str, Any]:
    """Whether this app's requests run under row-level security (checked once per app).

    When the role parkgis_app is missing (no CREATEROLE on an external server) requests
    run as the connecting user with the first wall only; /readyz and ``parkgis db status``
    say so. A restart picks up a role created later.
    """
    state = getattr(request.app.state, "row_security", None)
    if state is None:
        with get_engine(request).connect() as conn:
            state = db.row_security_status(conn)
        if not state["active"]:
            log.warning("row-level security inactive: %s", state["reason"])
        request.app.state.row_security = state
    return state


def get_conn(request: Request, user: CurrentUser) -> Iterator[Connection]:
    """One transaction per request, as the request role parkgis_app (row-level security).

    The acting user is recorded in the history; role, court and department are
    transaction-local settings the policies of postgis/sql/70_security.sql read.
    """
    app_role = db.APP_ROLE if row_security(request)["active"] else None
    with get_engine(request).begin() as conn:
        db.enter_scope(
            conn,
            actor=user.name,
            role=user.role,
            court=user.court,
            department=user.department_code,
            app_role=app_role,
            lock_timeout=LOCK_TIMEOUT,
        )
        yield conn


# scope="function": commit as soon as the route returns, before the response is
# serialised, so row locks are never held while waiting for a worker thread.
Conn = Annotated[Connection, Depends(get_conn, scope="function", max_concurrency=MAX_TRANSACTIONS)]


class Requirement:
    """A route dependency checking the caller through :mod:`parkgis.access`.

    ``kind`` is ``layer`` (the catalogue's roles of that layer) or ``capability`` (a
    column of the role table); docs/roles.md lists every route's requirement from these.
    """

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name

    def __call__(self, user: CurrentUser, conn: Conn) -> User:
        if self.kind == "layer":
            access.check_layer(conn, user, self.name)
        else:
            access.check_capability(conn, user, self.name)
        return user

    def __repr__(self) -> str:
        return f"{self.kind} {self.name}"


def require_layer(layer_id: str) -> Requirement:
    """Dependency: 401 for anonymous callers, 403 for a role that cannot see ``layer_id``."""
    return Requirement("layer", layer_id)


def require_capability(capability: str) -> Requirement:
    """Dependency: 401 for anonymous callers, 403 for a role without ``capability``."""
    if capability not in access.CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    return Requirement("capability", capability)


def route_requirements() -> list[tuple[str, str, Requirement]]:
    """(method, path, requirement) of every route of ``api.app`` guarded by a requirement."""
    from api.app import ROUTER_MODULES

    out: list[tuple[str, str, Requirement]] = []
    for name in ROUTER_MODULES:
        for route in importlib.import_module(name).router.routes:
            dependant = getattr(route, "dependant", None)
            if dependant is None:
                continue
            reqs = [d.call for d in dependant.dependencies if isinstance(d.call, Requirement)]
            out += [(m, route.path, r) for m in sorted(route.methods) for r in reqs]
    return sorted(out, key=lambda t: (t[1], t[0]))
