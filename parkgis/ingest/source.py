"""What a reader hands the import: one table and what was learnt reading it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from parkgis.errors import ValidationError


@dataclass
class Source:
    """A file read into memory, with what the report must say about how it was read."""

    frame: pd.DataFrame
    format: str
    crs: Any = None
    encoding: str | None = None
    encoding_how: str = ""
    row_offset: int = 1
    notes: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    has_geometry: bool = False
    #: A column that holds the layer's business key when no column is named for it
    #: (a CAD text inside each boundary, a KML placemark's name).
    key_column: str | None = None
    #: Spreadsheet rows left out of the table: (row number, why in Chinese, in English).
    skipped_rows: list[tuple[int, str, str]] = field(default_factory=list)


def _refuse(message: str, message_en: str, **kw: Any) -> ValidationError:
    return ValidationError(message=message, message_en=message_en, field="file", **kw)


def refuse(message: str, message_en: str, **kw: Any) -> ValidationError:
    """The error for a file that cannot be read at all (field ``file``)."""
    return ValidationError(message=message, message_en=message_en, field="file", **kw)


def short(exc: Exception) -> str:
    """The first line of an exception, for a message."""
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
