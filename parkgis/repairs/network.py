"""The drainage graph 排水管网拓扑: flow direction, data checks, up- and downstream traces.

A segment is digitised from ``from_manhole`` to ``to_manhole`` and flows that way when
``up_invert_level_m > down_invert_level_m``; equal levels are *flat* (used, reported as
a warning); a lower upstream level is *uphill*: a data error, left out of the flow graph
and reported. Segments on a directed cycle (a *loop*) are data errors too and are left
out. The graph is loaded once per call into adjacency lists (one query), so a trace is a
walk in memory: tracing from all parcels of a 50 000-segment network takes well under
a second (bench/repairs_bench.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import NotFoundError, ValidationError

SYSTEMS = ("storm", "sewage")


@dataclass(frozen=True)
class Segment:
    """One pipe segment with its latest assessment."""

    id: int
    code: str
    system: str
    from_id: int
    to_id: int
    up_m: float
    down_m: float
    diameter_mm: int
    length_m: float
    material: str
    year_built: int | None
    road_segment_id: int | None
    ri: float | None
    ri_grade: int | None
    structural_grade: int | None
    f_score: float | None

    @property
    def direction(self) -> str:
        """'down' (flows from -> to), 'flat' or 'uphill' (data error)."""
        if self.up_m > self.down_m:
            return "down"
        return "flat" if self.up_m == self.down_m else "uphill"


@dataclass
class Network:
    """Manholes and segments with the checked flow graph."""

    manholes: dict[int, dict[str, Any]]
    segments: dict[int, Segment]
    out_edges: dict[int, list[int]] = field(default_factory=dict)
    in_edges: dict[int, list[int]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def manhole_by_code(self, code: str) -> int:
        """Id of the manhole ``code`` (NotFoundError otherwise)."""
        for mid, m in self.manholes.items():
            if m["code"] == code:
                return mid
        raise NotFoundError(
            message=f"没有检查井 {code}",
            message_en=f"no manhole {code}",
            field="manhole",
            found=code,
        )

    def segment_by_code(self, code: str) -> Segment:
        """The segment ``code`` (NotFoundError otherwise)."""
        for seg in self.segments.values():
            if seg.code == code:
                return seg
        raise NotFoundError(
            message=f"没有管段 {code}",
            message_en=f"no pipe segment {code}",
            field="segment",
            found=code,
        )

    def walk(self, start: Iterable[int], direction: str) -> tuple[list[int], list[int]]:
        """Manholes and segments reached from ``start`` manholes, breadth first."""
        edges = self.out_edges if direction == "down" else self.in_edges
        seen = set(start)
        order = list(seen)
        segs: list[int] = []
        queue = deque(order)
        while queue:
            m = queue.popleft()
            for sid in edges.get(m, ()):
                segs.append(sid)
                seg = self.segments[sid]
                nxt = seg.to_id if direction == "down" else seg.from_id
                if nxt not in seen:
                    seen.add(nxt)
                    order.append(nxt)
                    queue.append(nxt)
        return order, segs

    def main_path(self, start: int) -> list[int]:
        """Segments from ``start`` to its outfall, taking the largest outlet at each split."""
        path: list[int] = []
        seen = {start}
        m = start
        while self.out_edges.get(m):
            sid = max(self.out_edges[m], key=lambda s: (self.segments[s].diameter_mm, -s))
            path.append(sid)
            m = self.segments[sid].to_id
            if m in seen:
                break
            seen.add(m)
        return path

    def outfalls(self, manholes: Iterable[int]) -> list[int]:
        """The outfalls among ``manholes``."""
        return [m for m in manholes if self.manholes[m]["is_outfall"]]


_MANHOLES = "SELECT id, code, system, invert_level_m, is_outfall FROM manhole"
_SEGMENTS = """
SELECT s.id, s.code, s.system, s.from_manhole_id, s.to_manhole_id, s.up_invert_level_m,
       s.down_invert_level_m, s.diameter_mm, s.length_m, s.material, s.year_built,
       s.road_segment_id, li.ri, li.ri_grade, li.structural_grade, li.f_score
  FROM pipe_segment s
  LEFT JOIN logic.pipe_assessment li ON li.pipe_segment_id = s.id
