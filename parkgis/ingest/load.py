"""Write checked rows in one go: COPY into a staging table, then one INSERT/UPDATE.

The fast path is a single statement per mode; when the database refuses it (a CHECK, a
foreign key, a code list), the rows are replayed one by one, each in a savepoint, only to
name the rows and constraints at fault in the report. The caller's savepoint is then
rolled back: nothing of a refused import remains.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from parkgis.catalogue import Layer
from parkgis.constraint_words import explain_database_error
from parkgis.ingest.report import ImportReport

STAGE = "parkgis_import_stage"
#: Rows replayed one by one after a refused bulk write before the report stops looking.
MAX_ROW_ERRORS = 50


@dataclass(frozen=True)
class Column:
    """What the database says about one column of the target table."""

    name: str
    not_null: bool
    default: str | None
    generated: bool


def quote_table(conn: Connection, qualified: str) -> str:
    """Quote ``schema.table`` or ``table`` (names come from the catalogue, never users)."""
    q = conn.dialect.identifier_preparer.quote
    return ".".join(q(part) for part in qualified.split("."))


def table_columns(conn: Connection, qualified: str) -> dict[str, Column]:
    """Columns of a table with nullability, default and generated flag."""
    schema, _, table = qualified.rpartition(".")
    rows = conn.execute(
        text(
            "SELECT a.attname, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS dflt, "
            "a.attgenerated <> '' OR a.attidentity <> '' AS generated "
            "FROM pg_attribute a LEFT JOIN pg_attrdef d "
            "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = to_regclass(:t) AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        {"t": f"{schema or 'public'}.{table}"},
    ).all()
    return {
        r.attname: Column(r.attname, bool(r.attnotnull), r.dflt, bool(r.generated)) for r in rows
    }


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        out = value
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, (int, float, Decimal)):
        return str(value)
    elif isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    elif isinstance(value, dict):
        out = json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, list):
        items = ",".join(
            '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value
        )
        out = "{" + items + "}"
    else:
        out = str(value)
    if "\\" in out or "\t" in out or "\n" in out or "\r" in out:
        out = (
            out.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        )
    return out


def _column_text(values: list[Any], srid: int) -> list[str]:
    """COPY text of one column; geometries as hex EWKB in one vectorised call."""
    if any(isinstance(v, BaseGeometry) for v in values[:50]) or any(
        isinstance(v, BaseGeometry) for v in values
    ):
        arr = np.array(values, dtype=object)
        mask = np.array([v is not None for v in values], dtype=bool)
        out = np.full(len(values), "\\N", dtype=object)
        if mask.any():
            out[mask] = shapely.to_wkb(
                shapely.set_srid(arr[mask], srid), hex=True, include_srid=True
            )
        return list(out)
    return [_copy_value(v) for v in values]


def _copy_rows(conn: Connection, columns: Sequence[str], data: list[list[Any]], srid: int) -> None:
    """COPY column-wise ``data`` (one list per column) into the staging table."""
    texts = [_column_text(col, srid) for col in data]
    buffer = io.StringIO()
    for row in zip(*texts, strict=True):
        buffer.write("\t".join(row))
        buffer.write("\n")
    buffer.seek(0)
    q = conn.dialect.identifier_preparer.quote
    cursor = conn.connection.cursor()
    cursor.copy_expert(f"COPY {STAGE} ({', '.join(q(c) for c in columns)}) FROM STDIN", buffer)


def write_rows(  # noqa: C901 - stage, then insert/upsert/replace: one transaction's steps read in order
    conn: Connection,
    layer: Layer,
    columns: list[str],
    rows: list[list[Any]],
    row_numbers: list[int],
    mode: str,
    source_name: str,
    keys: Sequence[str],
    report: ImportReport,
    srid: int,
) -> None:
    """Stage ``rows`` and write them to the layer's table by ``mode``; errors go to ``report``."""
    q = conn.dialect.identifier_preparer.quote
    table = quote_table(conn, layer.write_table)
    info = table_columns(conn, layer.write_table)
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    conn.execute(
        text(
            f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS "
            f"SELECT {', '.join(q(c) for c in columns)} FROM {table} WITH NO DATA"
        )
    )
    if "geom" in columns:
        conn.execute(text(f"ALTER TABLE {STAGE} ALTER COLUMN geom TYPE geometry"))
    conn.execute(text(f"ALTER TABLE {STAGE} ADD COLUMN _row integer"))
    data = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in columns]
    try:
        with conn.begin_nested():
            _copy_rows(conn, [*columns, "_row"], [*data, list(row_numbers)], srid)
    except DBAPIError as exc:
        _report_copy_error(exc, row_numbers, report)
        return
    conn.execute(text(f"ANALYZE {STAGE}"))

    multi = (layer.geometry_type or "").startswith("Multi")

    def expr(c: str) -> str:
        col = info[c]
        value = f"s.{q(c)}"
        if c == "geom" and multi:
            value = f"ST_Multi({value})"
        if col.not_null and col.default is not None:
            value = f"COALESCE({value}, {col.default})"
        return value

    insert_cols = ", ".join(q(c) for c in columns)
    insert_sql = (
        f"INSERT INTO {table} ({insert_cols}) SELECT {', '.join(expr(c) for c in columns)} "
        f"FROM {STAGE} s"
    )
    update_sql = ""
    if mode == "upsert":
        match = " AND ".join(
            f"t.{q(k)} = s.{q(k)}"
            if info[k].not_null
            else f"t.{q(k)} IS NOT DISTINCT FROM s.{q(k)}"
            for k in keys
        )
        sets = []
        for c in columns:
            if c in keys:
                continue
            if c == "extra":
                sets.append("extra = t.extra || COALESCE(s.extra, '{}'::jsonb)")
            elif c == "geom":
                sets.append(f"geom = COALESCE({expr(c)}, t.geom)")
            else:
                sets.append(f"{q(c)} = COALESCE(s.{q(c)}, t.{q(c)})")
        update_sql = f"UPDATE {table} t SET {', '.join(sets)} FROM {STAGE} s WHERE {match}"
        insert_sql += f" WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})"

    if mode == "replace" and not _delete_source(conn, table, info, source_name, report):
        return
    try:
        with conn.begin_nested():
            _bulk(conn, update_sql, insert_sql, report)
    except DBAPIError:
        _locate_errors(conn, update_sql, insert_sql, row_numbers, rows, columns, report)


