"""Real-looking files for the import tests, written with GDAL (pyogrio) and openpyxl.

Geometry is drawn in local metres around tests.park's origin (EPSG:4548) and written in
the CRS the test asks for, the way a land bureau or a surveyor would hand it over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from openpyxl import Workbook
from shapely.geometry import Polygon

from tests import park


def rect(x: float, y: float, w: float, h: float | None = None) -> Polygon:
    """A rectangle in EPSG:4548 with its lower-left corner at local (x, y)."""
    h = w if h is None else h
    x0, y0 = park.ORIGIN_X + x, park.ORIGIN_Y + y
    return Polygon([(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)])


def bowtie(x: float, y: float, size: float) -> Polygon:
    """A self-intersecting 'bow-tie' quadrilateral (two triangles touching at the centre)."""
    x0, y0 = park.ORIGIN_X + x, park.ORIGIN_Y + y
    return Polygon([(x0, y0), (x0 + size, y0 + size), (x0 + size, y0), (x0, y0 + size)])


def write_geo(
    path: Path, rows: list[dict[str, Any]], geoms: list[Any], crs: int, **kw: Any
) -> gpd.GeoDataFrame:
    """Write ``rows`` with ``geoms`` (given in EPSG:4548) reprojected to ``crs``."""
    frame = gpd.GeoDataFrame(rows, geometry=list(geoms), crs=4548).to_crs(crs)
    frame.to_file(path, engine="pyogrio", **kw)
    return frame


def write_xlsx(
    path: Path, header: list[str], rows: list[list[Any]], title: str | None = None
) -> None:
    """A workbook as clerks make them: optionally a title row above the header."""
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


def area(geom: Any) -> float:
    """Planar area."""
    return float(shapely.area(geom))
