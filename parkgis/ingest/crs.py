"""Coordinate systems of incoming files: guess from magnitudes, undo GCJ-02, check the region.

DOMAIN.md §1: legal coordinates are CGCS2000; files arrive geographic (EPSG:4490, treated
as WGS84), in Gauss-Kruger zone 39 with (4527) or without (4548) the zone prefix, in the
6-degree zone 20 with prefix (4498), or in the legacy Xian 1980 / Beijing 1954 systems
whose numbers look the same as CGCS2000's. The rules' numbers live in
``parkgis/rules/ingest.toml``.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection, text

from parkgis.config import get_settings
from parkgis.maps import gcj02
from parkgis.rules import current as current_rules
from parkgis.rules.ingest import Ingest


def _rules() -> Ingest:
    return current_rules().ingest


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def guess_crs(bounds: tuple[float, float, float, float]) -> tuple[int | None, str, str]:
    """EPSG code guessed from a file's bounds (minx, miny, maxx, maxy) and why, zh and en."""
    minx, miny, maxx, maxy = bounds
    rules = _rules().crs_guess
    geo = rules.geographic
    if all(_within(v, geo.lon) for v in (minx, maxx)) and all(
        _within(v, geo.lat) for v in (miny, maxy)
    ):
        return (
            geo.epsg,
            f"坐标为经纬度，按 CGCS2000 地理坐标（EPSG:{geo.epsg}，与 WGS84 视为一致）处理",
            f"coordinates are degrees: assumed CGCS2000 geographic EPSG:{geo.epsg} (= WGS84)",
        )
    if all(_within(v, geo.lon) for v in (miny, maxy)) and all(
        _within(v, geo.lat) for v in (minx, maxx)
    ):
        return (
            None,
            "坐标像是纬度/经度顺序颠倒，请检查 x/y 列",
            "coordinates look like latitude/longitude swapped: check the x/y columns",
        )
    legacy = "如为西安80或北京54坐标，请用 --crs 指定（2384/2436，带带号 2363/2415）"
    legacy_en = (
        "if the data is Xian 1980 or Beijing 1954, pass --crs (2384/2436; 2363/2415 prefixed)"
    )
    for rule in (rules.gk3_zone39_prefixed, rules.gk6_zone20_prefixed):
        if _within(minx, rule.x) and _within(maxx, rule.x):
            return (
                rule.epsg,
                f"横坐标为8位且带带号，按 CGCS2000 高斯-克吕格投影 EPSG:{rule.epsg} 处理；{legacy}",
                f"8-digit eastings with zone prefix: assumed CGCS2000 Gauss-Kruger "
                f"EPSG:{rule.epsg}; {legacy_en}",
            )
    gk = rules.gk3_zone39
    if all(_within(v, gk.x) for v in (minx, maxx)) and all(_within(v, gk.y) for v in (miny, maxy)):
        return (
            gk.epsg,
            f"横坐标为6位（约500000），按 CGCS2000 3度带第39带 EPSG:{gk.epsg} 处理；{legacy}",
            f"6-digit eastings near 500 000: assumed CGCS2000 3-degree zone 39 "
            f"EPSG:{gk.epsg}; {legacy_en}",
        )
    return (
        None,
        f"无法从坐标范围 {_fmt(bounds)} 推断坐标系，请用 --crs 指定",
        f"cannot infer the CRS from the coordinate range {_fmt(bounds)}: pass --crs",
    )


def _fmt(bounds: tuple[float, ...] | list[float]) -> str:
    return "[" + ", ".join(f"{v:.6g}" if abs(v) < 1000 else f"{v:.0f}" for v in bounds) + "]"


def format_bbox(bounds: tuple[float, ...] | list[float]) -> str:
    """A bbox as people read it."""
    return _fmt(bounds)


def wgs84_to_gcj02(coords: np.ndarray) -> np.ndarray:
    """Shift WGS84 lon/lat (n x 2) to GCJ-02 (what Gaode tiles show); see parkgis.maps.gcj02."""
    return gcj02.to_gcj02_array(coords)


def gcj02_to_wgs84(coords: np.ndarray) -> np.ndarray:
    """Undo the GCJ-02 shift (n x 2 lon/lat); see parkgis.maps.gcj02."""
    return gcj02.to_wgs84_array(coords)


def region_bbox(conn: Connection) -> tuple[tuple[float, float, float, float], str]:
    """Where the park's data may lie (storage CRS), from the district zone or the rules."""
    settings = get_settings()
    margin = _rules().region_margin_m
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent(geom)::geometry AS e FROM zone WHERE code = :c) s "
            "WHERE e IS NOT NULL"
        ),
        {"c": settings.zone_code},
    ).first()
    if row is not None:
        box, origin = tuple(float(v) for v in row), f"zone {settings.zone_code}"
    else:
        box, origin = _rules().region_bbox_4548, "rules [ingest].region_bbox_4548"
        if settings.srid != 4548:
            from pyproj import Transformer

            tr = Transformer.from_crs(4548, settings.srid, always_xy=True)
            box = tuple(tr.transform_bounds(box[0], box[1], box[2], box[3]))
    minx, miny, maxx, maxy = box
    return (minx - margin, miny - margin, maxx + margin, maxy + margin), origin
