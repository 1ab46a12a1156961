"""Separate storm and sewage networks under the park's complete roads.

Each network is a tree draining to one outfall (storm: a ditch beyond the park's lowest
corner; sewage: the treatment plant). Manholes every 30-60 m along each road, pipes
digitised from manhole to manhole in the flow direction, inverts falling strictly
downstream (a minimum slope per diameter after GB 50014 practice plus a 2 cm drop in
each manhole), diameters growing with the pipe length drained upstream.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from parkgis.demo._io import Row
from parkgis.demo.context import Context
from parkgis.demo.layout import ParkLayout, Road

#: Minimum slopes by diameter (mm), a common reading of GB 50014-2021 §5.2.
SLOPE = {
    300: 0.003,
    400: 0.0025,
    500: 0.002,
    600: 0.0018,
    800: 0.0015,
    1000: 0.0012,
    1200: 0.001,
    1350: 0.001,
    1500: 0.0009,
}
#: Diameter by pipe length drained upstream (m): (upper bound, diameter).
STORM_D = (
    (150, 400),
    (400, 500),
    (800, 600),
    (1500, 800),
    (2500, 1000),
    (4000, 1200),
    (6000, 1350),
    (math.inf, 1500),
)
SEWAGE_D = ((300, 300), (1000, 400), (2500, 500), (5000, 600), (math.inf, 800))
MAX_SPACING_M = 55.0
DROP_M = 0.02


def ground_level(x: float, y: float) -> float:
    """A gentle terrain (m, 1985 datum): about 30-40 m, falling to the south-east."""
    return (
        35.0
        + 0.0003 * (y - 3_745_000.0)
        - 0.00025 * (x - 489_000.0)
        + 0.6 * math.sin(x / 700.0) * math.cos(y / 900.0)
    )


@dataclass
class _Manhole:
    id: int
    xy: tuple[float, float]
    outfall: bool = False
    incoming: list[int] = field(default_factory=list)  # pipe indexes
    outgoing: int | None = None


@dataclass
class _Pipe:
    up: int
    down: int
    road: Road | None
    length: float = 0.0
    diameter: int = 0


def _distances(
    n: int, edges: list[tuple[int, int, float]], root: int
) -> tuple[list[float], list[int]]:
    adj: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
    for k, (a, b, w) in enumerate(edges):
        adj[a].append((b, w, k))
        adj[b].append((a, w, k))
    dist = [math.inf] * n
    parent = [-1] * n
    dist[root] = 0.0
    heap = [(0.0, root)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w, k in adj[u]:
            if d + w < dist[v] - 1e-9:
                dist[v], parent[v] = d + w, k
                heapq.heappush(heap, (d + w, v))
    return dist, parent


def build_drainage(
    ctx: Context, layout: ParkLayout, parcels: list[Row], rng: np.random.Generator
) -> None:
    """Manholes and pipes of both systems, and some parcels' service connections."""
    site = layout.site
    roads = [r for r in layout.roads if r.status == "complete"]
    index: dict[tuple[float, float], int] = {}

    def node(xy: tuple[float, ...]) -> int:
        return index.setdefault((round(xy[0], 2), round(xy[1], 2)), len(index))

    edges = [(node(r.geom.coords[0]), node(r.geom.coords[-1]), r.geom.length) for r in roads]
    points = sorted(index, key=index.__getitem__)
    d = 3.5 * max(site.factor, 0.5)
    reach = 45.0 * max(site.factor, 0.5)
    x0, y0, x1 = site.x0, site.y0, site.x0 + site.width
    plans = (
        ("storm", "Y", (x1, y0), (d, d), (x1 + reach, y0 - reach)),
        ("sewage", "W", (x0, y0), (-d, -d), (x0 - reach, y0 - reach)),
    )
    for system, letter, corner, offset, outfall_xy in plans:
        root = index[(round(corner[0], 2), round(corner[1], 2))]
        dist, parent = _distances(len(points), edges, root)
        manholes: list[_Manhole] = []
        pipes: list[_Pipe] = []

        def manhole(
            xy: tuple[float, float], outfall: bool = False, into: list[_Manhole] = manholes
        ) -> int:
            into.append(_Manhole(ctx.next_id("manhole"), xy, outfall))
            return len(into) - 1

        at_node = [manhole((p[0] + offset[0], p[1] + offset[1])) for p in points]
        for k, (a, b, length) in enumerate(edges):
            up, down = (b, a) if (dist[a], a) < (dist[b], b) else (a, b)
            n = max(1, math.ceil(length / MAX_SPACING_M))
            weights = rng.uniform(0.92, 1.08, n)
            fractions = np.cumsum(weights)[:-1] / weights.sum()
            ux, uy = points[up]
            vx, vy = points[down]
            chain = [
                manhole((ux + (vx - ux) * f + offset[0], uy + (vy - uy) * f + offset[1]))
                for f in fractions
            ]
            if parent[up] == k:
                chain.insert(0, at_node[up])
            chain.append(at_node[down])
            for m_up, m_down in itertools.pairwise(chain):
                pipes.append(_Pipe(m_up, m_down, roads[k]))
        pipes.append(_Pipe(at_node[root], manhole(outfall_xy, outfall=True), None))
        _levels_and_rows(ctx, site.spec.code, system, letter, manholes, pipes, rng)
        _connect_parcels(parcels, system, manholes, rng)


