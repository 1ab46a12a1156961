"""Export layers as GeoPackage, Shapefile, GeoJSON (RFC 7946), CSV or XLSX ledgers (台账).

Only what the role may see leaves the database: the columns of ``visible_fields(role)``
and the rows of ``rows_for(role)``, both in the query. Filters use a small syntax
(``field=value``, ``field>value``, ``>=``, ``<``, ``<=``, ``!=``; several joined by ``;``)
on catalogue fields, with the values bound as parameters: never raw SQL.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from sqlalchemy import Connection, text

from parkgis.catalogue import Field, Layer, get_layer
from parkgis.config import get_settings
from parkgis.documents import xlsx
from parkgis.errors import ValidationError
from parkgis.labels import fields as fields_mod
from parkgis.labels.format import Lang

FORMATS = ("gpkg", "shp", "geojson", "fgb", "csv", "xlsx")
MEDIA_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
    "geojson": "application/geo+json",
    "fgb": "application/flatgeobuf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_OPERATORS = ("!=", ">=", "<=", "=", ">", "<")
_CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!=|>=|<=|=|>|<)\s*(.*?)\s*$")
#: First characters that make a spreadsheet cell a formula (OWASP CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _bad(message: str, message_en: str, **kw: Any) -> ValidationError:
    return ValidationError(message=message, message_en=message_en, **kw)


def parse_where(
    layer: Layer, role: str, where: list[str] | str | None
) -> tuple[str, dict[str, Any]]:
    """SQL predicate and bound parameters for the restricted filter syntax."""
    from parkgis.ingest.mapping import BadValue, convert

    if not where:
        return "", {}
    items = [where] if isinstance(where, str) else list(where)
    conditions = [c for item in items for c in item.split(";") if c.strip()]
    visible = {f.name: f for f in layer.visible_fields(role) if f.queryable}
    q = '"{}"'.format
    parts, params = [], {}
    for i, condition in enumerate(conditions):
        match = _CONDITION.match(condition)
        if not match:
            raise _bad(
                f"筛选条件格式错误：{condition}（应为 字段=值、字段>值 等，多个条件用 ; 分隔）",
                f"bad filter {condition!r}: expected field=value, field>value, ... joined by ';'",
                field="where",
                found=condition,
                expected=list(_OPERATORS),
            )
        name, op, raw = match.groups()
        if name not in visible:
            raise _bad(
                f"不能按字段 {name} 筛选",
                f"cannot filter on field {name!r}",
                field="where",
                found=name,
                expected=sorted(visible),
            )
        f = visible[name]
        if f.type == "text[]":
            parts.append(f":w{i} = ANY({q(name)})")
            params[f"w{i}"] = raw
            continue
        try:
            value = convert(f, raw.strip().strip("'\""), {})
        except BadValue as exc:
            raise _bad(
                f"筛选值 {raw} 不符合字段 {name} 的类型",
                f"filter value {raw!r} does not fit {name}",
                field="where",
                found=raw,
                expected=exc.expected,
            ) from exc
        parts.append(f"{q(name)} {op} :w{i}")
        params[f"w{i}"] = value
    return " AND ".join(parts), params


def fetch(
    conn: Connection,
    layer: Layer,
    role: str,
    where: list[str] | str | None = None,
    srid: int | None = None,
) -> tuple[list[Field], pd.DataFrame]:
    """The rows and columns ``role`` may see, geometry (if any) as shapely in ``srid``."""
    from parkgis.ingest.load import quote_table

    layer.check_role(role)
    fields = [f for f in layer.visible_fields(role)]
    cols = [f'"{f.name}"' for f in fields]
    params: dict[str, Any] = {}
    if layer.has_geometry:
        cols.append("ST_AsBinary(ST_Transform(geom, :srid)) AS __geom")
        params["srid"] = srid or get_settings().srid
    predicates = []
    rows_for = layer.rows_for(role)
    if rows_for:
        predicates.append(f"({rows_for})")
    clause, bound = parse_where(layer, role, where)
    if clause:
        predicates.append(clause)
    params.update(bound)
    sql = f"SELECT {', '.join(cols)} FROM {quote_table(conn, layer.table)}"
    if predicates:
        sql += " WHERE " + " AND ".join(predicates)
    if layer.list_order:
        sql += f" ORDER BY {layer.list_order}"
    result = conn.execute(text(sql), params)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()), dtype=object)
    if layer.has_geometry:
        wkb = [bytes(b) if b is not None else None for b in frame.pop("__geom")]
        frame["geometry"] = list(shapely.from_wkb(wkb)) if wkb else []
    return fields, frame


def _plain(value: Any, keep_dates: bool = False) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, (dt.date, dt.datetime)) and not keep_dates:
        return value.isoformat()
    return value


def _check_output_crs(conn: Connection, crs: int) -> None:
    """An output EPSG code PostGIS knows (spatial_ref_sys), else a ValidationError on crs."""
    known = (
        0 < crs <= 998_999
        and conn.execute(text("SELECT 1 FROM spatial_ref_sys WHERE srid = :c"), {"c": crs}).scalar()
    )
    if not known:
        raise _bad(
            f"输出坐标系 EPSG:{crs} 不存在或不受支持；常用：4490（CGCS2000 经纬度）、"
            f"{get_settings().srid}（CGCS2000 高斯-克吕格，存储坐标系）、4326、3857",
            f"output CRS EPSG:{crs} is unknown; e.g. 4490, {get_settings().srid}, 4326, 3857",
            field="crs",
            found=crs,
            expected="an EPSG code of spatial_ref_sys (1..998999)",
        )


def export_layers(
    conn: Connection,
    layer_ids: list[str],
    path: Path | str,
    fmt: str | None = None,
    where: list[str] | str | None = None,
    crs: int | None = None,
    role: str = "admin",
) -> list[Path]:
    """Write the layers to ``path`` in ``fmt`` (default: from the suffix); the files written."""
    path = Path(path)
    fmt = (
        (fmt or path.suffix.lstrip(".").lower())
        .replace("json", "geojson")
        .replace("geogeojson", "geojson")
    )
    _check_format(fmt)
    layers = [get_layer(i) for i in layer_ids]
    if len(layers) > 1 and fmt not in ("xlsx", "gpkg"):
        raise _bad(
            "多个图层只能导出为 xlsx 或 gpkg",
            "several layers export only to xlsx or gpkg",
            field="format",
            found=fmt,
            expected=["xlsx", "gpkg"],
        )
    if fmt == "geojson" and crs not in (None, 4326):
        raise _bad(
            "GeoJSON 按 RFC 7946 只能用 WGS84 经纬度（CRS84）",
            "GeoJSON is RFC 7946 CRS84 only",
            field="crs",
            found=crs,
            expected=4326,
        )
    for layer in layers:
        if fmt in ("shp", "fgb") and not layer.has_geometry:
            raise _bad(
                f"无几何的表不能导出为 {fmt}，请用 xlsx、csv 或 gpkg",
                f"a table without geometry cannot be exported as {fmt}: use xlsx, csv or gpkg",
                field="format",
                found=fmt,
                expected=["xlsx", "csv", "gpkg"],
            )
    if crs is not None:
        _check_output_crs(conn, crs)
    path.parent.mkdir(parents=True, exist_ok=True)
    srid = 4326 if fmt == "geojson" else (crs or get_settings().srid)
    if fmt == "xlsx":
        return [_write_xlsx(conn, layers, path, where, role)]
    written: list[Path] = []
    for layer in layers:
        fields, frame = fetch(conn, layer, role, where, srid)
        if fmt == "csv":
            out = frame.map(safe_cell) if len(frame) else frame  # no formulas in CSV
            if "geometry" in out:
                out["geometry"] = shapely.to_wkt(
                    frame["geometry"].to_numpy(), rounding_precision=3 if srid != 4326 else 8
                )
                out = out.rename(columns={"geometry": "wkt"})
            out.to_csv(path, index=False, encoding="utf-8-sig")
            written.append(path)
        elif fmt == "shp":
            written.extend(_write_shp(layer, fields, frame, path, srid))
        else:
            written.append(_write_ogr(layer, frame, path, fmt, srid, append=bool(written)))
    return written


def _geo(frame: pd.DataFrame, srid: int) -> Any:
    import geopandas as gpd

    data = frame.map(_plain) if len(frame) else frame.copy()
    if "geometry" in frame:
        return gpd.GeoDataFrame(
            data.drop(columns=["geometry"]), geometry=list(frame["geometry"]), crs=srid
        )
    return data


def _write_ogr(
    layer: Layer, frame: pd.DataFrame, path: Path, fmt: str, srid: int, append: bool
) -> Path:
    import pyogrio

    data = _geo(frame, srid)
    if fmt == "geojson":
        pyogrio.write_dataframe(data, path, driver="GeoJSON", layer_options={"RFC7946": "YES"})
    elif fmt == "fgb":
        pyogrio.write_dataframe(data, path, driver="FlatGeobuf", layer=layer.id)
    else:
        pyogrio.write_dataframe(data, path, driver="GPKG", layer=layer.id, append=append)
    return path


def _write_shp(
    layer: Layer, fields: list[Field], frame: pd.DataFrame, path: Path, srid: int
) -> list[Path]:
    import pyogrio

    names = layer.shapefile_names()
    short = {f.name: names[f.name] for f in fields}
    data = _geo(frame, srid).rename(columns=short)
    pyogrio.write_dataframe(data, path, driver="ESRI Shapefile", encoding="UTF-8")
    cpg = path.with_suffix(".cpg")
    cpg.write_text("UTF-8", encoding="ascii")
    note = path.with_name(path.stem + "_fields.txt")
    lines = ["字段对照 / field names (dBase 字段名最多 10 字节 / at most 10 bytes)", ""]
    lines += [
        f"{short[f.name]:<10}  {f.name:<28}  {f.label('zh')} / {f.label('en')}" for f in fields
    ]
    note.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stem = path.with_suffix("")
    return [*sorted(p for p in path.parent.glob(stem.name + ".*")), note]


def safe_cell(value: Any) -> Any:
    """A value safe in a spreadsheet cell: text that would start a formula is quoted."""
    value = _plain(value, keep_dates=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def ledger_cell(value: Any) -> Any:
    """A value for a ledger (台账) cell: 是/否 for booleans, numbers as numbers, safe text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return safe_cell(value)
    if value is None or isinstance(value, (int, float, dt.date)):
        return value
    return float(value) if hasattr(value, "as_integer_ratio") else str(value)


