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

import numpy as np

#: Semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02, metres.
KRASOVSKY_A = 6378245.0
#: First eccentricity squared of the Krasovsky 1940 ellipsoid.
KRASOVSKY_EE = 0.00669342162296594323
#: Longitude/latitude box outside which GCJ-02 is not applied (the public convention).
_CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_STEPS = 30


def _offsets(lng: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 shift (dlng, dlat) in degrees at WGS84 (lng, lat), vectorised."""
    x, y = lng - 105.0, lat - 35.0
    pi = math.pi
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlng += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlng += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1 - KRASOVSKY_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * pi)
    dlng = (dlng * 180.0) / (KRASOVSKY_A / sqrt_magic * np.cos(rad) * pi)
    inside = _inside(lng, lat)
    return np.where(inside, dlng, 0.0), np.where(inside, dlat, 0.0)


def _inside(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    west, south, east, north = _CHINA_BOX
    return (lng >= west) & (lng <= east) & (lat >= south) & (lat <= north)


def to_gcj02_array(coords: np.ndarray) -> np.ndarray:
    """Shift WGS84 lng/lat rows (n x 2, extra columns ignored) to GCJ-02."""
    pts = np.asarray(coords, dtype=float)[:, :2]
    dlng, dlat = _offsets(pts[:, 0], pts[:, 1])
    return np.column_stack([pts[:, 0] + dlng, pts[:, 1] + dlat])


def to_wgs84_array(coords: np.ndarray) -> np.ndarray:
    """Undo the GCJ-02 shift of lng/lat rows (n x 2) by fixed-point iteration (~1e-10 deg)."""
    target = np.asarray(coords, dtype=float)[:, :2]
    guess = target.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        error = to_gcj02_array(guess) - target
        guess = guess - error
        if np.max(np.abs(error), initial=0.0) < _INVERSE_TOLERANCE_DEG:
            break
    return guess


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """Shift a WGS84 (or CGCS2000) lng/lat to GCJ-02 so it lines up on Gaode tiles."""
    out = to_gcj02_array(np.array([[lng, lat]]))[0]
    return float(out[0]), float(out[1])


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """Shift a GCJ-02 lng/lat back to WGS84 by iterating the forward transform."""
    out = to_wgs84_array(np.array([[lng, lat]]))[0]
    return float(out[0]), float(out[1])


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
