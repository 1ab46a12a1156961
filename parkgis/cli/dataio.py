"""``parkgis import`` and ``parkgis export``: the park's files in and out."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def import_(
    layer: str = typer.Argument(..., help="catalogue layer id, e.g. parcels, firms, inspections"),
    path: Path = typer.Argument(..., help="shp (or zip), gpkg, geojson, fgb, csv, xlsx"),
    crs: str | None = typer.Option(None, "--crs", help="source EPSG code (overrides .prj)"),
    encoding: str | None = typer.Option(None, "--encoding", help="e.g. gbk, gb18030, utf-8"),
    source_layer: str | None = typer.Option(
        None, "--source-layer", help="GeoPackage layer, XLSX sheet or file in a zip"
    ),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="TOML/JSON: [columns], [values.FIELD], [units], [defaults]"
    ),
    mode: str = typer.Option("insert", "--mode", help="insert | upsert | replace"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check and report, write nothing"),
    strict: bool = typer.Option(False, "--strict", help="refuse invalid geometry, no repair"),
    from_gcj02: bool = typer.Option(
        False, "--from-gcj02", help="coordinates were digitised on Gaode (GCJ-02) maps"
    ),
    source: str | None = typer.Option(
        None, "--source", help="name of the source (default: file name); replace uses it"
    ),
    report_file: Path | None = typer.Option(
        None, "--report", help="write the report there (.json for JSON, else text)"
    ),
) -> None:
    """Import a file into a layer: everything arrives, or nothing and the report says why."""
    from parkgis import db
    from parkgis.ingest import import_file

    engine = db.make_engine()
    try:
        with engine.begin() as conn:
            db.set_actor(conn, "cli")
            report = import_file(
                conn,
                layer,
                path,
                crs=crs,
                encoding=encoding,
                source_layer=source_layer,
                mapping_file=mapping,
                mode=mode,
                dry_run=dry_run,
                strict=strict,
                from_gcj02=from_gcj02,
                source_name=source,
                progress=sys.stderr.isatty(),
            )
    finally:
        engine.dispose()
    if report_file is not None:
        body = report.to_json() if report_file.suffix.lower() == ".json" else report.to_text()
        report_file.write_text(body, encoding="utf-8")
    lines = report.to_text().splitlines()
    for line in lines[:60]:
        typer.echo(line, err=not report.ok)
    if len(lines) > 60:
        typer.echo(f"... {len(lines) - 60} more lines (--report FILE)", err=not report.ok)
    if not report.ok:
        raise typer.Exit(code=2)


def export(
    layer: str = typer.Argument(..., help="layer id; several comma-separated for xlsx/gpkg"),
    path: Path = typer.Argument(..., help="output file"),
    fmt: str | None = typer.Option(
        None, "--format", help="gpkg | shp | geojson | csv | xlsx (default: from the suffix)"
    ),
    where: list[str] = typer.Option(
        [],
        "--where",
        help="filter on catalogue fields, e.g. status=idle or area_mu>=50; several joined by ';'"
        " or repeated. Values are bound parameters; raw SQL is not accepted.",
    ),
    crs: int | None = typer.Option(None, "--crs", help="output EPSG (GeoJSON is always CRS84)"),
) -> None:
    """Export layers (as admin: every field and row)."""
    from parkgis import db
    from parkgis.export import export_layers

    engine = db.make_engine()
    try:
        with engine.begin() as conn:
            db.set_actor(conn, "cli")
            written = export_layers(
                conn,
                [x.strip() for x in layer.split(",") if x.strip()],
                path,
                fmt,
                where or None,
                crs,
                role="admin",
            )
    finally:
        engine.dispose()
    for p in written:
        typer.echo(str(p))


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``export`` to the root command."""
    app.command("import")(import_)
    app.command("export")(export)