def _write_xlsx(
    conn: Connection,
    layers: list[Layer],
    path: Path,
    where: list[str] | str | None,
    role: str,
    lang: Lang = "zh",
) -> Path:
    """One formatted sheet per layer (the one writer, :mod:`parkgis.documents.xlsx`)."""
    sheets = []
    for layer in layers:
        fields, frame = fetch(conn, layer, role, where)
        columns = [
            xlsx.Column(f.label(lang), fields_mod.column_kind(f))  # type: ignore[arg-type]
            for f in fields
        ]
        rows = [
            [fields_mod.cell(conn, f, v, lang) for f, v in zip(fields, record, strict=True)]
            for record in frame[[f.name for f in fields]].itertuples(index=False)
        ]
        title = layer.title_zh if lang == "zh" else layer.title_en
        sheets.append(xlsx.Sheet(title, columns, rows))
    return xlsx.save(sheets, path, lang)


def export_bytes(
    conn: Connection,
    layer_id: str,
    fmt: str,
    role: str,
    where: list[str] | str | None = None,
    crs: int | None = None,
) -> tuple[bytes, str, str]:
    """One layer exported in memory: (content, media type, file name); shapefiles zipped."""
    _check_format(fmt)
    get_layer(layer_id).check_role(role)
    tmp = Path(tempfile.mkdtemp(prefix="parkgis-export-"))
    try:
        target = tmp / f"{layer_id}.{fmt}"
        files = export_layers(conn, [layer_id], target, fmt, where, crs, role)
        if fmt == "shp":
            archive = tmp / f"{layer_id}.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
                for f in files:
                    zf.write(f, f.name)
            return archive.read_bytes(), MEDIA_TYPES[fmt], archive.name
        return target.read_bytes(), MEDIA_TYPES[fmt], target.name
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _check_format(fmt: str) -> None:
    """Refuse a format parkgis does not export."""
    if fmt not in FORMATS:
        raise _bad(
            f"不支持的导出格式 {fmt}",
            f"unsupported export format {fmt!r}",
            field="format",
            found=fmt,
            expected=list(FORMATS),
        )
