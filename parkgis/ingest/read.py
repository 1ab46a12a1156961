"""Read the files clerks have: Shapefile (also zipped), GeoPackage, GeoJSON, FlatGeobuf,
CSV (WKT or x/y columns) and XLSX, whatever their extension claims.

Everything comes back as one table (``Source.frame``: a pandas DataFrame whose
``geometry`` column holds shapely geometries, or no such column) plus what was learnt on
the way (format, encoding, CRS, notes for the report).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from parkgis.errors import ValidationError
from parkgis.ingest import encoding as enc
from parkgis.ingest import limits

GEO_FORMATS = {"shp", "gpkg", "geojson", "fgb"}
_EXTENSIONS = {
    ".shp": "shp",
    ".zip": "zip",
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
    ".fgb": "fgb",
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
}
_SUFFIX = {"shp": ".shp", "gpkg": ".gpkg", "geojson": ".geojson", "fgb": ".fgb", "csv": ".csv"}
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


def _refuse(message: str, message_en: str, **kw: Any) -> ValidationError:
    return ValidationError(message=message, message_en=message_en, field="file", **kw)


def sniff(path: Path) -> str:
    """The format the bytes say the file is (``unknown`` when none fits)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return "broken_zip"
        return "xlsx" if any(n.startswith("xl/") for n in names) else "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"fgb\x03"):
        return "fgb"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "geojson"
    if not head or b"\x00" in head:
        return "unknown"
    return "csv"


def read_source(
    path: Path,
    encoding: str | None = None,
    source_layer: str | None = None,
    layer_hint: tuple[str, ...] = (),
) -> Source:
    """Read ``path`` into a Source; ValidationError when it cannot be read at all."""
    path = Path(path)
    if not path.exists():
        raise _refuse(f"文件不存在：{path}", f"no such file: {path}", found=str(path))
    if path.is_dir():
        return _read_folder(path, encoding, source_layer, layer_hint)
    claimed = _EXTENSIONS.get(path.suffix.lower())
    actual = sniff(path)
    notes: list[tuple[str, str]] = []
    if actual == "broken_zip":
        raise _refuse(
            "压缩文件已损坏或不完整", "the zip file is damaged or truncated", found=path.name
        )
    if actual == "xls":
        raise _refuse(
            "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx",
            "old .xls workbooks are not supported: save as .xlsx",
            expected="xlsx",
            found="xls",
        )
    if actual == "unknown":
        raise _refuse(
            f"无法识别文件格式：{path.name}",
            f"unrecognised file format: {path.name}",
            expected=sorted(set(_EXTENSIONS.values())),
        )
    if claimed != actual and not (claimed == "geojson" and actual == "geojson"):
        notes.append(
            (
                f"文件扩展名 {path.suffix or '（无）'} 与内容不符，按实际格式 {actual} 读取",
                f"the extension {path.suffix or '(none)'} does not match the content: "
                f"read as {actual}",
            )
        )
    with tempfile.TemporaryDirectory(prefix="parkgis-import-") as tmp:
        if actual == "zip":
            source = _read_folder(_unzip(path, Path(tmp)), encoding, source_layer, layer_hint)
        else:
            target = path
            if actual in _SUFFIX and path.suffix.lower() != _SUFFIX[actual]:
                target = Path(tmp) / (path.stem + _SUFFIX[actual])
                shutil.copyfile(path, target)
            source = _read_file(target, actual, encoding, source_layer, layer_hint)
    source.warnings[:0] = notes
    return source


def _unzip(path: Path, into: Path) -> Path:
    out = into / "unzipped"
    out.mkdir()
    try:
        with zipfile.ZipFile(path) as zf:
            # Bombs and zip slip are refused from the central directory, before extracting.
            for info in limits.check_zip(zf, path.stat().st_size):
                dest = out / Path(info.filename.replace("\\", "/")).name
                with zf.open(info) as src, dest.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise _refuse(
            f"压缩文件已损坏或不完整：{exc}", f"the zip file is damaged or truncated: {exc}"
        ) from exc
    return out


def _read_folder(
    folder: Path, encoding: str | None, source_layer: str | None, hint: tuple[str, ...]
) -> Source:
    candidates = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in {".shp", ".gpkg", ".geojson", ".fgb"}
    )
    candidates += sorted(p for p in folder.iterdir() if p.suffix.lower() in {".csv", ".xlsx"})
    if not candidates:
        raise _refuse(
            "压缩包或文件夹中没有可读取的数据文件（.shp/.gpkg/.geojson/.fgb/.csv/.xlsx）",
            "no data file (.shp/.gpkg/.geojson/.fgb/.csv/.xlsx) in the archive or folder",
        )
    if len(candidates) > 1 and source_layer:
        named = [p for p in candidates if p.stem == source_layer]
        if named:
            return read_source(named[0], encoding, None, hint)
    if len(candidates) > 1:
        raise _refuse(
            "压缩包中有多个数据文件，请用 --source-layer 指定",
            "several data files in the archive: choose one with --source-layer",
            expected=[p.stem for p in candidates],
        )
    return read_source(candidates[0], encoding, source_layer, hint)


