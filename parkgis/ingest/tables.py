"""Tables clerks keep: CSV and Excel 台账, geometry from a WKT column or x/y coordinates."""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from parkgis.ingest import encoding as enc
from parkgis.ingest import ledger, limits
from parkgis.ingest.source import Source, refuse, short

_WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "几何", "shape")
_XY_COLUMNS = (
    ("x", "y"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("longitude", "latitude"),
    ("经度", "纬度"),
    ("x坐标", "y坐标"),
    ("东坐标", "北坐标"),
)


def read_csv(path: Path, encoding: str | None) -> Source:
    how = "given" if encoding else "guessed"
    encoding = encoding or enc.text_file_encoding(path)
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding=encoding, sep=None, engine="python"
        )
    except (UnicodeDecodeError, LookupError, pd.errors.ParserError, ValueError) as exc:
        raise refuse(
            f"CSV 文件无法解析：{short(exc)}", f"the CSV cannot be parsed: {short(exc)}"
        ) from exc
    frame = frame.replace({"": None})
    source = Source(frame=frame, format="csv", encoding=encoding, encoding_how=how, row_offset=2)
    _geometry_from_columns(source)
    return source


def read_xlsx(path: Path, sheet: str | None, hint: tuple[str, ...] = ()) -> Source:
    """An Excel 台账: the sheet named like the layer (or ``sheet``), read row by row.

    The sheet's declared size is ignored (a few-kilobyte file may declare a million
    columns, and openpyxl would pad every row to it); rows and columns are counted as
    they are read and refused past ``[ingest.limits]`` ``xlsx_max_rows`` / ``_columns``.
    """
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as zf:
            limits.check_zip(zf, path.stat().st_size)  # an .xlsx is a zip: same bomb limits
    except zipfile.BadZipFile as exc:
        raise refuse(
            f"Excel 文件无法读取：{short(exc)}", f"the workbook cannot be read: {short(exc)}"
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, xml and key errors for damaged files
        raise refuse(
            f"Excel 文件无法读取：{short(exc)}", f"the workbook cannot be read: {short(exc)}"
        ) from exc
    notes: list[tuple[str, str]] = []
    try:
        name = _sheet_for(book.sheetnames, sheet, hint, notes)
        rows = _stream_rows(book[name])
    finally:
        book.close()
    layout = ledger.read_layout(rows)
    frame = pd.DataFrame([cells for _, cells in layout.rows], columns=layout.columns, dtype=object)
    frame.index = [number for number, _ in layout.rows]
    serial = ledger.serial_columns(layout.columns)
    if serial:
        frame = frame.drop(columns=serial)
        notes.append(
            (
                f"序号列 {'、'.join(serial)} 不导入",
                f"serial-number columns not imported: {', '.join(serial)}",
            )
        )
    frame = frame.loc[
        :, [c for c in frame.columns if not c.startswith("column_") or frame[c].notna().any()]
    ]
    source = Source(frame=frame, format="xlsx", encoding=None, row_offset=0)
    source.notes.extend(notes + layout.notes)
    source.skipped_rows = layout.skipped
    _geometry_from_columns(source)
    return source


def _sheet_for(
    names: list[str], sheet: str | None, hint: tuple[str, ...], notes: list[tuple[str, str]]
) -> str:
    """The sheet asked for, else the one named like the target layer, else the first."""
    if sheet is not None:
        if sheet not in names:
            raise refuse(
                f"工作簿中没有工作表 {sheet}",
                f"no sheet {sheet!r} in the workbook",
                expected=names,
                found=sheet,
            )
        return sheet
    wanted = {w.strip().lower() for h in hint for w in re.split(r"[/／]", h) if w.strip()}
    named = [n for n in names if n.strip().lower() in wanted]
    chosen = named[0] if named else names[0]
    if len(names) > 1:
        notes.append(
            (
                f"工作簿有 {len(names)} 个工作表，读取工作表 {chosen}（可用 --source-layer 指定）",
                f"the workbook has {len(names)} sheets: read sheet {chosen} "
                "(choose with --source-layer)",
            )
        )
    return chosen


def _stream_rows(ws: Any) -> list[list[Any]]:
    """The sheet's rows, counted as they are read (never trusting its declared size)."""
    caps = limits.limits()
    max_rows, max_columns = caps.xlsx_max_rows, caps.xlsx_max_columns
    ws.reset_dimensions()  # read-only sheets pad each row to the declared width otherwise
    rows: list[list[Any]] = []
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        if len(cells) > max_columns:
            raise refuse(
                f"工作表第 {number} 行有 {len(cells)} 列，超过上限 {max_columns}",
                f"sheet row {number} has {len(cells)} columns, more than the limit {max_columns}",
                row=number,
                expected=f"<= {max_columns}",
                found=len(cells),
            )
        if number > max_rows:
            raise refuse(
                f"工作表超过 {max_rows} 行",
                f"the sheet has more than {max_rows} rows",
                expected=f"<= {max_rows}",
                found=f"> {max_rows}",
            )
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _norm(name: str) -> str:
    return re.sub(r"[\s_（）()]", "", str(name)).lower()


def _geometry_from_columns(source: Source) -> None:
    """Build ``geometry`` from a WKT column or an x/y pair, when the table has one."""
    frame = source.frame
    by_norm = {_norm(c): c for c in frame.columns}
    for name in _WKT_COLUMNS:
        col = by_norm.get(name)
        if col is None:
            continue
        values = frame[col].where(frame[col].notna(), None)
        try:
            geoms = shapely.from_wkt(values.astype(object).to_numpy(), on_invalid="warn")
        except Exception as exc:
            raise refuse(
                f"几何列 {col} 不是有效的 WKT：{short(exc)}",
                f"geometry column {col} is not valid WKT: {short(exc)}",
            ) from exc
        source.frame = frame.drop(columns=[col]).assign(geometry=list(geoms))
        source.has_geometry = True
        return
    for xname, yname in _XY_COLUMNS:
        xcol, ycol = by_norm.get(xname), by_norm.get(yname)
        if xcol is None or ycol is None:
            continue
        xs = pd.to_numeric(frame[xcol], errors="coerce")
        ys = pd.to_numeric(frame[ycol], errors="coerce")
        # Chinese surveying calls the northing X: swap when X looks like a northing.
        if (
            xname in ("x", "x坐标")
            and xs.notna().any()
            and ys.notna().any()
            and (
                xs.median() > 1_000_000 > ys.median()
                or (xs.median() > 3_000_000 and ys.median() > 39_000_000)
            )
        ):
            xs, ys = ys, xs
            source.warnings.append(
                (
                    f"列 {xcol} 为北坐标、{ycol} 为东坐标（测量坐标习惯），已对调",
                    f"column {xcol} holds northings and {ycol} eastings (surveying "
                    "convention): swapped",
                )
            )
        geoms = shapely.points(xs.to_numpy(), ys.to_numpy())
        geoms[xs.isna().to_numpy() | ys.isna().to_numpy()] = None
        source.frame = frame.drop(columns=[xcol, ycol]).assign(geometry=list(geoms))
        source.has_geometry = True
        return
