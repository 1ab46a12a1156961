"""Geometries of an import: the source CRS (given, read or guessed), the transformation to
the storage CRS, the park's region, and the fit to the layer's geometry type."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy import Connection

from parkgis.catalogue import Layer
from parkgis.config import get_settings
from parkgis.ingest import crs as crs_mod
from parkgis.ingest import load, validate
from parkgis.ingest.read import Source
from parkgis.ingest.report import REFUSED, ImportReport


def source_geometries(
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
    """The source's geometries in the storage CRS, fitted to the layer's type.

    None (with the reason in ``report``) when there are none, the CRS is unknown or
    cannot be guessed, the transformation fails, or nothing lies in the park's region.
    """
    if not src.has_geometry:
        report.error(
            "文件没有几何（需要 WKT 列或 x/y 坐标列）",
            "the file has no geometry (a WKT column or x/y columns are needed)",
            field="geometry",
            expected=layer.geometry_type,
            action=REFUSED,
        )
        return None
    geoms = np.array(validate.parse_wkt(list(src.frame["geometry"]), rows, report), dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms])
    if not present.any():
        report.error(
            "文件中所有几何均为空",
            "every geometry in the file is empty",
            field="geometry",
            action=REFUSED,
        )
        return None
    source_crs = _source_crs(src, geoms[present], report, crs)
    if source_crs is None or not _to_storage(geoms, present, source_crs, from_gcj02, report):
        return None
    if not inside_region(conn, geoms, present, rows, report):
        return None
    return validate.fit_geometries(
        list(geoms),
        rows,
        layer.geometry_type or "Point",
        report,
        strict,
        nullable=not info["geom"].not_null,
    )


def _to_storage(
    geoms: np.ndarray, present: np.ndarray, source: CRS, from_gcj02: bool, report: ImportReport
) -> bool:
    """Reproject the present geometries in place to the storage CRS (False on failure)."""
    srid = get_settings().srid
    report.crs = f"{source.name} -> EPSG:{srid}"
    if from_gcj02:
        report.note(
            "按高德 GCJ-02 坐标迭代反算回 CGCS2000/WGS84",
            "GCJ-02 (Gaode) coordinates shifted back to CGCS2000/WGS84 by iteration",
        )
    try:
        geoms[present] = validate.reproject(geoms[present], source, srid, from_gcj02)
    except Exception as exc:  # pyproj raises several types for impossible transforms
        report.error(
            f"坐标转换失败：{exc}",
            f"coordinate transformation failed: {exc}",
            field="geometry",
            action=REFUSED,
        )
        return False
    return True


def inside_region(
    conn: Connection, geoms: np.ndarray, present: np.ndarray, rows: list[int], report: ImportReport
) -> bool:
    """False (and an error) when no geometry lies in the region; an error per one outside."""
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
            action=REFUSED,
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
                action=REFUSED,
            )
    return True


def _source_crs(
    src: Source, geoms: np.ndarray, report: ImportReport, crs: str | int | None
) -> CRS | None:
    """The source's CRS: as given, from the file, or guessed from the coordinates (ingest.toml)."""
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
                action=REFUSED,
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
        bounds = tuple(shapely.total_bounds(geoms))
        epsg, zh, en = crs_mod.guess_crs(bounds)
        if epsg is None:
            report.error(
                zh,
                en,
                field="geometry",
                value=crs_mod.format_bbox(bounds),
                expected="--crs EPSG",
                action=REFUSED,
            )
            return None
        source_crs = CRS.from_epsg(epsg)
        report.warning(
            "文件没有坐标系信息（.prj）：" + zh,
            "the file has no CRS (.prj): " + en,
            action="已推断 assumed",
        )
    return source_crs
