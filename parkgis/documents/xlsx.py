"""The one XLSX writer: every workbook a person opens (ledgers, exports, work orders).

Each sheet gets a bold frozen header repeated on every printed page, an autofilter,
column widths from the content (a CJK character counts twice), number formats (元 with
thousands separators, 亩 with two decimals, dates as dates) and a print setup of
landscape A4 fitted to the page width. Text that would start a formula (``=``, ``+``,
``-``, ``@``) is neutralised with a leading quote, so a cell can never run a formula
(OWASP "CSV injection"). A missing value is the word for it, never ``None`` or ``nan``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from parkgis.labels.format import Lang, is_missing, missing

Kind = Literal["text", "yuan", "mu", "m2", "number", "integer", "date", "percent"]

#: Excel number formats per kind of column (the unit is in the format: cells stay numbers).
NUMBER_FORMATS: dict[str, str] = {
    "yuan": '#,##0" 元"',
    "mu": '#,##0.00" 亩"',
    "m2": '#,##0" m²"',
    "number": "#,##0.##",
    "integer": "#,##0",
    "date": 'yyyy"年"m"月"d"日"',
    "percent": "0.0%",
}
_EN_NUMBER_FORMATS = {
    **NUMBER_FORMATS,
    "yuan": '"CNY "#,##0',
    "mu": '#,##0.00" mu"',
    "date": "d mmm yyyy",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MIN_WIDTH, _MAX_WIDTH = 6, 60


@dataclass(frozen=True)
class Column:
    """A column: its header and the kind of its values."""

    title: str
    kind: Kind = "text"


@dataclass
class Sheet:
    """One worksheet: a title (at most 31 characters in Excel), columns and rows."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)


def safe_text(value: str) -> str:
    """Text that cannot start a formula in a spreadsheet (a leading quote otherwise)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def cell_value(value: Any, kind: Kind, lang: Lang = "zh") -> Any:
    """What goes into the cell: a number, a date, or safe text; a word when missing."""
    if is_missing(value):
        return missing(lang)
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
        to_date = getattr(value, "date", None)
        return to_date() if callable(to_date) else safe_text(str(value))
    if kind != "text" and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = float(value)
        return int(number) if kind == "integer" else number
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, (list, tuple)):
        return safe_text(("、" if lang == "zh" else ", ").join(str(v) for v in value))
    return safe_text(str(value))


def _display_width(value: Any, kind: Kind) -> int:
    if isinstance(value, float) and kind in ("yuan", "mu", "m2", "number"):
        text = f"{value:,.2f}" + (" 元" if kind == "yuan" else " 亩")
    elif isinstance(value, dt.date):
        text = "2026年12月31日"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_title(title: str, used: set[str]) -> str:
    """A valid, unused sheet title (no ``[]:*?/\\``, at most 31 characters)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet"
    name, n = base, 2
    while name in used:
        name = f"{base[:28]}_{n}"
        n += 1
    used.add(name)
    return name


def workbook(sheets: Sequence[Sheet], lang: Lang = "zh") -> bytes:
    """The sheets as one formatted XLSX workbook."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for sheet in sheets:
        _write_sheet(book.create_sheet(sheet_title(sheet.title, used)), sheet, lang)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def save(sheets: Sequence[Sheet], path: Path | str, lang: Lang = "zh") -> Path:
    """Write :func:`workbook` to ``path``."""
    path = Path(path)
    path.write_bytes(workbook(sheets, lang))
    return path


def _write_sheet(ws: Any, sheet: Sheet, lang: Lang) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    formats = NUMBER_FORMATS if lang == "zh" else _EN_NUMBER_FORMATS
    columns = list(sheet.columns)
    ws.append([safe_text(c.title) for c in columns])
    widths = [_display_width(c.title, "text") + 2 for c in columns]
    n_rows = 0
    for row in sheet.rows:
        values = [cell_value(v, c.kind, lang) for v, c in zip(row, columns, strict=True)]
        ws.append(values)
        n_rows += 1
        for i, (value, c) in enumerate(zip(values, columns, strict=True)):
            widths[i] = max(widths[i], _display_width(value, c.kind) + 2)
            if c.kind != "text" and not isinstance(value, str):
                ws.cell(row=n_rows + 1, column=i + 1).number_format = formats[c.kind]
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(_MIN_WIDTH, min(_MAX_WIDTH, width))
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n_rows + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
