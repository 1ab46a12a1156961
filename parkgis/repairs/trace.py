"""Traces over the drainage graph: from a manhole, a segment or a parcel, up or down,
as GeoJSON (CRS84) plus lists; who drains through a segment; where each parcel ends."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import NotFoundError, ValidationError
from parkgis.repairs.network import (
    SYSTEMS,
    Network,
    load_network,
    parcel_connections,
    segment_row,
)


@dataclass
class Load:
    """What drains through a segment: parcels, their area and firms."""

    parcels: set[int] = field(default_factory=set)
    firms: set[int] = field(default_factory=set)
    area_mu: float = 0.0


def _parcel_firms(conn: Connection) -> dict[int, set[int]]:
    rows = conn.execute(
        text(
            "SELECT id AS parcel_id, holder_firm_id AS firm_id FROM parcel "
            "WHERE holder_firm_id IS NOT NULL "
            "UNION SELECT parcel_id, owner_firm_id FROM building "
            "WHERE parcel_id IS NOT NULL AND owner_firm_id IS NOT NULL "
            "UNION SELECT b.parcel_id, u.tenant_firm_id FROM building_unit u "
            "JOIN building b ON b.id = u.building_id "
            "WHERE b.parcel_id IS NOT NULL AND u.tenant_firm_id IS NOT NULL"
        )
    )
    out: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        out[int(r.parcel_id)].add(int(r.firm_id))
    return out


def upstream_loads(conn: Connection, net: Network) -> dict[int, Load]:
    """For every segment, the parcels (by their connection) and firms draining through it."""
    areas = {
        int(r.id): float(r.area_mu) for r in conn.execute(text("SELECT id, area_mu FROM parcel"))
    }
    firms = _parcel_firms(conn)
    by_manhole: dict[int, list[int]] = defaultdict(list)
    for c in parcel_connections(conn):
        by_manhole[int(c["manhole_id"])].append(int(c["parcel_id"]))
    loads: dict[int, Load] = defaultdict(Load)
    for manhole, parcels in by_manhole.items():
        _, segs = net.walk([manhole], "down")
        for sid in set(segs):
            load = loads[sid]
            for p in parcels:
                if p not in load.parcels:
                    load.parcels.add(p)
                    load.area_mu += areas.get(p, 0.0)
                    load.firms |= firms.get(p, set())
    return loads


def _features(conn: Connection, net: Network, seg_ids: list[int]) -> list[dict[str, Any]]:
    if not seg_ids:
        return []
    rows = conn.execute(
        text(
            "SELECT id, ST_AsGeoJSON(ST_Transform(geom, 4326), 7) AS g "
            "FROM pipe_segment WHERE id = ANY(:ids)"
        ),
        {"ids": seg_ids},
    )
    geoms = {int(r.id): json.loads(r.g) for r in rows}
    return [
        {
            "type": "Feature",
            "id": net.segments[s].code,
            "geometry": geoms[s],
            "properties": {**segment_row(net.segments[s]), "order": n},
        }
        for n, s in enumerate(seg_ids)
    ]


def _drained(conn: Connection, net: Network, manholes: list[int], system: str) -> dict[str, Any]:
    conns = [
        c
        for c in parcel_connections(conn)
        if int(c["manhole_id"]) in set(manholes) and (system == "combined" or c["system"] == system)
    ]
    ids = sorted({int(c["parcel_id"]) for c in conns})
    parcels = [
        dict(r._mapping)
        for r in conn.execute(
            text("SELECT id, plot_no, status, area_mu FROM parcel WHERE id = ANY(:i) ORDER BY id"),
            {"i": ids},
        )
    ]
    how = {int(c["parcel_id"]): c["connection"] for c in conns}
    for p in parcels:
        p["connection"] = how[p["id"]]
        p["area_mu"] = float(p["area_mu"])
    buildings = conn.execute(
        text("SELECT id, code, name FROM building WHERE parcel_id = ANY(:i) ORDER BY code"),
        {"i": ids},
    ).all()
    firm_ids = set().union(*(_parcel_firms(conn).get(i, set()) for i in ids)) if ids else set()
    firms = conn.execute(
        text("SELECT id, name FROM firm WHERE id = ANY(:i) ORDER BY name"), {"i": list(firm_ids)}
    ).all()
    return {
        "parcels": parcels,
        "buildings": [dict(b._mapping) for b in buildings],
        "firms": [dict(f._mapping) for f in firms],
    }


def trace(
    conn: Connection,
    *,
    manhole: str | None = None,
    segment: str | None = None,
    parcel: str | None = None,
    direction: str = "down",
    system: str | None = None,
) -> dict[str, Any]:
    """Trace up or downstream from a manhole, segment or parcel (codes / plot number).

    Returns a GeoJSON FeatureCollection (CRS84) of the segments reached, with the lists
    of segments, manholes, outfalls, the parcels/buildings/firms draining through the
    start (upstream traces), how a parcel is connected, and the data errors met.
    """
    if (
        direction not in ("up", "down")
        or sum(x is not None for x in (manhole, segment, parcel)) != 1
    ):
        raise ValidationError(
            message="请给出一个起点（manhole、segment 或 parcel）和方向 up/down",
            message_en="give exactly one of manhole, segment, parcel and direction up or down",
            field="direction" if direction not in ("up", "down") else "manhole",
            expected="one start and direction up|down",
            found={
                "manhole": manhole,
                "segment": segment,
                "parcel": parcel,
                "direction": direction,
            },
        )
    net = load_network(conn)
    start_segs: list[int] = []
    connection: list[dict[str, Any]] = []
    if manhole is not None:
        starts = [net.manhole_by_code(manhole)]
        sys_of = net.manholes[starts[0]]["system"]
    elif segment is not None:
        seg = net.segment_by_code(segment)
        start_segs = [seg.id]
        starts = [seg.to_id if direction == "down" else seg.from_id]
        sys_of = seg.system
    else:
        row = conn.execute(text("SELECT id FROM parcel WHERE plot_no = :p"), {"p": parcel}).first()
        if row is None:
            raise NotFoundError(
                message=f"没有地块 {parcel}",
                message_en=f"no parcel {parcel}",
                field="parcel",
                found=parcel,
            )
        wanted = [system] if system else list(SYSTEMS)
        connection = [c for c in parcel_connections(conn, [int(row.id)]) if c["system"] in wanted]
        starts = [int(c["manhole_id"]) for c in connection]
        sys_of = system or "combined"
    manholes, segs = net.walk(starts, direction)
    seg_ids = start_segs + [s for s in dict.fromkeys(segs) if s not in start_segs]
    touched = set(manholes)
    errors = [
        e
        for e in net.errors
        if net.segments[e["segment_id"]].from_id in touched
        or net.segments[e["segment_id"]].to_id in touched
    ]
    out: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": _features(conn, net, seg_ids),
        "direction": direction,
        "segments": [segment_row(net.segments[s]) for s in seg_ids],
        "manholes": [{"manhole_id": m, "code": net.manholes[m]["code"]} for m in manholes],
        "outfalls": [net.manholes[m]["code"] for m in net.outfalls(manholes)],
        "data_errors": errors,
    }
    if connection:
        out["connection"] = connection
    if direction == "up":
        out.update(_drained(conn, net, manholes, sys_of))
    return out


def parcel_outfalls(conn: Connection) -> list[dict[str, Any]]:
    """The outfall(s) each parcel reaches, per system, with how it is connected."""
    net = load_network(conn)
    out = []
    cache: dict[int, list[str]] = {}
    for c in parcel_connections(conn):
        m = int(c["manhole_id"])
        if m not in cache:
            manholes, _ = net.walk([m], "down")
            cache[m] = [net.manholes[x]["code"] for x in net.outfalls(manholes)]
        out.append({**c, "outfalls": cache[m], "distance_m": float(c["distance_m"])})
    return out
