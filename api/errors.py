"""Map parkgis domain exceptions to HTTP once (the titiler habit), as problem+json."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from parkgis.constraint_words import explain_database_error
from parkgis.errors import (
    AuthenticationError,
    ConflictError,
    LocalDatabaseError,
    NotFoundError,
    ParkgisError,
    PermissionDeniedError,
    StaleVersionError,
    ValidationError,
)

log = logging.getLogger("parkgis.api")

DEFAULT_STATUS_CODES: dict[type[ParkgisError], int] = {
    ValidationError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ConflictError: status.HTTP_409_CONFLICT,
    StaleVersionError: status.HTTP_412_PRECONDITION_FAILED,
    PermissionDeniedError: status.HTTP_403_FORBIDDEN,
    AuthenticationError: status.HTTP_401_UNAUTHORIZED,
    LocalDatabaseError: status.HTTP_503_SERVICE_UNAVAILABLE,
}

PROBLEM = "application/problem+json"


def problem(status_code: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status_code, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if status_code == 401 else None
    return JSONResponse(body, status_code=status_code, media_type=PROBLEM, headers=headers)


def _status_for(exc: ParkgisError) -> int:
    for cls in type(exc).__mro__:
        if cls in DEFAULT_STATUS_CODES:
            return DEFAULT_STATUS_CODES[cls]
    return status.HTTP_400_BAD_REQUEST


def wants_html(request: Request) -> bool:
    """A browser navigating (Accept names text/html), not an API client or a script."""
    return "text/html" in request.headers.get("accept", "")


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParkgisError)
    code = _status_for(exc)
    if wants_html(request):
        from api.pages.errors import error_page

        return error_page(request, code, exc)
    return problem(code, type(exc).__name__, exc.message_en or exc.message, **exc.to_dict())


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        details.append(
            {
                "field": ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc),
                "in": loc[0] if loc else None,
                "reason": err.get("msg"),
                "found": _jsonable(err.get("input")),
            }
        )
    first = details[0] if details else {"field": None, "reason": "invalid request"}
    return problem(
        422,
        "ValidationError",
        f"{first['field']}: {first['reason']}",
        message=f"请求参数错误：{first['field']}（{first['reason']}）",
        message_en=f"invalid request: {first['field']}: {first['reason']}",
        field=first["field"],
        details=details,
    )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value if not isinstance(value, str) else value[:200]
    return str(value)[:200]


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    response = problem(exc.status_code, "HTTPError", detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _row_security_refusal(exc: DBAPIError) -> bool:
    """A write the row-level security policies refused (postgis/sql/70_security.sql)."""
    orig = exc.orig
    text = str(getattr(getattr(orig, "diag", None), "message_primary", "") or orig)
    return getattr(orig, "pgcode", None) == "42501" and (
        "row-level security" in text or "outside the scope" in text
    )


async def _database_gone(request: Request, exc: Exception) -> Response:
    """The database is unreachable or dropped the connection: 503, retry later (no traceback).

    A write refused by row-level security (the second wall: the route's own checks let
    it through) is a 403, never a 500. Any other database error is a 500.
    """
    assert isinstance(exc, DBAPIError)
    if _row_security_refusal(exc):
        log.warning("row-level security refused %s %s: %s", request.method, request.url.path,
                    str(exc.orig).splitlines()[0])  # fmt: skip
        return problem(
            403,
            "PermissionDeniedError",
            "the database refused this write: outside your role's scope",
            message="数据库拒绝了此次写入：超出您的角色（法院/部门）可操作的范围",
            message_en="the database refused this write: it is outside what your role "
            "(court, department) may change",
            field="role",
        )
    if not (isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated):
        explained = explain_database_error(exc)
        if explained is not None:  # a rule of the schema, in words (422 or 409), never a 500
            return await _domain_error(request, explained)
        raise exc  # any other database error: the generic 500 handler, as before
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                type(exc.orig).__name__)  # fmt: skip
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "ServiceUnavailable",
            "status": 503,
            "detail": "database unavailable; retry shortly",
            "message": "数据库暂时不可用，请稍后重试",
            "message_en": "the database is unavailable; retry shortly",
        },
        status_code=503,
        media_type=PROBLEM,
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "InternalError",
        "internal error; it has been logged",
        message="服务器内部错误，已记录",
        message_en="internal error; it has been logged",
    )


def add_exception_handlers(app: FastAPI) -> None:
    """Register the mapping on an app."""
    app.add_exception_handler(ParkgisError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_gone)
    app.add_exception_handler(Exception, _unexpected)
