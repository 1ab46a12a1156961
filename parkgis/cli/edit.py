"""``parkgis edit LAYER FEATURE_ID --set field=value --if-version N``: one checked edit."""

from __future__ import annotations

import typer

from parkgis.errors import ValidationError


def _pairs(assignments: list[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValidationError(
                message=f"--set 须写成 字段=值，而不是 {item!r}",
                message_en=f"--set needs field=value, got {item!r}",
                field="--set",
                expected="field=value",
                found=item,
            )
        changes[name.strip()] = value
    return changes


def edit(
    layer: str = typer.Argument(..., help="layer id, e.g. parcels, buildings, units, roads"),
    feature_id: str = typer.Argument(..., help="the feature's id"),
    assignments: list[str] = typer.Option(
        ..., "--set", help="field=value (repeatable; an empty value clears the field)"
    ),
    if_version: int = typer.Option(
        ..., "--if-version", help="the version you read; a newer one refuses the edit"
    ),
) -> None:
    """Change properties of one feature when it is still at --if-version; print the new version."""
    from parkgis import db
    from parkgis.editing import update_feature

    changes = _pairs(assignments)
    engine = db.make_engine()
    try:
        with engine.begin() as conn:
            db.set_actor(conn, "cli")
            result = update_feature(conn, layer, feature_id, changes, if_version, "admin")
    finally:
        engine.dispose()
    typer.echo(f"{layer} {result['id']} version {result['version']}")


def register(app: typer.Typer) -> None:
    """Add ``parkgis edit`` to the root app."""
    app.command("edit")(edit)
