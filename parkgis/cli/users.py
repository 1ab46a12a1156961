"""``parkgis users``: issue, list and revoke API keys."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="Users and API keys (keys are printed once, stored hashed).", no_args_is_help=True
)


@app.command("add")
def add(
    name: str,
    role: str = typer.Option(..., help="a role of the role table (parkgis users roles)"),
    department: str | None = typer.Option(None, help="department code (role 'department')"),
    court: str | None = typer.Option(
        None, help="the user's court, as written in the cases, e.g. 烈山区人民法院 (role 'court')"
    ),
) -> None:
    """Create a user and print its API key once (a court user sees only its court's cases)."""
    from parkgis import access, db

    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        _, key = access.create_user(conn, name, role, department, court)
    engine.dispose()
    where = f", {court}" if court else ""
    typer.echo(f"user {name} ({role}{where}) created; API key (shown once, keep it safe):\n{key}")


@app.command("list")
def list_() -> None:
    """List users with role, key prefix and whether revoked."""
    from parkgis import access, db

    engine = db.make_engine()
    with engine.connect() as conn:
        users = access.list_users(conn)
    engine.dispose()
    for u in users:
        state = f"revoked {u['revoked_at']:%Y-%m-%d}" if u["revoked_at"] else "active"
        dept = f" [{u['department_code']}]" if u["department_code"] else ""
        dept += f" [{u['court']}]" if u["court"] else ""
        typer.echo(f"{u['name']:<20} {u['role']:<15}{dept} {u['key_prefix']}…  {state}")


@app.command("revoke")
def revoke(name: str) -> None:
    """Revoke a user's key."""
    from parkgis import access, db

    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        access.revoke_user(conn, name)
    engine.dispose()
    typer.echo(f"user {name} revoked")


@app.command("roles")
def roles(
    output: Path | None = typer.Option(None, help="write the matrix here (e.g. docs/roles.md)"),
) -> None:
    """Print the role matrix: role x capability, layer, field and route (docs/roles.md)."""
    from api.deps import route_requirements
    from parkgis import access, db
    from parkgis.access import matrix

    engine = db.make_engine()
    with engine.connect() as conn:
        table = list(access.load_roles(conn).values())
    engine.dispose()
    page = matrix.render(table, route_requirements())
    if output is None:
        typer.echo(page, nl=False)
    else:
        output.write_text(page, encoding="utf-8")
        typer.echo(f"role matrix written to {output}")
