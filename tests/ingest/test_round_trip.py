"""What goes out comes back: export every importable layer in every format, upsert it back.

Before the import every nullable attribute of the layer's rows is cleared and every
geometry moved by 5 m, so a field the import did not restore (a shapefile column whose
10-byte dBase name was not mapped back, say) shows as a difference instead of passing
silently. Geometry must come back within the format's precision (GeoJSON is CRS84 with
7 decimals, about 1 cm; CSV WKT keeps millimetres).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import Connection, text

from parkgis.catalogue import Layer, load_catalogue
from parkgis.export import export_layers
from parkgis.ingest.run import import_file

FORMATS = ("gpkg", "shp", "geojson", "fgb", "csv", "xlsx")
GEOMETRY_TOLERANCE_M = 0.02
IMPORTABLE = [lid for lid, layer in load_catalogue().items() if layer.importable]


def _columns(conn: Connection, layer: Layer) -> tuple[list[str], list[str]]:
    """Writable catalogue columns of the layer's table: (all, nullable and not a key)."""
    info = conn.execute(
        text(
            "SELECT column_name, is_nullable = 'YES' AS nullable, is_generated = 'ALWAYS' AS gen "
            "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = :t"
        ),
        {"t": layer.write_table},
    ).all()
    by_name = {r.column_name: r for r in info}
    keys = {layer.business_key, *layer.key_fields}
    fields = [
        f.name
        for f in layer.fields
        if not f.computed and f.name in by_name and not by_name[f.name].gen
    ]
    clearable = [n for n in fields if by_name[n].nullable and n not in keys]
    return fields, clearable


def _snapshot(conn: Connection, layer: Layer, columns: list[str]) -> dict[Any, dict[str, Any]]:
    """Rows by their key: the id where the table has one, else the layer's key fields."""
    cols = ", ".join(f'"{c}"' for c in columns)
    geom = ", geom" if layer.has_geometry else ""
    rows = conn.execute(text(f"SELECT * FROM {layer.write_table} LIMIT 0")).keys()
    key = ["id"] if "id" in rows else list(layer.key_fields)
    result = conn.execute(text(f"SELECT {cols}{geom}, {', '.join(key)} FROM {layer.write_table}"))
    return {tuple(r[k] for k in key): dict(r) for r in result.mappings()}


def _clear(conn: Connection, layer: Layer, clearable: list[str], move: bool) -> None:
    """Blank every nullable attribute no CHECK ties to another column, in one UPDATE."""
    checks = conn.execute(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'c'"
        ),
        {"t": layer.write_table},
    ).scalars()
    tied = {c for d in checks if "IS NOT NULL" in d or "IS NULL" in d for c in clearable if c in d}
    columns = [c for c in clearable if c not in tied]
    sets = [f'"{c}" = NULL' for c in columns]
    if layer.has_geometry and move:
        sets.append("geom = ST_Translate(geom, 5, 5)")
    if sets:
        conn.execute(text(f"UPDATE {layer.write_table} SET {', '.join(sets)}"))


def _same(a: Any, b: Any) -> bool:
    numbers = (Decimal, float, int)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return abs((a - b).total_seconds()) < 1
    return a == b


@pytest.mark.parametrize("layer_id", IMPORTABLE)
def test_export_then_upsert_restores_every_field(
    demo_conn: Connection, tmp_path: Path, layer_id: str
) -> None:
    layer = load_catalogue()[layer_id]
    fields, clearable = _columns(demo_conn, layer)
    original = _snapshot(demo_conn, layer, fields)
    assert original, f"the demo has no {layer_id}"
    formats = [f for f in FORMATS if layer.has_geometry or f not in ("shp", "fgb")]
    for fmt in formats:
        with demo_conn.begin_nested() as attempt:
            files = export_layers(demo_conn, [layer_id], tmp_path / fmt / f"{layer_id}.{fmt}", fmt)
            source = next(p for p in files if p.suffix == f".{fmt}")
            # An XLSX ledger carries the attributes only: the geometries must stay as they are.
            _clear(demo_conn, layer, clearable, move=fmt != "xlsx")
            report = import_file(demo_conn, layer_id, source, mode="upsert")
            assert report.ok, report.to_text()
            assert not report.extra_columns, (fmt, report.extra_columns)
            back = _snapshot(demo_conn, layer, fields)
            assert back.keys() == original.keys(), fmt
            for row_id, row in original.items():
                for column in fields:
                    assert _same(row[column], back[row_id][column]), (
                        fmt,
                        row_id,
                        column,
                        row[column],
                        back[row_id][column],
                    )
            if layer.has_geometry:
                ids = list(original)
                before = shapely.from_wkb([bytes.fromhex(str(original[i]["geom"])) for i in ids])
                after = shapely.from_wkb([bytes.fromhex(str(back[i]["geom"])) for i in ids])
                far = shapely.hausdorff_distance(before, after) > GEOMETRY_TOLERANCE_M
                assert not far.any(), (fmt, [ids[i] for i in far.nonzero()[0][:5]])
            attempt.rollback()
