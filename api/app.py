"""The FastAPI application factory."""

from __future__ import annotations

import gc
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from api import logs
from api.csrf import csrf_guard
from api.errors import add_exception_handlers
from api.headers import SecurityHeadersMiddleware
from api.middleware import RequestContextMiddleware
from parkgis import db, maps, rules
from parkgis.config import Settings, get_settings

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Router modules in inclusion order; each defines ``router``. The OGC API Features
#: routes come last because they own the service root.
ROUTER_MODULES = (
    "api.routes.health",
    "api.routes.dataio",
    "api.routes.release",
    "api.routes.repairs",
    "api.routes.matching",
    "api.routes.maps",
    "api.routes.docs",
    "api.pages.signin",
    "api.pages.staff",
    "api.pages.cases",
    "api.routes.tiles",
    "api.routes.edit",
    "api.routes.features",
)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; ``engine`` defaults to one on the configured database."""
    settings = settings or get_settings()
    # The rules are checked before anything serves: a wrong key stops the start with the
    # file, the key and the expected type (parkgis.rules.RulesError).
    rules.load(str(settings.rules_file) if settings.rules_file else None)
    owned = engine is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything imported so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise stall a request now and then by
        # ~50 ms (measured in bench/match_bench.py). Not for an app given an engine
        # (tests): their objects are meant to be collected.
        if owned:
            gc.freeze()
        yield
        if owned:
            app.state.engine.dispose()

    app = FastAPI(
        title="parkgis",
        description="烈山区园区土地与厂房盘活 GIS — OGC API Features, vector tiles, site matching, "
        "land release and repair planning.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # api/routes/docs.py serves both with their own Content-Security-Policy
        redoc_url=None,
        # Every write a browser cookie could authorise is checked here, before any route.
        dependencies=[Depends(csrf_guard)],
    )
    app.state.settings = settings
    app.state.engine = engine or db.make_engine(
        db.database_url(settings), pool_size=10, max_overflow=20
    )
    add_exception_handlers(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_mb * 1_000_000)
    app.add_middleware(SecurityHeadersMiddleware)
    logs.install()
    for name in ROUTER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.include_router(module.router)
    # The map viewers' own scripts and styles are package data of parkgis.maps; the
    # third-party ones are vendored into api/static by `python -m api.vendor`. The more
    # specific mount comes first: routes match in order.
    app.mount("/static/maps", StaticFiles(packages=[maps.STATIC_PACKAGE]), name="static-maps")
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    return app
