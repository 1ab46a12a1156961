"""Build small parks in a few lines for tests: plain SQL through the connection.

Coordinates are local metres added to an origin inside Lieshan (EPSG:4548), so a test
can draw its park on graph paper: ``square(0, 0, 100)`` is a 100 m square parcel.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

#: A point inside the Lieshan boundary in EPSG:4548 (near the 烈山经济开发区).
ORIGIN_X = 489_000.0
ORIGIN_Y = 3_745_000.0
SRID = 4548


def square(x: float, y: float, size: float, height: float | None = None) -> str:
    """WKT of an axis-aligned rectangle with its lower-left corner at local (x, y)."""
    h = size if height is None else height
    x0, y0 = ORIGIN_X + x, ORIGIN_Y + y
    x1, y1 = x0 + size, y0 + h
    return f"MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def line(*points: tuple[float, float]) -> str:
    """WKT of a line through local points."""
    coords = ",".join(f"{ORIGIN_X + x} {ORIGIN_Y + y}" for x, y in points)
    return f"LINESTRING({coords})"


def point(x: float, y: float) -> str:
    """WKT of a local point."""
    return f"POINT({ORIGIN_X + x} {ORIGIN_Y + y})"


def insert(conn: Connection, table: str, values: dict[str, Any], geom_col: str = "geom") -> int:
    """Insert one row (geometry given as WKT under ``geom``); return its id."""
    cols = list(values)
    params = []
    for c in cols:
        if c == geom_col:
            params.append(f"ST_GeomFromText(:{c}, {SRID})")
        else:
            params.append(f":{c}")
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(params)}) RETURNING id"
    return int(conn.execute(text(sql), values).scalar_one())


def zone(conn: Connection, code: str = "340604", size: float = 5000) -> int:
    """The district (or a park) as a big square around the origin."""
    existing = conn.execute(text("SELECT id FROM zone WHERE code = :c"), {"c": code}).scalar()
    if existing:
        return int(existing)
    return insert(
        conn,
        "zone",
        {
            "code": code,
            "kind": "district" if len(code) == 6 else "park",
            "name_zh": "烈山区",
            "name_en": "Lieshan District",
            "geom": square(-size / 2, -size / 2, size),
        },
    )


def parcel(
    conn: Connection, plot_no: str, x: float, y: float, size: float = 100, **fields: Any
) -> int:
    """A square parcel; defaults to available class-2 industrial land."""
    zone(conn)
    values: dict[str, Any] = {
        "zone_code": "340604",
        "plot_no": plot_no,
        "land_use_code": "100102",
        "status": "available",
        "geom": square(x, y, size),
    }
    values.update(fields)
    return insert(conn, "parcel", values)


def firm(conn: Connection, name: str, **fields: Any) -> int:
    """A firm in the district."""
    zone(conn)
    values: dict[str, Any] = {"zone_code": "340604", "name": name, "industry_code": "C34"}
    values.update(fields)
    return insert(conn, "firm", values)
