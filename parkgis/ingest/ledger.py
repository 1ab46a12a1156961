"""The layout of a 台账 (ledger) as offices keep them in Excel, read into a plain table.

Clerks put a title row or two above the table (``烈山经济开发区闲置土地台账（2026年）``),
split headers over two rows under merged cells (``容积率`` above ``下限`` and ``上限``),
number the rows in a ``序号`` column, and close the table with totals (合计, 小计) and
signatures (填表人, 审核人, 填报日期). This module finds the header under the titles,
combines a two-row header into one name per column (``容积率下限``), keeps the data rows
with their spreadsheet row numbers, and names every row it leaves out and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: First words of rows that close the table: everything from there on is signatures.
STOP_WORDS = (
    "填表人",
    "填报人",
    "制表人",
    "审核人",
    "审核",
    "负责人",
    "填报单位",
    "填表日期",
    "填报日期",
    "制表日期",
    "联系电话",
    "注：",
    "注:",
    "说明：",
    "说明:",
    "备注：",
)
#: First words of summary rows inside or below the data: skipped, the rows around kept.
TOTAL_WORDS = ("合计", "小计", "总计", "累计", "共计")
#: Serial-number columns: row numbers of the ledger, not data.
SERIAL_HEADERS = ("序号", "编号序号", "No.", "No", "NO.")
_SPACE = re.compile(r"\s+")


@dataclass
class Layout:
    """Where the table is: its column names, its data rows and what was left out."""

    columns: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells)
    notes: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (row, zh, en)


def _text(value: Any) -> str:
    return _SPACE.sub("", str(value)) if value is not None else ""


def _filled(row: list[Any]) -> list[int]:
    return [j for j, v in enumerate(row) if _text(v) != ""]


def _header_at(rows: list[list[Any]]) -> int:
    """The header: the first of the top rows that is mostly filled with text (skips titles)."""
    top = rows[:15]
    counts = [len(_filled(r)) for r in top]
    most = max(counts, default=0)
    for i, row in enumerate(top):
        cells = [row[j] for j in _filled(row)]
        if cells and len(cells) >= 0.6 * most and all(isinstance(c, str) for c in cells):
            return i
    return counts.index(most) if counts else 0


def _is_subheader(parent: list[Any], row: list[Any]) -> bool:
    """A second header row: all text, with a name under a cell the parent left blank
    (the continuation of a merged cell), e.g. 下限 | 上限 under 容积率 | (merged)."""
    filled = _filled(row)
    if not filled or not all(isinstance(row[j], str) for j in filled):
        return False
    return any(j >= len(parent) or _text(parent[j]) == "" for j in filled)


def _combine(parent: list[Any], child: list[Any], width: int) -> list[str]:
    """One name per column: the merged parent (carried right) joined with the child."""
    from parkgis.ingest.mapping import split_unit

    names: list[str] = []
    carried = ""
    for j in range(width):
        top = _text(parent[j]) if j < len(parent) else ""
        sub = _text(child[j]) if j < len(child) else ""
        if top:
            carried = top
        elif not sub:
            carried = ""
        base = top or (carried if sub else "")
        if base and sub:
            stem, unit = split_unit(base)
            names.append(f"{stem}{sub}" + (f"（{unit}）" if unit else ""))
        else:
            names.append(base or sub)
    return names


def _kind(cells: list[Any]) -> str:
    """``blank``, ``stop`` (signatures follow), ``total`` or ``data``."""
    texts = [_text(cells[j]) for j in _filled(cells)]
    if not texts:
        return "blank"
    if any(t.startswith(STOP_WORDS) for t in texts[:2]):
        return "stop"
    if any(t.startswith(TOTAL_WORDS) for t in texts[:2]):
        return "total"
    return "data"


def read_layout(rows: list[list[Any]], first_row_number: int = 1) -> Layout:
    """The table inside ``rows`` (cells as read, top to bottom, numbered from 1)."""
    if not rows:
        return Layout(columns=[], rows=[])
    width = max(len(r) for r in rows)
    rows = [list(r) + [None] * (width - len(r)) for r in rows]
    at = _header_at(rows)
    layout = Layout(columns=[], rows=[])
    if at:
        titles = "；".join(_text(v) for r in rows[:at] for v in r if _text(v))
        layout.notes.append(
            (
                f"表头在第 {first_row_number + at} 行，其上的标题行已跳过：{titles}",
                f"the header is row {first_row_number + at}; title rows above it skipped: {titles}",
            )
        )
    header, body_at = rows[at], at + 1
    if body_at < len(rows) and _is_subheader(header, rows[body_at]):
        names = _combine(header, rows[body_at], width)
        layout.notes.append(
            (
                f"两行表头（第 {first_row_number + at}-{first_row_number + at + 1} 行）合并为："
                f"{'、'.join(n for n in names if n)}",
                f"two header rows ({first_row_number + at}-{first_row_number + at + 1}) combined: "
                f"{', '.join(n for n in names if n)}",
            )
        )
        body_at += 1
    else:
        names = [_text(v) for v in header]
    layout.columns = [n or f"column_{j + 1}" for j, n in enumerate(names)]
    _body(rows, body_at, first_row_number, layout)
    return layout


def _body(rows: list[list[Any]], start: int, first: int, layout: Layout) -> None:
    for i in range(start, len(rows)):
        number, cells = first + i, rows[i]
        kind = _kind(cells)
        if kind == "data":
            layout.rows.append((number, cells))
        elif kind == "total":
            layout.skipped.append((number, "合计/小计行", "a total row"))
        elif kind == "stop":
            rest = [first + k for k in range(i, len(rows)) if _filled(rows[k])]
            layout.skipped.append(
                (
                    number,
                    f"表尾（签名、日期等，第 {rest[0]}-{rest[-1]} 行）",
                    f"the footer (signatures, dates: rows {rest[0]}-{rest[-1]})",
                )
            )
            return
        elif any(_kind(r) == "data" for r in rows[i + 1 :]):
            layout.skipped.append((number, "空行", "a blank row"))


def serial_columns(columns: list[str]) -> list[str]:
    """The ledger's own row-number columns (序号)."""
    return [c for c in columns if _text(c) in SERIAL_HEADERS]
