"""Read the files clerks have: Shapefile (also zipped), GeoPackage, GeoJSON, FlatGeobuf,
CSV (WKT or x/y columns), XLSX, DXF (CASS), KML/KMZ, File Geodatabases (a ``.gdb`` folder
or a zip of one) and any other vector format GDAL reads, told apart by their content
(:mod:`parkgis.ingest.formats`), whatever their extension claims.

Everything comes back as one table (``Source.frame``: a pandas DataFrame whose
``geometry`` column holds shapely geometries, or no such column) plus what was learnt on
the way (format, encoding, CRS, notes for the report).
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from parkgis.errors import ValidationError
from parkgis.ingest import cad, formats, kml, limits, tables
from parkgis.ingest import encoding as enc
from parkgis.ingest.source import Source, refuse, short

GEO_FORMATS = {"shp", "gpkg", "geojson", "fgb", "kml", "kmz", "gdb", "gdal"}
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
    ".dxf": "dxf",
    ".kml": "kml",
    ".kmz": "kmz",
    ".gdb": "gdb",
}
_SUFFIX = {
    "shp": ".shp",
    "gpkg": ".gpkg",
    "geojson": ".geojson",
    "fgb": ".fgb",
    "csv": ".csv",
    "dxf": ".dxf",
    "kml": ".kml",
    "kmz": ".kmz",
}


def sniff(path: Path) -> str:
    """The format the bytes say the file is (see :mod:`parkgis.ingest.formats`)."""
    return formats.sniff(path)


def read_source(
    path: Path,
    encoding: str | None = None,
    source_layer: str | None = None,
    layer_hint: tuple[str, ...] = (),
) -> Source:
    """Read ``path`` into a Source; ValidationError when it cannot be read at all."""
    path = Path(path)
    if not path.exists():
        raise refuse(f"文件不存在：{path}", f"no such file: {path}", found=str(path))
    if path.is_dir():
        if formats.sniff_folder(path) == "gdb":
            return _read_ogr(path, "gdb", encoding, source_layer, layer_hint)
        return _read_folder(path, encoding, source_layer, layer_hint)
    claimed = _EXTENSIONS.get(path.suffix.lower())
    actual = sniff(path)
    notes: list[tuple[str, str]] = []
    if actual == "broken_zip":
        raise refuse(
            "压缩文件已损坏或不完整", "the zip file is damaged or truncated", found=path.name
        )
    if actual in formats.UNSUPPORTED:
        zh, en = formats.UNSUPPORTED[actual]
        raise refuse(zh, en, expected=sorted(formats.READABLE), found=actual)
    if actual == "gdal" and not _gdal_reads(path):
        raise refuse(
            f"无法识别文件格式：{path.name}",
            f"unrecognised file format: {path.name}",
            expected=sorted(formats.READABLE),
        )
    if claimed != actual and actual not in ("gdal", "gdb_zip") and claimed is not None:
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
        elif actual == "gdb_zip":
            gdb = _unzip_gdb(path, Path(tmp))
            source = _read_ogr(gdb, "gdb", encoding, source_layer, layer_hint)
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
        raise refuse(
            f"压缩文件已损坏或不完整：{exc}", f"the zip file is damaged or truncated: {exc}"
        ) from exc
    return out


def _unzip_gdb(path: Path, into: Path) -> Path:
    """Extract the one File Geodatabase folder of a zip (its files keep their folder)."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = limits.check_zip(zf, path.stat().st_size)
            folders = sorted(
                {
                    part
                    for info in members
                    for part in Path(info.filename.replace("\\", "/")).parts
                    if part.lower().endswith(".gdb")
                }
            )
            if len(folders) != 1:
                raise refuse(
                    "压缩包中应只有一个文件地理数据库（.gdb）",
                    "the archive must hold exactly one file geodatabase (.gdb)",
                    expected=1,
                    found=folders,
                )
            gdb = into / folders[0]
            gdb.mkdir()
            for info in members:
                name = Path(info.filename.replace("\\", "/"))
                if folders[0] in name.parts and not info.is_dir():
                    with zf.open(info) as src, (gdb / name.name).open("wb") as dst:
                        shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise refuse(
            f"压缩文件已损坏或不完整：{exc}", f"the zip file is damaged or truncated: {exc}"
        ) from exc
    return gdb


#: GDAL drivers that accept a file by its extension alone: never trusted for a fallback.
_EXTENSION_DRIVERS = {"CSV"}


def _gdal_reads(path: Path) -> bool:
    """Whether GDAL opens ``path`` as a vector dataset by its content (formats without a
    row in :mod:`parkgis.ingest.formats`); a driver that goes by the extension alone (CSV
    takes any ``.csv``, even a program) does not count."""
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = pyogrio.read_info(path)
    except Exception:  # GDAL raises several types for files it does not know
        return False
    return info.get("driver") not in _EXTENSION_DRIVERS