def _levels_and_rows(
    ctx: Context,
    zone_code: str,
    system: str,
    letter: str,
    manholes: list[_Manhole],
    pipes: list[_Pipe],
    rng: np.random.Generator,
) -> None:
    """Inverts from the heads down (topological order), then the rows of both tables."""
    table = STORM_D if system == "storm" else SEWAGE_D
    for p_index, pipe in enumerate(pipes):
        manholes[pipe.up].outgoing = p_index
        manholes[pipe.down].incoming.append(p_index)
        start, end = manholes[pipe.up].xy, manholes[pipe.down].xy
        pipe.length = math.hypot(end[0] - start[0], end[1] - start[1])
    pending = [len(m.incoming) for m in manholes]
    ready = [i for i, count in enumerate(pending) if count == 0]
    drained = [0.0] * len(manholes)
    invert = [0.0] * len(manholes)
    ground = [ground_level(*m.xy) for m in manholes]
    up_inv = [0.0] * len(pipes)
    down_inv = [0.0] * len(pipes)
    while ready:
        i = ready.pop()
        m = manholes[i]
        inflow = [down_inv[p] for p in m.incoming]
        out = m.outgoing
        if out is None:
            invert[i] = min([*[v - DROP_M for v in inflow], ground[i] - 1.0])
            continue
        pipe = pipes[out]
        drained_here = drained[i] + pipe.length
        wanted = next(dia for bound, dia in table if drained_here < bound)
        pipe.diameter = max([wanted, *[pipes[p].diameter for p in m.incoming]])
        cover = 1.2 + pipe.diameter / 1000.0
        invert[i] = min([*[v - DROP_M for v in inflow], ground[i] - cover])
        up_inv[out] = invert[i]
        down_inv[out] = invert[i] - SLOPE[pipe.diameter] * pipe.length
        drained[pipe.down] += drained_here
        pending[pipe.down] -= 1
        if pending[pipe.down] == 0:
            ready.append(pipe.down)
    for n, m in enumerate(manholes, start=1):
        g = round(ground[n - 1], 3)
        ctx.rows["manhole"].append(
            {
                "id": m.id,
                "zone_code": zone_code,
                "code": f"{zone_code}-{letter}{n:04d}",
                "system": system,
                "ground_level_m": g,
                "invert_depth_m": round(g - invert[n - 1], 3),
                "is_outfall": m.outfall,
                "extra": {"receiving": "龙河支沟" if system == "storm" else "园区污水处理厂"}
                if m.outfall
                else {},
                "geom": Point(m.xy),
            }
        )
    for n, (pipe, up, down) in enumerate(zip(pipes, up_inv, down_inv, strict=True), start=1):
        road = pipe.road
        built = road.attrs.get("year_built") if road is not None else None
        year = int(built) if isinstance(built, int) else int(rng.integers(2010, 2020))
        if system == "storm":
            material = (
                "rc" if pipe.diameter >= 800 else str(rng.choice(["rc", "rc", "hdpe", "concrete"]))
            )
        else:
            material = str(rng.choice(["hdpe", "upvc"])) if pipe.diameter <= 500 else "rc"
        a, b = manholes[pipe.up], manholes[pipe.down]
        ctx.rows["pipe_segment"].append(
            {
                "id": ctx.next_id("pipe_segment"),
                "zone_code": zone_code,
                "code": f"{zone_code}-{letter}G{n:04d}",
                "system": system,
                "from_manhole_id": a.id,
                "to_manhole_id": b.id,
                "diameter_mm": pipe.diameter,
                "material": material,
                "up_invert_level_m": round(up, 3),
                "down_invert_level_m": round(down, 3),
                "year_built": year,
                "soil_class": _soil(*a.xy),
                "area_class": "other"
                if road is None
                else ("arterial" if road.road_class == "arterial" else "road"),
                "road_segment_id": road.id if road is not None else None,
                "extra": {},
                "geom": LineString([a.xy, b.xy]),
            }
        )


def _soil(x: float, y: float) -> str:
    """Patches of collapsible loess and silty clay in an otherwise ordinary soil."""
    value = math.sin(x / 1300.0) + math.cos(y / 1100.0)
    if value > 1.75:
        return "loess_3"
    if value > 1.4:
        return "loess_1_2"
    if value < -1.85:
        return "loess_4"
    return "ordinary"


def _connect_parcels(
    parcels: list[Row], system: str, manholes: list[_Manhole], rng: np.random.Generator
) -> None:
    """Known service connections for about two thirds of the built-on parcels."""
    candidates = [m for m in manholes if not m.outfall]
    tree = shapely.STRtree([Point(m.xy) for m in candidates])
    chosen = [p for p in parcels if p["status"] != "available" and rng.random() < 0.65]
    if not chosen:
        return
    pairs = tree.query_nearest(
        [p["_geom"] for p in chosen], return_distance=False, all_matches=False
    )
    for parcel_index, manhole_index in zip(pairs[0], pairs[1], strict=True):
        chosen[int(parcel_index)][f"{system}_manhole_id"] = candidates[int(manhole_index)].id
