"""KML and KMZ as Google Earth and 奥维地图 (Ovital Map) write them.

Attributes travel in two ways: ``ExtendedData`` (GDAL's LIBKML driver gives each
``<Data>``/``<SimpleData>`` a column) and, in files exported from ArcGIS or typed by hand,
a two-column HTML table in the placemark's ``description``. Both become columns; the
placemark's name (``Name``) is offered to the layer's business key when no other column
holds it. KML's display settings (altitude mode, extrusion, icon...) are not attributes.
"""

from __future__ import annotations

import html
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd

#: LIBKML's columns that describe the display, not the feature.
DISPLAY_COLUMNS = {
    "id",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
    "timestamp",
    "begin",
    "end",
}
#: Column of the placemark's name (offered to the layer's business key).
NAME_COLUMN = "Name"


class _TableParser(HTMLParser):
    """Collects the (key, value) rows of the first two cells of each ``<tr>``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if len(self._row) >= 2 and self._row[0]:
                self.rows.append(self._row[:2])
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def description_table(html: Any) -> dict[str, str]:
    """The key/value pairs of a description's HTML table (empty when it has none)."""
    if not isinstance(html, str) or "<td" not in html.lower():
        return {}
    parser = _TableParser()
    parser.feed(html)
    return {k: v for k, v in parser.rows}


_DATA_NAME = re.compile(rb"<(?:Data|SimpleField|SimpleData)\b[^>]*\bname\s*=\s*[\"']([^\"']+)[\"']")


def _kml_bytes(path: Path) -> bytes:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:  # bomb limits were checked before (limits.check_zip)
            names = [n for n in zf.namelist() if n.lower().endswith(".kml")]
            return zf.read(names[0]) if names else b""
    return path.read_bytes()


def _laundered(name: str) -> str:
    """The column name libkml gives a name: one ``_`` per UTF-8 byte of anything but
    ASCII letters, digits and ``_``."""
    return "".join(
        c if c.isascii() and (c.isalnum() or c == "_") else "_" * len(c.encode()) for c in name
    )


def restore_names(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Give back the Chinese ExtendedData names libkml replaced by underscores."""
    names = [
        html.unescape(m.decode("utf-8", "replace")) for m in _DATA_NAME.findall(_kml_bytes(path))
    ]
    rename = {}
    for name in dict.fromkeys(names):
        wrong = _laundered(name)
        if wrong != name and wrong in frame.columns and wrong not in rename:
            rename[wrong] = name
    return frame.rename(columns=rename)


def tidy(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Drop display columns and empty ones; spread description tables into columns."""
    notes: list[tuple[str, str]] = []
    drop = [c for c in frame.columns if c in DISPLAY_COLUMNS]
    drop += [
        c for c in frame.columns if c not in ("geometry", NAME_COLUMN) and frame[c].isna().all()
    ]
    frame = frame.drop(columns=sorted(set(drop)))
    if "description" in frame.columns:
        tables = [description_table(v) for v in frame["description"]]
        keys = list(dict.fromkeys(k for t in tables for k in t))
        if keys:
            for k in keys:
                from_tables = pd.Series([t.get(k) for t in tables], index=frame.index)
                frame[k] = frame[k].fillna(from_tables) if k in frame.columns else from_tables
            frame = frame.drop(columns=["description"])
            notes.append(
                (
                    f"说明（description）中的表格读作属性列：{', '.join(keys)}",
                    f"the description tables were read as attribute columns: {', '.join(keys)}",
                )
            )
    return frame, notes
