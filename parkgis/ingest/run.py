"""One import, end to end: read, map, check, write, all in one savepoint of the caller's
transaction; a refused import (or ``dry_run``) rolls the savepoint back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from parkgis.catalogue import Layer, get_layer
from parkgis.config import get_settings
from parkgis.errors import ParkgisError, ValidationError
from parkgis.ingest import checks, geometry, load, mapping, topology
from parkgis.ingest.read import Source, read_source
from parkgis.ingest.report import REFUSED, ImportReport
from parkgis.labels import codes

MODES = ("insert", "upsert", "replace")


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
            action=REFUSED,
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
    hint = (layer.id, layer.write_table, layer.geometry_type or "", layer.title_zh, layer.title_en)
    src = read_source(path, encoding, source_layer, hint)
    report.format = src.format
    _describe_source(src, report)
    frame = src.frame
    report.rows_read = len(frame)
    if not len(frame):
        report.error("文件中没有数据行", "the file has no rows", action=REFUSED)
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
        key_column=src.key_column,
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
        geoms = geometry.source_geometries(
            conn, layer, src, rows, report, crs, from_gcj02, strict, info
        )
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
    if layer.has_geometry and topology.applies_to(layer) and any("geom" in r for r in records):
        topology.check_parcels(conn, layer, records, rows, report, strict, settings.srid)
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
            "cpg_wrong": ".cpg 所写的 UTF-8 不符，改用 GB18030",
        }.get(src.encoding_how, src.encoding_how)
        how_en = {
            "cpg": "from the .cpg file",
            "given": "as given by --encoding",
            "guessed": "no encoding given: tried UTF-8, then GB18030",
            "format": "fixed by the format",
            "cpg_wrong": "the .cpg's UTF-8 does not fit: GB18030",
        }.get(src.encoding_how, src.encoding_how)
        report.encoding = src.encoding
        report.note(f"文本编码 {src.encoding}（{how}）", f"text encoding {src.encoding} ({how_en})")
    if src.encoding_how == "cpg_wrong":
        report.warning(
            ".cpg 文件写的是 UTF-8，但文字不是 UTF-8 编码：已按 GB18030（含 GBK）读取；"
            "如果中文仍不对，请用 --encoding 指定（如 --encoding GBK）",
            "the .cpg says UTF-8 but the text is not UTF-8: read as GB18030 (GBK); if the "
            "Chinese is still wrong, pass --encoding (e.g. --encoding GBK)",
            field="encoding",
            value="UTF-8",
            expected="GBK / GB18030",
            action="已改用 GB18030 read as GB18030",
        )
    for zh, en in src.warnings:
        report.warning(zh, en, action="已处理 handled")
    for zh, en in src.notes:
        report.note(zh, en)
    for row, zh, en in src.skipped_rows:
        report.note(
            f"跳过第 {row} 行：{zh}", f"row {row} skipped: {en}", row=row, action="跳过 skipped"
        )


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
                    action=REFUSED,
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
