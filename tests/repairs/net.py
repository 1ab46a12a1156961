"""Draw small drainage networks and roads for repair tests (local metres, see tests/park.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from tests import park


def manhole(
    conn: Connection,
    code: str,
    x: float,
    y: float,
    invert: float,
    system: str = "storm",
    outfall: bool = False,
) -> int:
    """A manhole at local (x, y) whose invert level is ``invert`` m (ground 30 m)."""
    park.zone(conn)
    return park.insert(
        conn,
        "manhole",
        {
            "zone_code": "340604",
            "code": code,
            "system": system,
            "ground_level_m": 30.0,
            "invert_depth_m": 30.0 - invert,
            "is_outfall": outfall,
            "geom": park.point(x, y),
        },
    )


def pipe(
    conn: Connection,
    code: str,
    a: int,
    b: int,
    up: float | None = None,
    down: float | None = None,
    diameter: int = 600,
    **fields: Any,
) -> int:
    """A segment from manhole ``a`` to ``b``; invert levels default to the manholes'."""
    rows = conn.execute(
        text(
            "SELECT id, invert_level_m, system, ST_X(geom) x, ST_Y(geom) y FROM manhole "
            "WHERE id IN (:a, :b)"
        ),
        {"a": a, "b": b},
    ).all()
    m = {r.id: r for r in rows}
    wkt = f"LINESTRING({m[a].x} {m[a].y},{m[b].x} {m[b].y})"
    values: dict[str, Any] = {
        "zone_code": "340604",
        "code": code,
        "system": m[a].system,
        "from_manhole_id": a,
        "to_manhole_id": b,
        "diameter_mm": diameter,
        "material": "rc",
        "up_invert_level_m": float(m[a].invert_level_m) if up is None else up,
        "down_invert_level_m": float(m[b].invert_level_m) if down is None else down,
        "geom": wkt,
    }
    values.update(fields)
    return park.insert(conn, "pipe_segment", values)


def inspect(conn: Connection, segment_id: int, on: str = "2025-05-01") -> int:
    """An inspection of a segment (no defects yet)."""
    return park.insert(
        conn,
        "inspection",
        {"pipe_segment_id": segment_id, "inspected_on": on, "direction": "downstream"},
    )


def road(conn: Connection, code: str, *points: tuple[float, float], **fields: Any) -> int:
    """A road segment along local points; defaults to a complete branch road 12 m wide."""
    park.zone(conn)
    values: dict[str, Any] = {
        "zone_code": "340604",
        "code": code,
        "road_class": "branch",
        "status": "complete",
        "width_m": 12,
        "geom": park.line(*points),
    }
    values.update(fields)
    return park.insert(conn, "road_segment", values)
