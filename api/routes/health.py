"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import get_engine
from parkgis import db

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and the schema current; whether row-level security is on",
)
def readyz(request: Request) -> JSONResponse:
    try:
        with get_engine(request).connect() as conn:
            revision = db.current_revision(conn)
            security = db.row_security_status(conn) if revision is not None else None
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
    head = db.head_revision()
    if revision != head:
        return JSONResponse(
            {"status": "migrations pending", "revision": revision, "head": head}, 503
        )
    # Ready either way: without the role the service runs with the catalogue's checks
    # only (the first wall); operators see it here and in `parkgis db status`.
    assert security is not None
    return JSONResponse(
        {
            "status": "ok",
            "revision": revision,
            "row_security": "active" if security["active"] else "inactive",
            **({"row_security_reason": security["reason"]} if security["reason"] else {}),
        }
    )
