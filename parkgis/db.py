"""Database access: the URL, engines, migrations and the per-transaction acting user."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from parkgis.config import Settings, get_settings

#: Root of the repository's ``postgis/`` folder (migrations and SQL), also when installed
#: in development mode; ``PARKGIS_POSTGIS_DIR`` is not needed for a checkout.
POSTGIS_DIR = Path(__file__).resolve().parent.parent / "postgis"


def database_url(settings: Settings | None = None, database: str | None = None) -> str:
    """The configured database URL, or the private cluster's."""
    settings = settings or get_settings()
    if settings.database_url:
        url = settings.database_url
        if database:
            from sqlalchemy.engine import make_url

            url = make_url(url).set(database=database).render_as_string(hide_password=False)
        return url
    from parkgis.localdb import cluster_for

    return cluster_for(settings).url(database)


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    """A new engine for ``url`` (default: the configured database). The caller owns it."""
    # JIT compilation costs seconds on the planner's estimates of spatial queries and
    # buys nothing on the park's short queries: off for every parkgis connection.
    options: dict[str, object] = {
        "pool_pre_ping": True,
        "connect_args": {"options": "-c jit=off"},
    }
    options.update(kwargs)
    return create_engine(url or database_url(), **options)


def set_actor(conn: Connection, actor: str) -> None:
    """Record who acts in this transaction; the history trigger stores it."""
    conn.execute(text("SELECT set_config('parkgis.actor', :actor, true)"), {"actor": actor})


def schema_fingerprint() -> str:
    """Hash of every migration and SQL file: changes whenever the schema would."""
    digest = hashlib.sha256()
    for path in sorted(POSTGIS_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".sql"} and "__pycache__" not in path.parts:
            digest.update(path.relative_to(POSTGIS_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _alembic_config(url: str, settings: Settings) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(POSTGIS_DIR / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["srid"] = settings.srid
    cfg.attributes["zone_code"] = settings.zone_code
    return cfg


def migrate(url: str | None = None, settings: Settings | None = None) -> str:
    """Upgrade the schema to head, then rebuild the SQL functions and views; return head."""
    from alembic import command
    from alembic.script import ScriptDirectory

    settings = settings or get_settings()
    url = url or database_url(settings)
    cfg = _alembic_config(url, settings)
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            rebuild_sql(conn)
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    return str(head)


def current_revision(conn: Connection) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    exists = conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
    if exists is None:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """The newest migration in ``postgis/migrations``."""
    from alembic.script import ScriptDirectory

    cfg = _alembic_config("postgresql://", get_settings())
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def rebuild_sql(conn: Connection) -> None:
    """Drop and recreate the ``logic`` schema from ``postgis/sql/*.sql`` in file order.

    Views and functions are not versioned: they are rebuilt after every upgrade
    (the TEKSI habit), so a change to one is a change to one file.
    """
    conn.execute(text("DROP SCHEMA IF EXISTS logic CASCADE"))
    conn.execute(text("CREATE SCHEMA logic"))
    for path in sorted((POSTGIS_DIR / "sql").glob("*.sql")):
        # Through the DB-API cursor without parameters, so a '%' in SQL stays literal.
        conn.connection.cursor().execute(path.read_text(encoding="utf-8"))