def _read_file(
    path: Path, fmt: str, encoding: str | None, source_layer: str | None, hint: tuple[str, ...]
) -> Source:
    if fmt == "geojson":
        limits.check_json_depth(path)
    if fmt == "shp":
        limits.check_shp_vertices(path)
    if fmt in GEO_FORMATS:
        source = _read_ogr(path, fmt, encoding, source_layer, hint)
    elif fmt == "xlsx":
        source = _read_xlsx(path, source_layer)
    else:
        source = _read_csv(path, encoding)
    if source.has_geometry:
        rows = [source.row_offset + int(i) for i in source.frame.index]
        limits.check_vertices(source.frame["geometry"], rows)
    return source


def _read_ogr(
    path: Path, fmt: str, encoding: str | None, source_layer: str | None, hint: tuple[str, ...]
) -> Source:
    import pyogrio

    how = "given" if encoding else ""
    if fmt == "shp" and not encoding:
        encoding, how = enc.shapefile_encoding(path)
    if fmt == "shp":
        missing = [s for s in (".dbf", ".shx") if not path.with_suffix(s).exists()]
        if missing:
            raise _refuse(
                f"Shapefile 缺少配套文件：{', '.join(missing)}",
                f"the shapefile lacks its companion files: {', '.join(missing)}",
                expected=[".shp", ".shx", ".dbf", ".prj", ".cpg"],
            )
    layer = source_layer
    try:
        if fmt == "gpkg" and layer is None:
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
            if len(names) > 1:
                chosen = [n for n in names if n in hint]
                if not chosen:
                    raise _refuse(
                        "GeoPackage 有多个图层，请用 --source-layer 指定",
                        "the GeoPackage has several layers: choose one with --source-layer",
                        expected=names,
                    )
                layer = chosen[0]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kwargs: dict[str, Any] = {"layer": layer}
            if encoding and fmt == "shp":
                kwargs["encoding"] = encoding
            frame = pyogrio.read_dataframe(path, **kwargs)
    except ValidationError:
        raise
    except Exception as exc:  # GDAL reports damaged files with many exception types
        raise _refuse(
            f"文件无法读取（可能已损坏或不完整）：{_short(exc)}",
            f"the file cannot be read (damaged or truncated?): {_short(exc)}",
            found=path.name,
        ) from exc
    source = Source(
        frame=pd.DataFrame(frame),
        format=fmt,
        crs=getattr(frame, "crs", None),
        encoding=encoding or ("utf-8" if fmt != "shp" else None),
        encoding_how=how or "format",
        has_geometry="geometry" in frame.columns,
    )
    for w in caught:
        source.warnings.append((f"GDAL 提示：{w.message}", f"GDAL: {w.message}"))
    return source


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def _read_csv(path: Path, encoding: str | None) -> Source:
    how = "given" if encoding else "guessed"
    encoding = encoding or enc.text_file_encoding(path)
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding=encoding, sep=None, engine="python"
        )
    except (UnicodeDecodeError, LookupError, pd.errors.ParserError, ValueError) as exc:
        raise _refuse(
            f"CSV 文件无法解析：{_short(exc)}", f"the CSV cannot be parsed: {_short(exc)}"
        ) from exc
    frame = frame.replace({"": None})
    source = Source(frame=frame, format="csv", encoding=encoding, encoding_how=how, row_offset=2)
    _geometry_from_columns(source)
    return source


def _read_xlsx(path: Path, sheet: str | None) -> Source:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as zf:
            limits.check_zip(zf, path.stat().st_size)  # an .xlsx is a zip: same bomb limits
    except zipfile.BadZipFile as exc:
        raise _refuse(
            f"Excel 文件无法读取：{_short(exc)}", f"the workbook cannot be read: {_short(exc)}"
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, xml and key errors for damaged files
        raise _refuse(
            f"Excel 文件无法读取：{_short(exc)}", f"the workbook cannot be read: {_short(exc)}"
        ) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise _refuse(
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
            raise _refuse(
                f"几何列 {col} 不是有效的 WKT：{_short(exc)}",
                f"geometry column {col} is not valid WKT: {_short(exc)}",
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
