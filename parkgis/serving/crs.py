"""Coordinate reference systems of the web service (OGC API - Features - Part 2).

Offered: CRS84 (lon, lat; the GeoJSON default of RFC 7946), EPSG:4490 (CGCS2000
geographic, lat, lon), EPSG:3857 (web Mercator) and the storage CRS (projected CGCS2000
Gauss-Kruger, ``PARKGIS_SRID``; EPSG:4548 has northing-first axes). Coordinates are
written in each CRS's own axis order (OGC 18-058 §6.2), so lat-first and northing-first
CRSs are flipped in PostGIS, which always works in x = easting/longitude order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from parkgis.config import get_settings
from parkgis.errors import ValidationError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class ServedCrs:
    """A CRS the service reads and writes: its URI, PostGIS SRID and axis order."""

    uri: str
    srid: int
    flip: bool  # first axis is northing or latitude
    geographic: bool


def epsg_uri(code: int) -> str:
    """The OGC URI of an EPSG code."""
    return f"{_EPSG}{code}"


@lru_cache(maxsize=4)
def _northing_first(code: int) -> bool:
    import pyproj

    axes = pyproj.CRS.from_epsg(code).axis_info
    return bool(axes) and axes[0].direction.lower() in ("north", "south")


def served_crs(storage_srid: int | None = None) -> list[ServedCrs]:
    """Every CRS offered, CRS84 first, then the storage CRS."""
    srid = storage_srid or get_settings().srid
    out = [ServedCrs(CRS84, 4326, False, True)]
    for code, geographic in ((srid, False), (4490, True), (3857, False)):
        out.append(ServedCrs(epsg_uri(code), code, _northing_first(code), geographic))
    return out


def storage_crs_uri() -> str:
    """The URI of the storage CRS."""
    return epsg_uri(get_settings().srid)


def parse_crs(value: str | None, param: str) -> ServedCrs:
    """The offered CRS named by ``value`` (URI, ``EPSG:code`` or ``[EPSG:code]``)."""
    offered = served_crs()
    if value is None or value == "":
        return offered[0]
    text = value.strip().strip("[]")
    aliases = {CRS84: offered[0], "OGC:CRS84": offered[0], "CRS84": offered[0]}
    for c in offered[1:]:
        aliases[c.uri] = c
        aliases[f"EPSG:{c.srid}"] = c
        aliases[c.uri.replace("http://", "https://")] = c
    found = aliases.get(text)
    if found is None:
        raise ValidationError(
            message=f"不支持的坐标系 {value}",
            message_en=f"unsupported CRS {value!r} in {param}",
            field=param,
            expected=[c.uri for c in offered],
            found=value,
        )
    return found
