"""``parkgis db``: the private cluster and the schema."""

from __future__ import annotations

from pathlib import Path

import typer

from parkgis import localdb
from parkgis.config import get_settings

app = typer.Typer(help="Database: private cluster, migrations, reset.", no_args_is_help=True)


@app.command()
def up() -> None:
    """Start the private PostgreSQL/PostGIS cluster (initialise it the first time)."""
    for line in localdb.up(get_settings()):
        typer.echo(line)


@app.command()
def down() -> None:
    """Stop the private cluster."""
    for line in localdb.down(get_settings()):
        typer.echo(line)


@app.command()
def status() -> None:
    """Say where the database is, whether it runs, and its schema revision."""
    from sqlalchemy.exc import OperationalError

    from parkgis import db

    settings = get_settings()
    typer.echo(localdb.status(settings))
    try:
        engine = db.make_engine()
        with engine.connect() as conn:
            revision = db.current_revision(conn)
            security = db.row_security_status(conn) if revision else None
        engine.dispose()
    except (OperationalError, FileNotFoundError):
        typer.echo("database: not reachable")
        raise typer.Exit(1) from None
    head = db.head_revision()
    state = "current" if revision == head else f"behind (head {head}; run: parkgis db migrate)"
    typer.echo(f"schema revision: {revision or 'none'} ({state})")
    if security is not None:
        if security["active"]:
            typer.echo(f"row-level security: active (requests run as {security['role']})")
        else:
            typer.echo(f"row-level security: INACTIVE / 未启用 — {security['reason']}")


@app.command()
def url(show_password: bool = typer.Option(False, help="Print the password too.")) -> None:
    """Print the database URL parkgis uses."""
    from sqlalchemy.engine import make_url

    from parkgis import db

    typer.echo(make_url(db.database_url()).render_as_string(hide_password=not show_password))


@app.command()
def migrate() -> None:
    """Upgrade the schema to the newest migration and rebuild SQL functions and views."""
    from parkgis import db

    settings = get_settings()
    localdb.up(settings)
    head = db.migrate(settings=settings)
    typer.echo(f"schema at revision {head}")


@app.command()
def reset(yes: bool = typer.Option(False, "--yes", help="Confirm: every row is lost.")) -> None:
    """Drop every table and migrate again from empty (all data is lost)."""
    from sqlalchemy import text

    from parkgis import db

    if not yes:
        typer.echo("refusing to reset without --yes: every row of the database would be lost")
        raise typer.Exit(2)
    settings = get_settings()
    localdb.up(settings)
    engine = db.make_engine()
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS logic CASCADE"))
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    head = db.migrate(settings=settings)
    typer.echo(f"database reset; schema at revision {head}")


@app.command()
def compact() -> None:
    """Trim the tile and count cache change log to its newest row per table and empty the
    matching offer's removal log (run daily)."""
    from sqlalchemy import text

    from parkgis import db

    settings = get_settings()
    localdb.up(settings)
    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        removed = conn.execute(text("SELECT logic.compact_layer_change()")).scalar_one()
        left = conn.execute(text("SELECT count(*) FROM layer_change")).scalar_one()
        gone = conn.execute(text("SELECT logic.compact_site_offer_gone()")).scalar_one()
    engine.dispose()
    typer.echo(f"change log compacted: {removed} rows removed, {left} kept (one per table)")
    typer.echo(
        f"matching offer removal log emptied: {gone} rows"
        + (" (each worker copies the offer whole at its next match)" if gone else "")
    )


@app.command()
def backup(path: Path) -> None:
    """Back up the whole database to PATH (pg_dump custom format)."""
    from parkgis import backup as backups
    from parkgis import db

    size = backups.backup(db.database_url(), path)
    typer.echo(f"backup written to {path} ({size / 1e6:.1f} MB)")


@app.command()
def restore(
    path: Path, yes: bool = typer.Option(False, "--yes", help="Confirm: current rows are replaced.")
) -> None:
    """Restore the database from PATH (all or nothing), then migrate to the current schema."""
    from parkgis import backup as backups
    from parkgis import db

    if not yes:
        typer.echo("refusing to restore without --yes: the current data would be replaced")
        raise typer.Exit(2)
    backups.restore(db.database_url(), path)
    head = db.migrate(settings=get_settings())
    typer.echo(f"restored from {path}; schema at revision {head}")
