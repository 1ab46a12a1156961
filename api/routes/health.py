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


@router.get("/readyz", summary="The database is reachable and the schema current")
def readyz(request: Request) -> JSONResponse:
    try:
        with get_engine(request).connect() as conn:
            revision = db.current_revision(conn)
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
    head = db.head_revision()
    if revision != head:
        return JSONResponse(
            {"status": "migrations pending", "revision": revision, "head": head}, 503
        )
    return JSONResponse({"status": "ok", "revision": revision})
