"""Geometry checks and repairs: parse, drop Z/M, reproject, repair, fit the layer's type.

Every decision lands in the report with the file row: a bow-tie or a self-intersection is
repaired with ``make_valid`` (recorded, with the area before and after) or, with
``strict``, refused; an unclosed WKT ring is closed; a single-part multi geometry is
unwrapped where the layer needs one part; anything else that does not fit is refused.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from parkgis.ingest.report import ImportReport

_FAMILY = {
    "Polygon": "Polygon",
    "MultiPolygon": "Polygon",
    "LineString": "LineString",
    "MultiLineString": "LineString",
    "Point": "Point",
    "MultiPoint": "Point",
}
_ZH_TYPE = {"Polygon": "面", "LineString": "线", "Point": "点"}


def parse_wkt(values: list[Any], rows: list[int], report: ImportReport) -> list[Any]:
    """Geometries from WKT strings (shapely objects pass through); unclosed rings closed."""
    out: list[Any] = []
    for value, row in zip(values, rows, strict=True):
        if value is None or isinstance(value, BaseGeometry):
            out.append(value)
            continue
        text = str(value).strip()
        if not text:
            out.append(None)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            geom = shapely.from_wkt(text, on_invalid="ignore")
            if geom is None:
                geom = shapely.from_wkt(text, on_invalid="fix")
                if geom is not None:
                    report.note(
                        "多边形环未闭合，已自动闭合",
                        "unclosed polygon ring: closed",
                        row=row,
                        field="geometry",
                        action="已修复 repaired",
                    )
        if geom is None:
            report.error(
                "几何不是有效的 WKT",
                "the geometry is not valid WKT",
                row=row,
                field="geometry",
                value=text[:80],
                expected="WKT",
                action="导入被拒绝 refused",
            )
        out.append(geom)
    return out


def reproject(
    geoms: np.ndarray, source_crs: Any, target_srid: int, from_gcj02: bool = False
) -> np.ndarray:
    """Transform into the storage CRS; with ``from_gcj02`` undo the Gaode shift first."""
    from parkgis.ingest.crs import gcj02_to_wgs84

    src = CRS.from_user_input(source_crs)
    if from_gcj02:
        to_geo = Transformer.from_crs(src, 4490, always_xy=True)
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(to_geo.transform(*xy.T)))
        geoms = shapely.transform(geoms, gcj02_to_wgs84)
        src = CRS.from_epsg(4490)
    dst = CRS.from_epsg(target_srid)
    if src.equals(dst):
        return geoms
    tr = Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(*xy.T)))


def _parts_of(geom: BaseGeometry, family: str) -> list[BaseGeometry]:
    if geom.geom_type == family:
        return [geom]
    if geom.geom_type in ("Multi" + family, "GeometryCollection"):
        out: list[BaseGeometry] = []
        for g in geom.geoms:
            out.extend(_parts_of(g, family))
        return out
    return []


def fit_geometries(
    geoms: list[Any],
    rows: list[int],
    target_type: str,
    report: ImportReport,
    strict: bool = False,
    nullable: bool = False,
) -> list[Any]:
    """Each geometry checked, repaired and cast to ``target_type`` (None where refused)."""
    family = _FAMILY[target_type]
    want_multi = target_type.startswith("Multi")
    arr = np.array(geoms, dtype=object)
    present = np.array([g is not None for g in arr])
    if present.any() and shapely.has_z(arr[present]).any():
        count = int(shapely.has_z(arr[present]).sum())
        arr[present] = shapely.force_2d(arr[present])
        report.note(
            f"{count} 个几何含 Z/M 值，已去除（只保留平面坐标）",
            f"{count} geometries had Z/M values: dropped (planar coordinates kept)",
            field="geometry",
            action="已去除 dropped",
        )
    # Fast path: valid geometries already of the layer's type (or its single-part form
    # for a multi layer: the loader wraps them with ST_Multi) pass untouched.
    ok_types = {target_type, family} if want_multi else {target_type}
    valid = np.zeros(len(arr), dtype=bool)
    if present.any():
        valid[present] = shapely.is_valid(arr[present]) & ~shapely.is_empty(arr[present])
    out: list[Any] = []
    for geom, row, fine in zip(arr, rows, valid, strict=True):
        if fine and geom.geom_type in ok_types:
            out.append(geom)
        else:
            out.append(_fit_one(geom, row, family, want_multi, report, strict, nullable))
    return out


def _refuse(report: ImportReport, row: int, zh: str, en: str, **kw: Any) -> None:
    report.error(zh, en, row=row, field="geometry", action="导入被拒绝 refused", **kw)


def _fit_one(
    geom: BaseGeometry | None,
    row: int,
    family: str,
    want_multi: bool,
    report: ImportReport,
    strict: bool,
    nullable: bool,
) -> BaseGeometry | None:
    if geom is None or geom.is_empty:
        if not nullable:
            _refuse(report, row, "几何为空", "empty or missing geometry", expected=family)
        return None
    if _FAMILY.get(geom.geom_type) != family and geom.geom_type != "GeometryCollection":
        _refuse(
            report,
            row,
            f"几何类型为 {geom.geom_type}，本图层需要{_ZH_TYPE[family]}",
            f"geometry type {geom.geom_type} in a {family} layer",
            value=geom.geom_type,
            expected=family,
        )
        return None
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        if strict:
            _refuse(
                report,
                row,
                f"几何无效（{reason}），--strict 模式不修复",
                f"invalid geometry ({reason}); not repaired under --strict",
                value=reason,
                expected="valid geometry (OGC)",
            )
            return None
        before = geom.area if family == "Polygon" else geom.length
        repaired = shapely.make_valid(geom)
        parts = _parts_of(repaired, family)
        geom = _merge(parts, family)
        if geom is None or geom.is_empty:
            _refuse(
                report,
                row,
                f"几何无效且无法修复（{reason}）",
                f"invalid geometry that cannot be repaired ({reason})",
                value=reason,
            )
            return None
        after = geom.area if family == "Polygon" else geom.length
        report.warning(
            f"几何无效（{reason}），已用 make_valid 修复；面积/长度 {before:.2f} -> {after:.2f}",
            f"invalid geometry ({reason}) repaired with make_valid; area/length "
            f"{before:.2f} -> {after:.2f}",
            row=row,
            field="geometry",
            value=reason,
            expected="valid geometry (OGC)",
            action="已修复 repaired",
        )
    parts = _parts_of(geom, family)
    if want_multi:
        result = (
            shapely.multipolygons(parts)
            if family == "Polygon"
            else (
                shapely.multilinestrings(parts)
                if family == "LineString"
                else shapely.multipoints(parts)
            )
        )
    elif len(parts) == 1:
        if geom.geom_type != family:
            report.note(
                "单部件的多部件几何已拆为单部件",
                "a multi-part geometry with one part was unwrapped",
                row=row,
                field="geometry",
                action="已转换 converted",
            )
        result = parts[0]
    else:
        merged = shapely.line_merge(geom) if family == "LineString" else None
        if merged is not None and merged.geom_type == "LineString":
            report.note(
                "多段线已合并为一条线",
                "a multi-line was merged into one line",
                row=row,
                field="geometry",
                action="已合并 merged",
            )
            result = merged
        else:
            _refuse(
                report,
                row,
                f"多部件几何（{len(parts)} 个部件），本图层每行只能有一个{_ZH_TYPE[family]}",
                f"multi-part geometry ({len(parts)} parts) where a single {family} is required",
                value=len(parts),
                expected=f"single {family}",
            )
            return None
    if (family == "Polygon" and result.area <= 0) or (
        family == "LineString" and result.length <= 0
    ):
        _refuse(report, row, "几何退化（面积或长度为零）", "degenerate geometry (zero area/length)")
        return None
    return result


def _merge(parts: list[BaseGeometry], family: str) -> BaseGeometry | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    if family == "Polygon":
        return shapely.multipolygons(parts)
    if family == "LineString":
        return shapely.multilinestrings(parts)
    return shapely.multipoints(parts)
