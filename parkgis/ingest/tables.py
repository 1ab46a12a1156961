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
from parkgis.ingest import limits
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


def read_xlsx(path: Path, sheet: str | None) -> Source:
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
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise refuse(
                f"工作簿中没有工作表 {sheet}",
                f"no sheet {sheet!r} in the workbook",
                expected=book.sheetnames,
                found=sheet,
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    header_at = _header_row(rows)
    header = [
        str(c).strip() if c is not None else f"column_{i + 1}"
        for i, c in enumerate(rows[header_at] if rows else [])
    ]
    body = [r + [None] * (len(header) - len(r)) for r in rows[header_at + 1 :]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame = frame.dropna(how="all")
    source = Source(frame=frame, format="xlsx", encoding=None, row_offset=header_at + 2)
    source.frame.index = [i for i in frame.index]
    _geometry_from_columns(source)
    return source


def _header_row(rows: list[list[Any]]) -> int:
    """The header is the first of the top rows with the most filled cells (skips titles)."""
    top = rows[:10]
    if not top:
        return 0
    filled = [[c for c in r if c not in (None, "")] for r in top]
    most = max(len(f) for f in filled)
    for i, cells in enumerate(filled):
        if cells and len(cells) >= 0.6 * most and all(isinstance(c, str) for c in cells):
            return i
    return [len(f) for f in filled].index(most)


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
