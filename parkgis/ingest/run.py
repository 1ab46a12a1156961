"""One import, end to end: read, map, check, write, all in one savepoint of the caller's
transaction; a refused import (or ``dry_run``) rolls the savepoint back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy import Connection, text

from parkgis.catalogue import Layer, get_layer
from parkgis.config import get_settings
from parkgis.errors import ParkgisError, ValidationError
from parkgis.ingest import checks, load, mapping, validate
from parkgis.ingest import crs as crs_mod
from parkgis.ingest.read import Source, read_source
from parkgis.ingest.report import ImportReport
from parkgis.labels import codes

MODES = ("insert", "upsert", "replace")
_REFUSED = "导入被拒绝 refused"


def import_file(
    conn: Connection,
    layer_id: str,
    path: Path | str,
    *,
    crs: str | int | None = None,
    encoding: str | None = None,
    source_layer: str | None = None,
    mapping_file: Path | str | None = None,
    mode: str = "insert",
    dry_run: bool = False,
    strict: bool = False,
    from_gcj02: bool = False,
    source_name: str | None = None,
    progress: bool = False,
) -> ImportReport:
    """Import ``path`` into layer ``layer_id``; everything or nothing. Returns the report."""
    layer = get_layer(layer_id)
    if not layer.importable:
        raise ValidationError(
            message=f"图层 {layer.title_zh} 由系统计算，不能导入",
            message_en=f"layer {layer.id} is computed and cannot be imported",
            field="layer",
            found=layer.id,
        )
    if mode not in MODES:
        raise ValidationError(
            message=f"未知导入模式 {mode}",
            message_en=f"unknown import mode {mode!r}",
            field="mode",
            expected=list(MODES),
            found=mode,
        )
    source_name = source_name or Path(path).name
    report = ImportReport(layer=layer.id, source=source_name, mode=mode, dry_run=dry_run)
    try:
        with conn.begin_nested() as savepoint:
            _run(
                conn,
                layer,
                Path(path),
                report,
                crs,
                encoding,
                source_layer,
                mapping_file,
                strict,
                from_gcj02,
                source_name,
                progress,
            )
            if not report.ok or dry_run:
                savepoint.rollback()
    except ParkgisError as exc:
        report.error(
            exc.message,
            exc.message_en,
            field=exc.field,
            row=exc.row,
            value=exc.found,
            expected=exc.expected,
            action=_REFUSED,
        )
    report.status = "refused" if not report.ok else ("dry_run" if dry_run else "committed")
    if report.status == "committed":
        conn.execute(
            text(
                "INSERT INTO import_run (layer, source_name, mode, status, rows_read, "
                "rows_written, report) VALUES (:l, :s, :m, :st, :r, :w, CAST(:rep AS jsonb))"
            ),
            {
                "l": layer.id,
                "s": source_name,
                "m": mode,
                "st": report.status,
                "r": report.rows_read,
                "w": report.rows_written,
                "rep": report.to_json(),
            },
        )
    return report


def _run(
    conn: Connection,
    layer: Layer,
    path: Path,
    report: ImportReport,
    crs: str | int | None,
    encoding: str | None,
    source_layer: str | None,
    mapping_file: Path | str | None,
    strict: bool,
    from_gcj02: bool,
    source_name: str,
    progress: bool,
) -> None:
    settings = get_settings()
    src = read_source(path, encoding, source_layer, (layer.id, layer.write_table))
    report.format = src.format
    _describe_source(src, report)
    frame = src.frame
    report.rows_read = len(frame)
    if not len(frame):
        report.error("文件中没有数据行", "the file has no rows", action=_REFUSED)
        return
    rows = [src.row_offset + int(i) for i in frame.index]
    info = load.table_columns(conn, layer.write_table)
    value_maps = {f.name: codes.import_values(conn, f) for f in layer.fields}
    plan = mapping.plan_columns(
        layer,
        [c for c in frame.columns if c != "geometry"],
        mapping.load_mapping(mapping_file),
        report,
        value_maps,
    )
    defaults = mapping.load_mapping(mapping_file).defaults
    records: list[dict[str, Any]] = [{} for _ in rows]
    if layer.has_geometry and not src.has_geometry and report.mode == "upsert":
        report.note(
            "文件没有几何：只更新属性，已有几何保持不变",
            "the file has no geometry: attributes only, existing geometries are kept",
            field="geometry",
        )
    elif layer.has_geometry:
        geoms = _geometries(conn, layer, src, rows, report, crs, from_gcj02, strict, info)
        if geoms is None:
            return
        for rec, g in zip(records, geoms, strict=True):
            rec["geom"] = g
    _attributes(layer, frame, plan, rows, records, report, defaults, value_maps, progress)
    checks.resolve_lookups(conn, plan, frame, rows, records, report)
    checks.provenance(conn, layer, info, records, rows, report, source_name, settings.zone_code)
    checks.check_required(layer, info, plan, records, rows, report)
    keys = [layer.business_key] if layer.business_key else list(layer.key_fields)
    checks.check_keys(conn, layer, keys, records, rows, report)
    if not report.ok:
        return
    present = set().union(*(r.keys() for r in records))
    columns = [c for c in info if c in present and not info[c].generated]
    if report.mode == "insert" or not keys:
        mode = "insert" if report.mode != "replace" else "replace"
    else:
        mode = report.mode
    load.write_rows(
        conn,
        layer,
        columns,
        [[r.get(c) for c in columns] for r in records],
        rows,
        mode,
        source_name,
        keys,
        report,
        settings.srid,
    )


def _describe_source(src: Source, report: ImportReport) -> None:
    if src.encoding:
        how = {
            "cpg": "按 .cpg 文件",
            "given": "按 --encoding 指定",
            "guessed": "未指定编码：UTF-8 解码"
            + ("成功" if src.encoding.startswith("utf") else "失败，改用 GB18030"),
            "format": "格式规定",
        }.get(src.encoding_how, src.encoding_how)
        how_en = {
            "cpg": "from the .cpg file",
            "given": "as given by --encoding",
            "guessed": "no encoding given: tried UTF-8, then GB18030",
            "format": "fixed by the format",
        }.get(src.encoding_how, src.encoding_how)
        report.encoding = src.encoding
        report.note(f"文本编码 {src.encoding}（{how}）", f"text encoding {src.encoding} ({how_en})")
    for zh, en in src.warnings:
        report.warning(zh, en, action="已处理 handled")
    for zh, en in src.notes:
        report.note(zh, en)


def _geometries(
    conn: Connection,
    layer: Layer,
    src: Source,
    rows: list[int],
    report: ImportReport,
    crs: str | int | None,
    from_gcj02: bool,
    strict: bool,
    info: dict[str, load.Column],
) -> list[Any] | None:
    settings = get_settings()
    if not src.has_geometry:
        report.error(
            "文件没有几何（需要 WKT 列或 x/y 坐标列）",
            "the file has no geometry (a WKT column or x/y columns are needed)",
            field="geometry",
            expected=layer.geometry_type,
            action=_REFUSED,
        )
        return None
    geoms = np.array(validate.parse_wkt(list(src.frame["geometry"]), rows, report), dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms])
    if not present.any():
        report.error(
            "文件中所有几何均为空",
            "every geometry in the file is empty",
            field="geometry",
            action=_REFUSED,
        )
        return None
    source_crs: Any
    if crs is not None:
        try:
            source_crs = CRS.from_user_input(int(crs) if str(crs).isdigit() else crs)
        except CRSError:
            report.error(
                f"无法识别的坐标系 {crs}",
                f"unknown CRS {crs!r}",
                field="crs",
                value=str(crs),
                expected="EPSG code, e.g. 4527",
                action=_REFUSED,
            )
            return None
        report.note(f"坐标系按 --crs 指定：{source_crs.name}", f"CRS as given: {source_crs.name}")
    elif src.crs is not None:
        source_crs = CRS.from_user_input(src.crs)
        epsg = source_crs.to_epsg()
        report.note(
            f"坐标系取自文件：{source_crs.name}" + (f"（EPSG:{epsg}）" if epsg else ""),
            f"CRS from the file: {source_crs.name}" + (f" (EPSG:{epsg})" if epsg else ""),
        )
    else:
        bounds = tuple(shapely.total_bounds(geoms[present]))
        epsg, zh, en = crs_mod.guess_crs(bounds)
        if epsg is None:
            report.error(
                zh,
                en,
                field="geometry",
                value=crs_mod.format_bbox(bounds),
                expected="--crs EPSG",
                action=_REFUSED,
            )
            return None
        source_crs = CRS.from_epsg(epsg)
        report.warning(
            "文件没有坐标系信息（.prj）：" + zh,
            "the file has no CRS (.prj): " + en,
            action="已推断 assumed",
        )
    report.crs = f"{source_crs.name} -> EPSG:{settings.srid}"
    if from_gcj02:
        report.note(
            "按高德 GCJ-02 坐标迭代反算回 CGCS2000/WGS84",
            "GCJ-02 (Gaode) coordinates shifted back to CGCS2000/WGS84 by iteration",
        )
    try:
        geoms[present] = validate.reproject(geoms[present], source_crs, settings.srid, from_gcj02)
    except Exception as exc:  # pyproj raises several types for impossible transforms
        report.error(
            f"坐标转换失败：{exc}",
            f"coordinate transformation failed: {exc}",
            field="geometry",
            action=_REFUSED,
        )
        return None
    if not _inside_region(conn, geoms, present, rows, report):
        return None
    return validate.fit_geometries(
        list(geoms),
        rows,
        layer.geometry_type or "Point",
        report,
        strict,
        nullable=not info["geom"].not_null,
    )


def _inside_region(
    conn: Connection, geoms: np.ndarray, present: np.ndarray, rows: list[int], report: ImportReport
) -> bool:
    region, origin = crs_mod.region_bbox(conn)
    found = tuple(float(v) for v in shapely.total_bounds(geoms[present]))
    box = shapely.box(*region)
    inside = np.zeros(len(geoms), dtype=bool)
    inside[present] = shapely.within(shapely.envelope(geoms[present]), box)
    if not inside[present].any():
        report.error(
            f"文件坐标不在园区范围内：文件范围 {crs_mod.format_bbox(found)}，应在 "
            f"{crs_mod.format_bbox(region)} 之内（{origin}，EPSG:{get_settings().srid}）；"
            "请检查坐标系（--crs）",
            f"the file's coordinates are not in the park's region: found bbox "
            f"{crs_mod.format_bbox(found)}, expected within {crs_mod.format_bbox(region)} "
            f"({origin}, EPSG:{get_settings().srid}); check the CRS (--crs)",
            field="geometry",
            value=list(found),
            expected=list(region),
            action=_REFUSED,
        )
        return False
    for row, ok, has in zip(rows, inside, present, strict=True):
        if has and not ok:
            report.error(
                "要素在园区范围之外",
                "feature outside the park's region",
                row=row,
                field="geometry",
                expected=list(region),
                action=_REFUSED,
            )
    return True


def _jsonable(value: Any) -> Any:
    if mapping.is_blank(value):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)) or hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _attributes(
    layer: Layer,
    frame: Any,
    plan: mapping.ColumnPlan,
    rows: list[int],
    records: list[dict[str, Any]],
    report: ImportReport,
    defaults: dict[str, Any],
    value_maps: dict[str, dict[str, str]],
    progress: bool,
) -> None:
    from tqdm import tqdm

    columns = list(plan.fields.items())
    data = {c: frame[c].tolist() for c, _ in columns}
    extra = {c: frame[c].tolist() for c in plan.extra}
    for i in tqdm(range(len(rows)), desc="检查 checking", unit="行", disable=not progress):
        rec = records[i]
        for column, f in columns:
            try:
                value = mapping.convert(
                    f, data[column][i], plan.values.get(column, {}), plan.factors.get(column, 1.0)
                )
            except mapping.BadValue as exc:
                report.error(
                    f"值不符合字段 {f.label_zh} 的类型",
                    f"value does not fit {f.name}",
                    row=rows[i],
                    field=column,
                    value=_jsonable(data[column][i]),
                    expected=exc.expected,
                    action=_REFUSED,
                )
                continue
            if value is None and f.name in defaults:
                value = mapping.convert(f, defaults[f.name], plan.values.get(column, {}))
            rec[f.name] = value
        if extra:
            kept = {c: _jsonable(extra[c][i]) for c in plan.extra}
            rec["extra"] = {k: v for k, v in kept.items() if v is not None}
    if defaults:
        by_name = {f.name: f for f in layer.fields}
        for name, value in defaults.items():
            if name in by_name and name not in {f.name for f in plan.fields.values()}:
                converted = mapping.convert(by_name[name], value, value_maps.get(name, {}))
                for rec in records:
                    rec[name] = converted