def _bulk(conn: Connection, update_sql: str, insert_sql: str, report: ImportReport) -> None:
    if update_sql:
        report.rows_updated = conn.execute(text(update_sql)).rowcount
    inserted = conn.execute(text(insert_sql + " ORDER BY s._row")).rowcount
    report.rows_written = inserted + report.rows_updated


def _delete_source(
    conn: Connection, table: str, info: dict[str, Column], source_name: str, report: ImportReport
) -> bool:
    """Delete the rows an earlier import of ``source_name`` wrote (mode replace)."""
    where = "source = :src" if "source" in info else "extra ->> '_source' = :src"
    try:
        with conn.begin_nested():
            report.rows_deleted = conn.execute(
                text(f"DELETE FROM {table} WHERE {where}"), {"src": source_name}
            ).rowcount
    except DBAPIError as exc:
        report.error(
            f"无法删除来自 {source_name} 的旧数据：其他数据仍引用它们",
            f"cannot delete the rows from {source_name}: other rows still refer to them "
            f"({_diag(exc)[0]})",
            action="导入被拒绝 refused",
        )
        return False
    return True


def _report_copy_error(exc: DBAPIError, row_numbers: list[int], report: ImportReport) -> None:
    """A value the database cannot read (e.g. a date it cannot parse): name row and column."""
    message = _diag(exc)[0]
    context = str(getattr(getattr(exc.orig, "diag", None), "context", "") or "")
    found = re.search(r"line (\d+), column (\w+)(?:: \"(.*)\")?", context)
    row = column = value = None
    if found:
        line = int(found.group(1))
        row = row_numbers[line - 1] if 0 < line <= len(row_numbers) else None
        column, value = found.group(2), found.group(3)
    report.error(
        f"字段 {column} 的值“{value}”无法存入（类型或格式不对，如日期应为 YYYY-MM-DD）"
        if column
        else "文件中有数据库无法读取的值（类型或格式不对）",
        f"the database cannot read this value: {message}",
        row=row,
        field=column,
        value=value,
        action="导入被拒绝 refused",
    )


def _diag(exc: DBAPIError) -> tuple[str, str | None, str | None]:
    diag = getattr(exc.orig, "diag", None)
    message = getattr(diag, "message_primary", None) or str(exc.orig).splitlines()[0]
    return message, getattr(diag, "constraint_name", None), getattr(diag, "column_name", None)


def _locate_errors(
    conn: Connection,
    update_sql: str,
    insert_sql: str,
    row_numbers: list[int],
    rows: list[list[Any]],
    columns: list[str],
    report: ImportReport,
) -> None:
    """Replay the rows one at a time to name each refused row and the rule it broke."""
    conn.execute(text(f"CREATE INDEX ON {STAGE} (_row)"))
    found = 0
    for number, values in zip(row_numbers, rows, strict=True):
        try:
            with conn.begin_nested() as sp:
                if update_sql:
                    conn.execute(text(update_sql + " AND s._row = :r"), {"r": number})
                conn.execute(
                    text(insert_sql + (" AND" if update_sql else " WHERE") + " s._row = :r"),
                    {"r": number},
                )
                sp.rollback()
        except DBAPIError as exc:
            _, constraint, column = _diag(exc)
            rule = _constraint_def(conn, constraint) if constraint else None
            explained = explain_database_error(exc, row=number)
            field = (explained.field if explained else None) or _field_of(
                constraint, column, columns, rule
            )
            parts = [c for c in (field or "").split(",") if c in columns]
            picked = [values[columns.index(c)] for c in parts]
            value = picked[0] if len(picked) == 1 else (picked or None)
            report.error(
                explained.message if explained else "数据库拒绝此行（未能说明违反的规则）",
                explained.message_en if explained else "the database refuses this row",
                row=number,
                field=field,
                value=value if not isinstance(value, BaseGeometry) else value.geom_type,
                expected=explained.expected if explained else None,
                action="导入被拒绝 refused",
            )
            found += 1
            if found >= MAX_ROW_ERRORS:
                report.error(
                    f"错误过多，只列出前 {MAX_ROW_ERRORS} 行",
                    f"too many errors: only the first {MAX_ROW_ERRORS} rows are listed",
                )
                break
    if not found:
        report.error(
            "数据库拒绝了本次写入（逐行检查未能定位）",
            "the database refused the write (no single row could be blamed)",
            action="导入被拒绝 refused",
        )


def _field_of(
    constraint: str | None, column: str | None, columns: list[str], rule: str | None
) -> str | None:
    if column:
        return column
    fk = re.match(r"FOREIGN KEY \(([^)]*)\)", rule or "")
    if fk:
        return ",".join(c.strip().strip('"') for c in fk.group(1).split(","))
    for hint in (constraint, rule):
        for c in sorted(columns, key=len, reverse=True):
            if hint and c in hint and c not in ("geom", "extra"):
                return c
    return None


def _constraint_def(conn: Connection, name: str) -> str | None:
    try:
        with conn.begin_nested():
            return conn.execute(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :n LIMIT 1"
                ),
                {"n": name},
            ).scalar()
    except DBAPIError:
        return None
