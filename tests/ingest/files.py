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


def write_cass_dxf(
    path: Path,
    boundaries: list[tuple[Polygon, str | None]],
    extra_lines: list[list[tuple[float, float]]] = (),  # type: ignore[assignment]
    notes: list[tuple[tuple[float, float], str]] = (),  # type: ignore[assignment]
) -> None:
    """An ASCII DXF as South CASS saves a cadastral drawing (code page ANSI_936, i.e. GBK).

    Each boundary is a closed LWPOLYLINE on layer JZX (界址线) with its parcel code as a
    TEXT on layer ZDH (宗地号) at its centre (None: no code); ``extra_lines`` are open
    polylines on JZX (construction lines), ``notes`` free texts on layer ZJ (注记).
    """
    out = ["0", "SECTION", "2", "HEADER", "9", "$ACADVER", "1", "AC1015"]
    out += ["9", "$DWGCODEPAGE", "3", "ANSI_936", "0", "ENDSEC"]
    out += ["0", "SECTION", "2", "ENTITIES"]

    def polyline(points: list[tuple[float, float]], closed: bool) -> None:
        out.extend(["0", "LWPOLYLINE", "8", "JZX", "90", str(len(points)), "70"])
        out.append("1" if closed else "0")
        for x, y in points:
            out.extend(["10", f"{x:.3f}", "20", f"{y:.3f}"])

    def text(x: float, y: float, value: str, layer: str) -> None:
        out.extend(["0", "TEXT", "8", layer, "10", f"{x:.3f}", "20", f"{y:.3f}"])
        out.extend(["40", "2.5", "1", value])

    for polygon, code in boundaries:
        polyline(list(polygon.exterior.coords)[:-1], closed=True)
        if code is not None:
            c = polygon.centroid
            text(c.x, c.y, code, "ZDH")
    for points in extra_lines:
        polyline(points, closed=False)
    for (x, y), value in notes:
        text(x, y, value, "ZJ")
    out += ["0", "ENDSEC", "0", "EOF"]
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("gbk"))


def write_google_earth_kml(path: Path, placemarks: list[dict[str, Any]]) -> str:
    """A KML as Google Earth writes it: WGS84 lon/lat, attributes in ExtendedData or in a
    description table. Each placemark: ``name``, ``geometry`` (EPSG:4548), ``data`` (dict
    for ExtendedData) and/or ``table`` (dict for an HTML description table)."""
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(4548, 4326, always_xy=True)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>地块</name>',
    ]
    for pm in placemarks:
        ring = " ".join(
            "{:.8f},{:.8f},0".format(*to_wgs84.transform(x, y))
            for x, y in pm["geometry"].exterior.coords
        )
        parts.append(f"<Placemark><name>{pm['name']}</name>")
        if pm.get("table"):
            cells = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in pm["table"].items())
            parts.append(
                f"<description><![CDATA[<table border='1'>{cells}</table>]]></description>"
            )
        if pm.get("data"):
            data = "".join(
                f'<Data name="{k}"><value>{v}</value></Data>' for k, v in pm["data"].items()
            )
            parts.append(f"<ExtendedData>{data}</ExtendedData>")
        parts.append("<Style><PolyStyle><color>7f00ff00</color></PolyStyle></Style>")
        parts.append(
            "<Polygon><tessellate>1</tessellate><outerBoundaryIs><LinearRing><coordinates>"
            f"{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        )
    parts.append("</Document></kml>")
    text = "\n".join(parts)
    path.write_text(text, encoding="utf-8")
    return text


def write_office_ledger(path: Path, parcels: list[dict[str, Any]]) -> None:
    """An Excel 台账 as a land office keeps it: a cover sheet, then sheet 宗地 with a title
    row, a two-row header merged over 容积率 (下限/上限), a 序号 column, prices in
    万元/亩 and areas in 亩, a blank separator, a 合计 row and the signatures below."""
    book = Workbook()
    cover = book.active
    cover.title = "说明"
    cover.append(["本台账由烈山经济开发区管委会土地科维护"])
    sheet = book.create_sheet("宗地")
    sheet.append(["烈山经济开发区工业用地台账（2026年11月）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "地块编号", "容积率", None, "挂牌价（万元/亩）", "面积（亩）"])
    sheet.append([None, None, "下限", "上限", None, None])
    for col in ("A", "B", "E", "F"):
        sheet.merge_cells(f"{col}2:{col}3")
    sheet.merge_cells("C2:D2")
    for i, p in enumerate(parcels, start=1):
        sheet.append([i, p["plot_no"], p["ratio_min"], p["ratio_max"], p["price_wan"], p["mu"]])
        if i == 1:
            sheet.append([None] * 6)  # a blank separator row between groups
    total = sum(p["mu"] for p in parcels if isinstance(p["mu"], int | float))
    sheet.append(["合计", None, None, None, None, total])
    sheet.append([None] * 6)
    sheet.append(["填表人：张三", None, "审核人：李四", None, "填报日期：2026年11月30日"])
    book.save(path)
