"""The real Lieshan boundary and where the demo's parks go inside it.

The boundary is packaged in ``parkgis/demo/data`` (provenance in ``SOURCES.md`` there):
DataV.GeoAtlas, converted GCJ-02 -> WGS84, projected here to the storage CRS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

DISTRICT_CODE = "340604"
BOUNDARY_FILE = "lieshan_340604_wgs84.geojson"
BOUNDARY_SOURCE = (
    "DataV.GeoAtlas (c) Alibaba DataV/AMap via JamesView/chinaGeoMaps@57b24ea, "
    "GCJ-02 -> WGS84 (iterative inverse); see parkgis/demo/data/SOURCES.md"
)

#: Cell size of the park road grid at full scale, m (a main road every 400 m).
CELL_M = 400.0
#: Clear ground kept around a park for its outfalls and treatment plant, m at full scale.
MARGIN_M = 200.0
#: Grid cells of each extension park laid by ``--scale`` (the named parks have 21 together).
EXTENSION_CELLS = 4
#: Anchors in CGCS2000 geographic degrees (lon, lat): the 烈山经济开发区 east of the
#: district centre, and the high-tech zone south of the Lieshan town cluster.
ANCHORS_LONLAT = ((116.883, 33.852), (116.876, 33.783))


@dataclass(frozen=True)
class ParkSpec:
    """What a park is called and what it hosts."""

    code: str
    name_zh: str
    name_en: str
    abbr: str
    industries: tuple[str, ...]
    planned_area_km2: float | None
    cells_x: int
    cells_y: int


NAMED_PARKS = (
    ParkSpec(
        "340604K01",
        "烈山经济开发区",
        "Lieshan Economic Development Zone",
        "JK",
        ("食品加工", "机械制造", "高新技术"),
        11.0,
        4,
        3,
    ),
    ParkSpec(
        "340604K02",
        "烈山高新技术产业园",
        "Lieshan High-tech Industrial Zone",
        "GX",
        ("新材料", "装备制造", "纺织"),
        4.5,
        3,
        3,
    ),
)


def extension_spec(number: int, like: ParkSpec) -> ParkSpec:
    """A further park laid for ``--scale`` (benchmarks), shaped like ``like``."""
    return ParkSpec(
        f"340604E{number:04d}",
        f"烈山拓展园区{number:04d}",
        f"Lieshan extension park {number:04d}",
        f"E{number:04d}",
        like.industries,
        None,
        EXTENSION_CELLS,
        EXTENSION_CELLS,
    )


@dataclass(frozen=True)
class ParkSite:
    """A park placed on the map: its lower-left grid corner and its scale factor."""

    spec: ParkSpec
    x0: float
    y0: float
    factor: float

    @property
    def cell(self) -> float:
        return CELL_M * self.factor

    @property
    def width(self) -> float:
        return self.spec.cells_x * self.cell

    @property
    def height(self) -> float:
        return self.spec.cells_y * self.cell

    def outline(self, pad: float = 0.0) -> Polygon:
        """The park's extent (road centrelines of its outer grid lines), grown by ``pad``."""
        return shapely.box(
            self.x0 - pad, self.y0 - pad, self.x0 + self.width + pad, self.y0 + self.height + pad
        )


def load_district(srid: int) -> MultiPolygon:
    """The packaged Lieshan boundary in the storage CRS, as one valid MultiPolygon."""
    ref = resources.files("parkgis.demo").joinpath("data").joinpath(BOUNDARY_FILE)
    with resources.as_file(ref) as path:
        frame = gpd.read_file(path)
    geom: BaseGeometry = shapely.make_valid(frame.to_crs(epsg=srid).geometry.union_all())
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        msg = f"the packaged Lieshan boundary is a {geom.geom_type}, expected a MultiPolygon"
        raise ValueError(msg)
    return geom


def _anchors(srid: int) -> list[tuple[float, float]]:
    from pyproj import Transformer

    to_srid = Transformer.from_crs("OGC:CRS84", f"EPSG:{srid}", always_xy=True)
    return [to_srid.transform(lon, lat) for lon, lat in ANCHORS_LONLAT]


def place_parks(district: MultiPolygon, srid: int, scale: int) -> list[ParkSite]:
    """Lay the parks of ``scale`` on a grid of slots inside the district, without overlaps.

    Scale 1 is the two named parks near their anchors at full size; scale K adds
    extension parks until there are K times as many road-grid cells (so about K times the
    parcels), shrinks every park by one factor so the district can hold them all, and
    fills the slots nearest the anchors first.
    """
    specs = list(NAMED_PARKS)
    named_cells = sum(s.cells_x * s.cells_y for s in NAMED_PARKS)
    extensions = math.ceil(named_cells * (scale - 1) / EXTENSION_CELLS**2)
    for number in range(1, extensions + 1):
        specs.append(extension_spec(number, NAMED_PARKS[number % 2]))
    anchors = _anchors(srid)
    slot_cells = max(max(s.cells_x, s.cells_y) for s in specs)
    usable = district.area * 0.6
    factor = min(1.0, math.sqrt(usable / (len(specs) * (slot_cells * CELL_M + 2 * MARGIN_M) ** 2)))
    prepared = district.buffer(-50.0)
    shapely.prepare(prepared)
    while True:
        sites = _fill_slots(specs, anchors, prepared, factor, slot_cells)
        if sites is not None:
            return sites
        factor *= 0.93
        if factor < 0.2:
            msg = f"scale {scale} is too large: the parks do not fit inside Lieshan District"
            raise ValueError(msg)


def _fill_slots(
    specs: list[ParkSpec],
    anchors: list[tuple[float, float]],
    inside: BaseGeometry,
    factor: float,
    slot_cells: int,
) -> list[ParkSite] | None:
    pad = MARGIN_M * factor
    slot = slot_cells * CELL_M * factor + 2 * pad
    ax, ay = anchors[0]
    minx, miny, maxx, maxy = inside.bounds
    i0, i1 = math.floor((minx - ax) / slot) - 1, math.ceil((maxx - ax) / slot) + 1
    j0, j1 = math.floor((miny - ay) / slot) - 1, math.ceil((maxy - ay) / slot) + 1
    # Slot (i, j) is centred on anchor 0 + (i, j) * slot; a park sits centred in its slot.
    free: list[tuple[float, float]] = []
    for j in range(j0, j1 + 1):
        for i in range(i0, i1 + 1):
            cx, cy = ax + i * slot, ay + j * slot
            box = shapely.box(cx - slot / 2, cy - slot / 2, cx + slot / 2, cy + slot / 2)
            if inside.contains(box):
                free.append((cx, cy))
    if len(free) < len(specs):
        return None
    sites: list[ParkSite] = []
    for index, spec in enumerate(specs):
        target = anchors[index] if index < len(anchors) else anchors[0]
        best = min(free, key=lambda c: (c[0] - target[0]) ** 2 + (c[1] - target[1]) ** 2)
        free.remove(best)
        width, height = spec.cells_x * CELL_M * factor, spec.cells_y * CELL_M * factor
        sites.append(ParkSite(spec, best[0] - width / 2, best[1] - height / 2, factor))
    return sites