def _read_folder(
    folder: Path, encoding: str | None, source_layer: str | None, hint: tuple[str, ...]
) -> Source:
    geo = {".shp", ".gpkg", ".geojson", ".fgb", ".dxf", ".kml", ".gdb"}
    candidates = sorted(p for p in folder.iterdir() if p.suffix.lower() in geo)
    candidates += sorted(p for p in folder.iterdir() if p.suffix.lower() in {".csv", ".xlsx"})
    if not candidates:
        raise refuse(
            "压缩包或文件夹中没有可读取的数据文件（.shp/.gpkg/.geojson/.fgb/.dxf/.kml/.gdb/.csv/.xlsx）",
            "no data file (.shp/.gpkg/.geojson/.fgb/.dxf/.kml/.gdb/.csv/.xlsx) in the archive "
            "or folder",
        )
    if len(candidates) > 1 and source_layer:
        named = [p for p in candidates if p.stem == source_layer]
        if named:
            return read_source(named[0], encoding, None, hint)
    if len(candidates) > 1:
        raise refuse(
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
    if fmt == "kmz":
        with zipfile.ZipFile(path) as zf:
            limits.check_zip(zf, path.stat().st_size)  # a KMZ is a zip: same bomb limits
    if fmt == "dxf":
        source = _read_dxf(path, source_layer, hint)
    elif fmt in GEO_FORMATS:
        source = _read_ogr(path, fmt, encoding, source_layer, hint)
    elif fmt == "xlsx":
        source = tables.read_xlsx(path, source_layer, hint)
    else:
        source = tables.read_csv(path, encoding)
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
            raise refuse(
                f"Shapefile 缺少配套文件：{', '.join(missing)}",
                f"the shapefile lacks its companion files: {', '.join(missing)}",
                expected=[".shp", ".shx", ".dbf", ".prj", ".cpg"],
            )
    layer = source_layer
    try:
        if layer is None and fmt in ("gpkg", "gdb", "kml", "kmz", "gdal"):
            layer = _choose_layer(path, fmt, hint)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kwargs: dict[str, Any] = {"layer": layer}
            if encoding and fmt == "shp":
                kwargs["encoding"] = encoding
            if fmt in ("kml", "kmz"):
                kwargs["driver"] = "LIBKML"
            frame = pyogrio.read_dataframe(path, **kwargs)
    except ValidationError:
        raise
    except Exception as exc:  # GDAL reports damaged files with many exception types
        raise refuse(
            f"文件无法读取（可能已损坏或不完整）：{short(exc)}",
            f"the file cannot be read (damaged or truncated?): {short(exc)}",
            found=path.name,
        ) from exc
    table = pd.DataFrame(frame)
    kml_notes: list[tuple[str, str]] = []
    if fmt in ("kml", "kmz"):
        table, kml_notes = kml.tidy(kml.restore_names(path, table))
    source = Source(
        frame=table,
        format=fmt,
        crs=getattr(frame, "crs", None),
        encoding=encoding or ("utf-8" if fmt != "shp" else None),
        encoding_how=how or "format",
        has_geometry="geometry" in frame.columns,
    )
    for w in caught:
        source.warnings.append((f"GDAL 提示：{w.message}", f"GDAL: {w.message}"))
    source.notes.extend(kml_notes)
    if fmt in ("kml", "kmz") and kml.NAME_COLUMN in table.columns:
        source.key_column = kml.NAME_COLUMN
    return source


def _choose_layer(path: Path, fmt: str, hint: tuple[str, ...]) -> str | None:
    """The dataset's one layer, or the one named like the target layer; else refuse."""
    import pyogrio

    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    if len(names) <= 1:
        return None
    chosen = [n for n in names if n in hint]
    if not chosen:
        label = formats.READABLE[fmt]
        raise refuse(
            f"{label[0]} 有多个图层，请用 --source-layer 指定",
            f"the {label[1]} has several layers: choose one with --source-layer",
            expected=names,
        )
    return chosen[0]


def _read_dxf(path: Path, cad_layer: str | None, hint: tuple[str, ...]) -> Source:
    """A CAD drawing: closed boundaries with the text inside each (see parkgis.ingest.cad)."""
    polygons = "Polygon" in "".join(hint)
    try:
        frame, notes, found = cad.read_dxf(path, cad_layer, polygons_wanted=polygons)
    except ValidationError:
        raise
    except Exception as exc:  # GDAL reports damaged files with many exception types
        raise refuse(
            f"DXF 文件无法读取（可能已损坏或不完整）：{short(exc)}",
            f"the DXF cannot be read (damaged or truncated?): {short(exc)}",
            found=path.name,
        ) from exc
    source = Source(
        frame=frame,
        format="dxf",
        crs=None,
        encoding="utf-8",
        encoding_how="format",
        has_geometry=True,
        notes=notes,
        warnings=found,
        key_column=cad.TEXT_COLUMN,
    )
    return source
