"""The ``parkgis`` command: one sub-command group per concern, each in its own module."""

from __future__ import annotations

import sys
from typing import Any

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
    """Entry point: run the CLI; every error a person can cause prints words, never a traceback.

    A domain error prints its message and exits 1; a usage error (an unknown option, a
    number that is not one) exits 2 with click's message; a database refusal is put in
    words from ``postgis/constraint_words.toml``; anything else prints one bilingual line
    (``PARKGIS_DEBUG=1`` shows the traceback) and exits 1.
    """
    import click

    _register()
    try:
        rc = app(standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        sys.exit(1)
    except ParkgisError as exc:
        _say(exc.message, exc.message_en)
        sys.exit(1)
    except Exception as exc:  # the last wall before a traceback reaches a person
        sys.exit(_usage(exc) if _is_usage(exc) else _unexpected(exc))
    if isinstance(rc, int) and rc:
        sys.exit(rc)


def _is_usage(exc: Exception) -> bool:
    """Click's usage errors (from click or the copy typer vendors): bad option or argument."""
    return hasattr(exc, "format_message") and getattr(exc, "exit_code", None) == 2


def _usage(exc: Any) -> int:
    if type(exc).__name__ == "NoArgsIsHelpError":  # a group called bare: typer printed its help
        return 2
    _say(f"命令参数有误：{exc.format_message()}（加 --help 查看用法）",
         f"{exc.format_message()} (see --help)")  # fmt: skip
    return 2


def _say(message: str, message_en: str | None) -> None:
    typer.secho(f"错误 / error: {message}", fg="red", err=True)
    if message_en and message_en != message:
        typer.secho(f"  {message_en}", fg="red", err=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _unexpected(exc: Exception) -> int:
    import os
    import traceback

    from sqlalchemy.exc import DBAPIError, OperationalError

    from parkgis.constraint_words import explain_database_error

    if isinstance(exc, DBAPIError):
        explained = explain_database_error(exc)
        if explained is not None:
            _say(explained.message, explained.message_en)
            return 1
    if isinstance(exc, OperationalError):
        _say("无法连接数据库（parkgis db status 查看状态）",
             "the database is unreachable (see parkgis db status)")  # fmt: skip
    elif isinstance(exc, OSError):
        where = f"{exc.filename}：" if exc.filename else ""
        where_en = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or _first_line(exc)
        _say(
            f"文件无法读写：{where}{reason}；命令未完成，数据库未改动",
            f"a file cannot be read or written: {where_en}{reason}; nothing was changed",
        )
    else:
        # The first line of the cause (never the SQL or a traceback), so the clerk can act.
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        detail = _first_line(cause)
        _say(f"内部错误（{type(exc).__name__}：{detail}），命令未完成，数据库未改动",
             f"internal error ({type(exc).__name__}: {detail}): nothing was changed")  # fmt: skip
    if os.environ.get("PARKGIS_DEBUG"):
        traceback.print_exception(exc)
    return 1
