"""Database access: the URL, engines, migrations and the per-transaction acting user."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from parkgis.catalogue import protected_tables, tracked_tables
from parkgis.config import Settings, get_settings
from parkgis.errors import LocalDatabaseError


@lru_cache(maxsize=1)
def postgis_dir() -> Path:
    """The ``postgis`` package's folder (migrations and SQL), in a checkout or a wheel.

    Read through ``importlib.resources``, so an installed wheel migrates without the
    repository. Alembic needs a real folder: an install that is not one (a zip) is refused.
    """
    root = resources.files("postgis")
    if not isinstance(root, Path) or not (root / "migrations").is_dir():
        msg = (
            f"the schema files of the postgis package are not a folder on disk ({root}); "
            "install parkgis as a regular (unzipped) package"
        )
        raise LocalDatabaseError(msg)
    return root


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


#: The non-owner role requests run as (created by postgis/sql/70_security.sql).
APP_ROLE = "parkgis_app"


def enter_scope(
    conn: Connection,
    *,
    actor: str,
    role: str,
    court: str | None = None,
    department: str | None = None,
    app_role: str | None = APP_ROLE,
    lock_timeout: str | None = None,
) -> None:
    """Act in this transaction as an API user: who (history), role, court and department.

    The settings are transaction-local and read by the row-level security policies;
    ``app_role`` (default parkgis_app) is entered with SET LOCAL ROLE, so the policies
    apply. ``app_role=None`` stays the connecting user (row-level security inactive).
    """
    settings = {
        "parkgis.actor": actor,
        "parkgis.role": role,
        "parkgis.court": court or "",
        "parkgis.department": department or "",
    }
    if lock_timeout:
        settings["lock_timeout"] = lock_timeout
    if app_role:
        settings["role"] = app_role  # = SET LOCAL ROLE; last, after the other settings
    names = list(settings)
    calls = ", ".join(f"set_config(:n{i}, :v{i}, true)" for i in range(len(names)))
    params: dict[str, str] = {}
    for i, name in enumerate(names):
        params[f"n{i}"], params[f"v{i}"] = name, settings[name]
    conn.execute(text(f"SELECT {calls}"), params)


def row_security_status(conn: Connection, app_role: str = APP_ROLE) -> dict[str, Any]:
    """Whether requests can run under row-level security, and if not, why.

    Active when the role exists, does not bypass row security, the connecting user may
    SET ROLE to it, and every protected table has row security enabled with policies.
    """
    row = (
        conn.execute(
            text(
                "SELECT r.oid IS NOT NULL AS exists, "
                "coalesce(r.rolsuper OR r.rolbypassrls, false) AS bypasses, "
                "r.oid IS NOT NULL AND pg_has_role(current_user, r.oid, 'MEMBER') AS member, "
                "(SELECT array_agg(t ORDER BY t) FROM unnest(CAST(:tables AS text[])) AS t "
                " WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = to_regclass('public.' "
                " || t) AND c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policy p "
                " WHERE p.polrelid = c.oid))) AS unprotected "
                "FROM (SELECT 1) AS one LEFT JOIN pg_roles r ON r.rolname = :role"
            ),
            {"role": app_role, "tables": list(protected_tables())},
        )
        .mappings()
        .one()
    )
    reason = None
    if not row["exists"]:
        reason = (
            f"角色 {app_role} 不存在（迁移用户缺少 CREATEROLE）/ role {app_role} does not "
            f"exist (the migrating user lacks CREATEROLE): CREATE ROLE {app_role} NOLOGIN; "
            f"GRANT {app_role} TO <user>; then parkgis db migrate"
        )
    elif row["bypasses"]:
        reason = (
            f"角色 {app_role} 可绕过行级安全 / role {app_role} is a superuser or has "
            "BYPASSRLS: ALTER ROLE ... NOSUPERUSER NOBYPASSRLS"
        )
    elif not row["member"]:
        reason = (
            f"连接用户不是 {app_role} 的成员 / the connecting user is not a member of "
            f"{app_role}: GRANT {app_role} TO <user>"
        )
    elif row["unprotected"]:
        reason = (
            f"表未启用行级安全策略 / tables without row-level security policies: "
            f"{', '.join(row['unprotected'])} (run parkgis db migrate)"
        )
    return {"active": reason is None, "role": app_role, "reason": reason}


def schema_fingerprint() -> str:
    """Hash of every migration and SQL file: changes whenever the schema would."""
    digest = hashlib.sha256()
    root = postgis_dir()
    # The history triggers are generated from the catalogue's tracked tables.
    digest.update(repr(sorted(tracked_tables().items())).encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".sql"} and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _alembic_config(url: str, settings: Settings) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(postgis_dir() / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["srid"] = settings.srid
    cfg.attributes["zone_code"] = settings.zone_code
    return cfg


def run_migration_sql(*paths: Path) -> None:
    """Run versioned SQL files inside an Alembic migration, ``{srid}`` filled in.

    DDL cannot take bind parameters; the SRID is a validated integer setting passed by
    :func:`migrate` in the Alembic config attributes. Through the DB-API cursor so a
    ``%`` in SQL stays literal.
    """
    from alembic import context, op

    srid = int(context.config.attributes.get("srid", 4548))
    cursor = op.get_bind().connection.cursor()
    for path in paths:
        cursor.execute(path.read_text(encoding="utf-8").replace("{srid}", str(srid)))


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


def _write_history_tables(conn: Connection) -> None:
    """The catalogue's tracked tables (``history = true``), read by postgis/sql/10_history.sql."""
    conn.execute(
        text(
            "CREATE TABLE logic.history_table (table_name text PRIMARY KEY, "
            "key_columns text[] NOT NULL)"
        )
    )
    conn.execute(
        text("COMMENT ON TABLE logic.history_table IS :c"),
        {"c": "Tables whose changes are recorded in history: layers/*.toml (history = true)"},
    )
    conn.execute(
        text("INSERT INTO logic.history_table VALUES (:t, :k)"),
        [{"t": t, "k": list(k)} for t, k in tracked_tables().items()],
    )


def rebuild_sql(conn: Connection) -> None:
    """Drop and recreate the ``logic`` schema from ``postgis/sql/*.sql`` in file order.

    Views and functions are not versioned: they are rebuilt after every upgrade
    (the TEKSI habit), so a change to one is a change to one file.
    """
    conn.execute(text("DROP SCHEMA IF EXISTS logic CASCADE"))
    conn.execute(text("CREATE SCHEMA logic"))
    _write_history_tables(conn)
    for path in sorted((postgis_dir() / "sql").glob("*.sql")):
        # Through the DB-API cursor without parameters, so a '%' in SQL stays literal.
        conn.connection.cursor().execute(path.read_text(encoding="utf-8"))
