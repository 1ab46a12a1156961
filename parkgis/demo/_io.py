"""Bulk writing for the demo: ids from the tables' sequences and ``COPY ... FROM STDIN``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import shapely
from sqlalchemy import Connection, text

Row = dict[str, Any]

#: Ids reserved per round trip when a generator asks for more.
_ID_BLOCK = 4096


class IdPool:
    """Ids of one table taken from its identity sequence, so rows can reference each other
    before they are written (the sequence stays correct for later inserts)."""

    def __init__(self, conn: Connection, table: str) -> None:
        self._conn = conn
        self._table = table
        self._free: list[int] = []

    def next(self) -> int:
        """The next free id of the table."""
        if not self._free:
            rows = self._conn.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                    "FROM generate_series(1, :n) ORDER BY 1"
                ),
                {"t": f"public.{self._table}", "n": _ID_BLOCK},
            ).scalars()
            self._free = [int(v) for v in rows][::-1]
        return self._free.pop()


def ewkb_hex(geoms: Sequence[shapely.Geometry] | Any, srid: int) -> list[str]:
    """Hex EWKB with the SRID embedded: the text form PostGIS's geometry input accepts."""
    arr = shapely.set_srid(list(geoms), srid)
    return [str(v) for v in shapely.to_wkb(arr, hex=True, include_srid=True)]


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list | tuple):
        inner = ",".join(
            '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value
        )
        return "{" + inner + "}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(float(value), 6))
    return value


def copy_rows(conn: Connection, table: str, rows: Iterable[Row], columns: Sequence[str]) -> int:
    """Write ``rows`` (dicts; missing keys are NULL) into ``table`` with one COPY.

    Values never pass through SQL text: COPY's CSV stream carries them, and a geometry
    is its hex EWKB. ``table`` and ``columns`` are the demo's own constants.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
        count += 1
    if not count:
        return 0
    buffer.seek(0)
    cursor = conn.connection.cursor()
    try:
        cursor.copy_expert(
            f"COPY public.{table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer
        )
    finally:
        cursor.close()
    return count
