"""WGS84 <-> GCJ-02 (the "Mars" datum of Gaode/AutoNavi tiles), the public algorithm.

Gaode tiles are drawn in GCJ-02: data in WGS84/CGCS2000 must be shifted forward to
line up on them (518-536 m in Lieshan), and points digitised on them shifted back.
The forward transform is the published series on (lng - 105, lat - 35) over the
Krasovsky 1940 ellipsoid; it has no closed-form inverse, so :func:`gcj02_to_wgs84`
iterates the forward transform until it converges. Outside China both are identity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

#: Semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02, metres.
KRASOVSKY_A = 6378245.0
#: First eccentricity squared of the Krasovsky 1940 ellipsoid.
KRASOVSKY_EE = 0.00669342162296594323
#: Longitude/latitude box outside which GCJ-02 is not applied (the public convention).
_CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_STEPS = 30


def in_china(lng: float, lat: float) -> bool:
    """Whether the point lies in the box where GCJ-02 applies."""
    west, south, east, north = _CHINA_BOX
    return west <= lng <= east and south <= lat <= north


def _delta_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """Shift a WGS84 (or CGCS2000) lng/lat to GCJ-02 so it lines up on Gaode tiles."""
    if not in_china(lng, lat):
        return lng, lat
    dlat = _delta_lat(lng - 105.0, lat - 35.0)
    dlng = _delta_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - KRASOVSKY_EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (KRASOVSKY_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """Shift a GCJ-02 lng/lat back to WGS84 by iterating the forward transform (~1e-10 deg)."""
    if not in_china(lng, lat):
        return lng, lat
    guess_lng, guess_lat = lng, lat
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lng, fwd_lat = wgs84_to_gcj02(guess_lng, guess_lat)
        err_lng, err_lat = fwd_lng - lng, fwd_lat - lat
        guess_lng -= err_lng
        guess_lat -= err_lat
        if abs(err_lng) < _INVERSE_TOLERANCE_DEG and abs(err_lat) < _INVERSE_TOLERANCE_DEG:
            break
    return guess_lng, guess_lat


def _map_coords(coords: Any, fn: Callable[[float, float], tuple[float, float]]) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        lng, lat = fn(float(coords[0]), float(coords[1]))
        return [lng, lat, *coords[2:]]
    return [_map_coords(c, fn) for c in coords]


def shift_geometry(geometry: dict[str, Any], to_gcj02: bool = True) -> dict[str, Any]:
    """A copy of a GeoJSON geometry shifted WGS84->GCJ-02 (or back with ``to_gcj02=False``)."""
    fn = wgs84_to_gcj02 if to_gcj02 else gcj02_to_wgs84
    if geometry.get("type") == "GeometryCollection":
        parts = [shift_geometry(g, to_gcj02) for g in geometry.get("geometries", [])]
        return {"type": "GeometryCollection", "geometries": parts}
    return {**geometry, "coordinates": _map_coords(geometry["coordinates"], fn)}


def shift_feature_collection(fc: dict[str, Any], to_gcj02: bool = True) -> dict[str, Any]:
    """A copy of a GeoJSON FeatureCollection with every geometry shifted."""
    features = []
    for feature in fc.get("features", []):
        geom = feature.get("geometry")
        shifted = shift_geometry(geom, to_gcj02) if geom else geom
        features.append({**feature, "geometry": shifted})
    return {**fc, "features": features}
