"""A write the database refused, in words: which rule, which field (and the caller adds the row).

A constraint's SQL (``new row for relation "parcel" violates check constraint
"parcel_check2"``) never reaches a person. CHECKs and the guard triggers' named refusals
take their words from ``postgis/constraint_words.toml`` (kept next to the schema; a test
fails for a CHECK without words); UNIQUE, FOREIGN KEY and NOT NULL refusals are written
from the field labels of the layer catalogue and the values the database reports.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import DBAPIError

from parkgis.errors import ConflictError, ParkgisError, ValidationError

_KEY = re.compile(r"Key \((?P<cols>[^)]*)\)=\((?P<vals>.*)\)")


@dataclass(frozen=True)
class RuleWords:
    """What a constraint demands, in Chinese and English, and the field it is about."""

    zh: str
    en: str
    field: str | None


@lru_cache(maxsize=1)
def _words() -> dict[str, dict[str, str]]:
    from parkgis.db import postgis_dir

    return tomllib.loads((postgis_dir() / "constraint_words.toml").read_text(encoding="utf-8"))


def words(constraint: str) -> RuleWords | None:
    """The words of a named constraint, or None when the file has none."""
    entry = _words().get(constraint)
    if entry is None:
        return None
    return RuleWords(entry["zh"], entry["en"], entry.get("field") or None)


@lru_cache(maxsize=256)
def _label(table: str | None, column: str) -> tuple[str, str]:
    from parkgis.catalogue import load_catalogue

    for layer in load_catalogue().values():
        if table and layer.write_table.split(".")[-1] == table:
            for f in layer.fields:
                if f.name == column:
                    return f.label("zh"), f.label("en")
    return column, column.replace("_", " ")


def explain_database_error(exc: DBAPIError, row: int | None = None) -> ParkgisError | None:
    """The refusal as a domain error (ValidationError, ConflictError), or None if not one."""
    orig = exc.orig
    diag: Any = getattr(orig, "diag", None)
    code = str(getattr(orig, "pgcode", "") or "")
    constraint = getattr(diag, "constraint_name", None)
    table = getattr(diag, "table_name", None)
    column = getattr(diag, "column_name", None)
    detail = str(getattr(diag, "message_detail", "") or "")
    key = _KEY.search(detail)
    cols = ",".join(c.strip() for c in key["cols"].split(",")) if key else None
    rule = words(constraint) if constraint else None
    where = f"第 {row} 行：" if row is not None else ""
    where_en = f"row {row}: " if row is not None else ""
    if rule is not None:
        cls = ConflictError if code == "23505" else ValidationError
        return cls(
            message=f"{where}{rule.zh}",
            message_en=f"{where_en}{rule.en}",
            field=rule.field,
            row=row,
            expected=rule.zh,
        )
    if code == "23505" and key:  # unique
        zh, en = _label(table, key["cols"].split(",")[0].strip())
        return ConflictError(
            message=f"{where}{zh}“{key['vals']}”已存在，不能重复",
            message_en=f"{where_en}{en} {key['vals']!r} already exists",
            field=cols,
            row=row,
            found=key["vals"],
        )
    if code == "23503" and key:  # foreign key
        zh, en = _label(table, key["cols"].split(",")[0].strip())
        return ValidationError(
            message=f"{where}{zh}“{key['vals']}”没有对应的记录",
            message_en=f"{where_en}{en} {key['vals']!r} refers to nothing",
            field=cols,
            row=row,
            found=key["vals"],
            expected="an existing record",
        )
    if code == "23502" and column:  # not null
        zh, en = _label(table, column)
        return ValidationError(
            message=f"{where}{zh}为必填项",
            message_en=f"{where_en}{en} is required",
            field=column,
            row=row,
        )
    if code.startswith("22"):  # data exception: a value the column cannot hold
        return ValidationError(
            message=f"{where}{'字段 ' + _label(table, column)[0] + ' 的' if column else ''}"
            "值超出范围或格式不对",
            message_en=f"{where_en}a value is out of range or malformed"
            + (f" ({column})" if column else ""),
            field=column,
            row=row,
        )
    return None