"""


def load_network(conn: Connection) -> Network:
    """Load and check the whole drainage graph (all systems: they do not share manholes)."""
    manholes = {
        int(r.id): {
            "code": r.code,
            "system": r.system,
            "invert_level_m": float(r.invert_level_m),
            "is_outfall": bool(r.is_outfall),
        }
        for r in conn.execute(text(_MANHOLES))
    }
    segments = {}
    for r in conn.execute(text(_SEGMENTS)):
        segments[int(r.id)] = Segment(
            int(r.id),
            r.code,
            r.system,
            int(r.from_manhole_id),
            int(r.to_manhole_id),
            float(r.up_invert_level_m),
            float(r.down_invert_level_m),
            int(r.diameter_mm),
            float(r.length_m),
            r.material,
            r.year_built,
            r.road_segment_id,
            None if r.ri is None else float(r.ri),
            r.ri_grade,
            r.structural_grade,
            None if r.f_score is None else float(r.f_score),
        )
    net = Network(manholes, segments)
    _build(net)
    return net


def _issue(kind: str, seg: Segment, zh: str, en: str) -> dict[str, Any]:
    return {"kind": kind, "segment_id": seg.id, "code": seg.code, "message": zh, "message_en": en}


def _build(net: Network) -> None:
    usable: list[Segment] = []
    for seg in net.segments.values():
        if seg.direction == "uphill":
            net.errors.append(
                _issue(
                    "uphill",
                    seg,
                    f"管段 {seg.code} 逆坡：起点管底 {seg.up_m} m 低于终点 {seg.down_m} m",
                    f"segment {seg.code} flows uphill: upstream invert {seg.up_m} m "
                    f"below downstream {seg.down_m} m",
                )
            )
            continue
        if seg.direction == "flat":
            net.warnings.append(
                _issue(
                    "flat",
                    seg,
                    f"管段 {seg.code} 平坡（两端管底同高）",
                    f"segment {seg.code} is flat",
                )
            )
        usable.append(seg)
    adjacency: dict[int, list[int]] = {}
    for seg in usable:
        adjacency.setdefault(seg.from_id, []).append(seg.to_id)
    in_loop = _cyclic_nodes(adjacency)
    for seg in usable:
        if seg.from_id in in_loop and in_loop[seg.from_id] == in_loop.get(seg.to_id):
            net.errors.append(
                _issue(
                    "loop",
                    seg,
                    f"管段 {seg.code} 位于闭合环路中，流向无法确定",
                    f"segment {seg.code} lies on a flow loop",
                )
            )
            continue
        net.out_edges.setdefault(seg.from_id, []).append(seg.id)
        net.in_edges.setdefault(seg.to_id, []).append(seg.id)
    for mid, m in net.manholes.items():
        if not m["is_outfall"] and mid in net.in_edges and mid not in net.out_edges:
            net.warnings.append(
                {
                    "kind": "dead_end",
                    "manhole_id": mid,
                    "code": m["code"],
                    "message": f"检查井 {m['code']} 无出水管且不是排放口",
                    "message_en": f"manhole {m['code']} has no outlet and is not an outfall",
                }
            )


def _cyclic_nodes(adjacency: dict[int, list[int]]) -> dict[int, int]:  # noqa: C901 - iterative Tarjan: the index/lowlink state is shared by every step (no recursion limit on long pipe chains)
    """Nodes on a directed cycle -> id of their strongly connected component (Tarjan)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: dict[int, int] = {}
    counter = 0
    for root in list(adjacency):
        if root in index:
            continue
        work = [(root, iter(adjacency.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(adjacency.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1 or node in adjacency.get(node, ()):
                    for w in component:
                        result[w] = node
    return result


def check_network(conn: Connection) -> dict[str, Any]:
    """Data errors (uphill, loops) and warnings (flat, dead ends) of the drainage graph."""
    net = load_network(conn)
    return {
        "segments": len(net.segments),
        "manholes": len(net.manholes),
        "errors": net.errors,
        "warnings": net.warnings,
        "ok": not net.errors,
    }


_CONNECTIONS = """
SELECT p.id AS parcel_id, p.plot_no, CAST(:system AS text) AS system,
       coalesce(svc.id, near.id) AS manhole_id,
       CASE WHEN svc.id IS NOT NULL THEN 'service' WHEN near.id IS NOT NULL THEN 'nearest' END
         AS connection,
       round(ST_Distance(p.geom, coalesce(svc.geom, near.geom))::numeric, 1) AS distance_m
  FROM parcel p
  LEFT JOIN manhole svc ON svc.id = p.{column}
  LEFT JOIN LATERAL (
        SELECT m.id, m.geom FROM manhole m
         WHERE svc.id IS NULL AND m.system IN (:system, 'combined')
         ORDER BY m.geom <-> p.geom LIMIT 1) near ON true
 WHERE {where}
"""
_SERVICE_COLUMN = {"storm": "storm_manhole_id", "sewage": "sewage_manhole_id"}


def parcel_connections(
    conn: Connection, parcel_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Each parcel's storm and sewage connection: its service connection when known,
    otherwise the nearest manhole of the system (``connection`` says which)."""
    where = "p.id = ANY(:ids)" if parcel_ids is not None else "true"
    out = []
    for system, column in _SERVICE_COLUMN.items():
        # Without any manhole of the system the nearest-neighbour scan would read the
        # whole index for every parcel and find nothing: skip the system.
        present = conn.execute(
            text("SELECT 1 FROM manhole WHERE system IN (:s, 'combined') LIMIT 1"), {"s": system}
        ).scalar()
        if present is None:
            continue
        # ``column`` comes from the fixed _SERVICE_COLUMN map, never from a caller.
        sql = _CONNECTIONS.format(column=column, where=where)
        rows = conn.execute(text(sql), {"ids": parcel_ids or [], "system": system})
        out += [dict(r._mapping) for r in rows if r.manhole_id is not None]
    return out


def _check_system(system: str) -> None:
    if system not in SYSTEMS:
        raise ValidationError(
            message=f"管网类别应为 storm（雨水）或 sewage（污水），收到 {system}",
            message_en=f"system must be storm or sewage; found {system!r}",
            field="system",
            expected=list(SYSTEMS),
            found=system,
        )


def segment_row(seg: Segment) -> dict[str, Any]:
    """A segment as a JSON-ready dict."""
    return {
        "segment_id": seg.id,
        "code": seg.code,
        "system": seg.system,
        "diameter_mm": seg.diameter_mm,
        "length_m": seg.length_m,
        "ri": seg.ri,
        "ri_grade": seg.ri_grade,
        "structural_grade": seg.structural_grade,
    }


def downstream_segments(
    conn: Connection, parcel_id: int, system: str, network: Network | None = None
) -> list[dict[str, Any]]:
    """Ordered path from the parcel's connection to the outfall (segment id/code, ri, ri_grade)."""
    _check_system(system)
    found = [c for c in parcel_connections(conn, [parcel_id]) if c["system"] == system]
    if not found:
        exists = conn.execute(text("SELECT 1 FROM parcel WHERE id = :i"), {"i": parcel_id})
        if exists.scalar() is None:
            raise NotFoundError(
                message=f"没有地块 {parcel_id}",
                message_en=f"no parcel {parcel_id}",
                field="parcel_id",
                found=parcel_id,
            )
        return []
    net = network or load_network(conn)
    path = net.main_path(int(found[0]["manhole_id"]))
    return [
        {**segment_row(net.segments[sid]), "connection": found[0]["connection"]} for sid in path
    ]
