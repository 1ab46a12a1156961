"""Road grid, blocks and parcel outlines of one park (geometry only, storage CRS metres).

Main roads (主干路 on the park's axes, 次干路 elsewhere) every cell; inside a cell one or
two branch roads (支路), some of them planned, under construction or dead-ended (断头路,
CJJ 36-2016 / DOMAIN §8). Parcel edges lie on the road red lines, so neighbouring parcels
share edges and a parcel's frontage is where it touches a road corridor.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from parkgis.demo.boundary import ParkSite
from parkgis.demo.names import EW_ROADS, NS_ROADS

#: Road classes: width at full scale (m), lanes.
ROAD_SPECS = {"arterial": (40.0, 6), "secondary": (28.0, 4), "branch": (16.0, 2)}
#: Share of branch-road segments by status (the rest complete).
BRANCH_STATUS_P = {"planned": 0.09, "under_construction": 0.07, "dead_end": 0.07}


@dataclass
class Road:
    """One road segment between intersections (or a dead end)."""

    code: str
    name: str
    road_class: str
    status: str
    width_m: float
    lanes: int
    geom: LineString
    attrs: dict[str, object] = field(default_factory=dict)
    id: int = 0


@dataclass
class Plot:
    """A parcel outline and the block it lies in."""

    block_no: int
    geom: Polygon


@dataclass
class ParkLayout:
    """Everything geometric of one park."""

    site: ParkSite
    roads: list[Road]
    plots: list[Plot]


def _split(values: list[float], cuts: list[float]) -> list[tuple[float, float]]:
    points = sorted({v for v in [*values, *cuts] if values[0] <= v <= values[1]})
    return list(itertools.pairwise(points))


def build_layout(site: ParkSite, rng: np.random.Generator) -> ParkLayout:  # noqa: C901 - one sweep over the grid cells: roads, junction cuts and blocks grow together
    """Lay roads, blocks and parcels of ``site`` (deterministic for a given ``rng``)."""
    spec, c = site.spec, site.cell
    wf = max(site.factor, 0.5)
    nx, ny = spec.cells_x, spec.cells_y
    # Coordinates snapped to the centimetre, so roads meet exactly at their junctions.
    xs = [round(site.x0 + i * c, 2) for i in range(nx + 1)]
    ys = [round(site.y0 + j * c, 2) for j in range(ny + 1)]
    v_class = ["arterial" if i == nx // 2 else "secondary" for i in range(nx + 1)]
    h_class = ["arterial" if j == ny // 2 else "secondary" for j in range(ny + 1)]
    half = {k: w * wf / 2 for k, (w, _) in ROAD_SPECS.items()}

    roads: list[Road] = []
    v_cuts: list[list[float]] = [[] for _ in xs]  # junctions on vertical main lines (y)
    h_cuts: list[list[float]] = [[] for _ in ys]  # junctions on horizontal main lines (x)
    blocks: list[tuple[float, float, float, float]] = []
    branch_no = {"ns": 0, "ew": 0}

    def add(
        name: str, cls: str, status: str, a: tuple[float, float], b: tuple[float, float]
    ) -> None:
        width, lanes = ROAD_SPECS[cls]
        code = f"{spec.code}-R{len(roads) + 1:03d}"
        roads.append(Road(code, name, cls, status, round(width * wf, 1), lanes, LineString([a, b])))

    def branch(direction: str, a: tuple[float, float], b: tuple[float, float], outer: str) -> None:
        """A branch segment; ``outer`` says which end ('a', 'b', 'both') meets a main road."""
        status = str(
            rng.choice(
                ["complete", *BRANCH_STATUS_P],
                p=[1 - sum(BRANCH_STATUS_P.values()), *BRANCH_STATUS_P.values()],
            )
        )
        if status == "dead_end":
            # Built from the main road, it stops short of where it was meant to go.
            start, end = (b, a) if outer == "b" else (a, b)
            stop = 0.55 + 0.25 * float(rng.random())
            end = (start[0] + (end[0] - start[0]) * stop, start[1] + (end[1] - start[1]) * stop)
            a, b = start, end
        number = branch_no[direction] = branch_no[direction] + 1
        name = f"{'经' if direction == 'ns' else '纬'}{_cn(number)}路"
        add(name, "branch", status, a, b)

    for ci in range(nx):
        for cj in range(ny):
            x_a, x_b, y_a, y_b = xs[ci], xs[ci + 1], ys[cj], ys[cj + 1]
            kind = str(rng.choice(["cross", "ns", "ew", "none"], p=[0.5, 0.2, 0.2, 0.1]))
            bx = round(x_a + c * float(rng.uniform(0.42, 0.58)), 2)
            by = round(y_a + c * float(rng.uniform(0.42, 0.58)), 2)
            # A branch road continues the one across the main road rather than meeting
            # it a few metres off (no short stubs between two T-junctions).
            bx = next((x for x in h_cuts[cj] if x_a < x < x_b), bx)
            by = next((y for y in v_cuts[ci] if y_a < y < y_b), by)
            x_lines = [(x_a, half[v_class[ci]]), (x_b, half[v_class[ci + 1]])]
            y_lines = [(y_a, half[h_class[cj]]), (y_b, half[h_class[cj + 1]])]
            if kind in ("cross", "ns"):
                x_lines.insert(1, (bx, half["branch"]))
                h_cuts[cj].append(bx)
                h_cuts[cj + 1].append(bx)
            if kind in ("cross", "ew"):
                y_lines.insert(1, (by, half["branch"]))
                v_cuts[ci].append(by)
                v_cuts[ci + 1].append(by)
            if kind == "cross":
                branch("ns", (bx, y_a), (bx, by), "a")
                branch("ns", (bx, by), (bx, y_b), "b")
                branch("ew", (x_a, by), (bx, by), "a")
                branch("ew", (bx, by), (x_b, by), "b")
            elif kind == "ns":
                branch("ns", (bx, y_a), (bx, y_b), "a" if rng.random() < 0.5 else "b")
            elif kind == "ew":
                branch("ew", (x_a, by), (x_b, by), "a" if rng.random() < 0.5 else "b")
            for (xl, hl), (xr, hr) in itertools.pairwise(x_lines):
                for (yb, hb), (yt, ht) in itertools.pairwise(y_lines):
                    blocks.append((xl + hl, yb + hb, xr - hr, yt - ht))

    for i, x in enumerate(xs):
        name = NS_ROADS[i % len(NS_ROADS)]
        for lo, hi in _split([ys[0], ys[-1]], [*ys, *v_cuts[i]]):
            add(name, v_class[i], "complete", (x, lo), (x, hi))
    for j, y in enumerate(ys):
        name = EW_ROADS[j % len(EW_ROADS)]
        for lo, hi in _split([xs[0], xs[-1]], [*xs, *h_cuts[j]]):
            add(name, h_class[j], "complete", (lo, y), (hi, y))

    _road_condition(roads, rng)
    plots = _subdivide(blocks, c, rng)
    return ParkLayout(site, roads, plots)


def _cn(number: int) -> str:
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _road_condition(roads: list[Road], rng: np.random.Generator) -> None:
    """PCI, IRI, year built and planned completion (CJJ 36-2016 indices)."""
    for road in roads:
        if road.status in ("planned", "under_construction"):
            year = 2027 if road.status == "under_construction" else 2028
            road.attrs = {
                "planned_completion_on": date(year, int(rng.integers(3, 12)), 30),
                "year_built": None,
                "pci": None,
                "iri": None,
            }
            continue
        built = int(
            rng.integers(2009, 2017) if road.road_class != "branch" else rng.integers(2012, 2025)
        )
        age = 2026 - built
        pci = float(np.clip(rng.normal(94 - 2.4 * age, 7), 35, 99))
        iri = float(np.clip(rng.normal(1.6 + 0.28 * age, 0.6), 0.8, 9.0))
        road.attrs = {
            "year_built": built,
            "pci": round(pci, 1),
            "iri": round(iri, 2),
            "planned_completion_on": None,
        }


def _subdivide(
    blocks: list[tuple[float, float, float, float]], cell: float, rng: np.random.Generator
) -> list[Plot]:
    """Cut each block into parcels: one row or two back-to-back rows of plots."""
    target = cell * cell * 0.75 / 11.5
    plots: list[Plot] = []
    for block_no, (x0, y0, x1, y1) in enumerate(blocks, start=1):
        w, h = x1 - x0, y1 - y0
        if w <= 1 or h <= 1:
            continue
        k = max(1, round(w * h / target * float(rng.uniform(0.6, 1.4))))
        long_x = w >= h
        rows = 2 if k >= 4 and min(w, h) >= 0.22 * cell else 1
        per_row = [k // rows + (1 if r < k % rows else 0) for r in range(rows)]
        short = (y0, y1) if long_x else (x0, x1)
        row_cuts = np.linspace(short[0], short[1], rows + 1)
        if rows == 2:
            row_cuts[1] = short[0] + (short[1] - short[0]) * float(rng.uniform(0.42, 0.58))
        for r in range(rows):
            weights = rng.uniform(0.7, 1.3, per_row[r])
            along = (x0, x1) if long_x else (y0, y1)
            cuts = along[0] + np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * (
                along[1] - along[0]
            )
            for a, b in itertools.pairwise(cuts):
                if long_x:
                    box = shapely.box(a, row_cuts[r], b, row_cuts[r + 1])
                else:
                    box = shapely.box(row_cuts[r], a, row_cuts[r + 1], b)
                plots.append(Plot(block_no, box))
    return plots
