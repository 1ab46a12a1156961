"""The ``parkgis`` command: one sub-command group per concern, each in its own module."""

from __future__ import annotations

import sys

import typer

from parkgis.errors import ParkgisError

app = typer.Typer(
    name="parkgis",
    help="parkgis: the industrial park's shared map (园区土地与厂房盘活 GIS).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    """Attach every command group (imported here, not at module import of parkgis)."""
    from parkgis.cli import db, demo, serve, users

    app.add_typer(db.app, name="db")
    app.add_typer(demo.app, name="demo")
    app.add_typer(users.app, name="users")
    app.command("serve")(serve.serve)
    for optional in ("dataio", "release", "repairs", "matching", "edit"):
        try:
            module = __import__(f"parkgis.cli.{optional}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"parkgis.cli.{optional}":
                raise
            continue
        module.register(app)


@app.callback()
def _start() -> None:
    """Check the rules files before any command runs (a wrong key names file and key)."""
    from parkgis import rules

    rules.current()


def main() -> None:
    """Entry point: run the CLI; a domain error prints its message and exits 1."""
    _register()
    try:
        app()
    except ParkgisError as exc:
        typer.secho(f"错误 / error: {exc.message}", fg="red", err=True)
        if exc.message_en and exc.message_en != exc.message:
            typer.secho(f"  {exc.message_en}", fg="red", err=True)
        sys.exit(1)
