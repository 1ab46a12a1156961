"""Model of ``ingest.toml``: the park's region, CRS guessing, unit factors, upload limits."""

from __future__ import annotations

from pydantic import BaseModel, Field

from parkgis.rules.base import Number, Table


class GeographicGuess(Table):
    """Degrees: lon and lat ranges of a geographic CRS."""

    epsg: int
    lon: tuple[float, float]
    lat: tuple[float, float]


class ProjectedGuess(Table):
    """Metres: the easting range of a projected CRS (with its zone prefix)."""

    epsg: int
    x: tuple[float, float]


class ProjectedGuessXY(ProjectedGuess):
    """Metres: easting and northing ranges of a projected CRS (no zone prefix)."""

    y: tuple[float, float]


class CrsGuess(Table):
    """Magnitude rules for files without a .prj (DOMAIN §1)."""

    geographic: GeographicGuess
    gk3_zone39_prefixed: ProjectedGuess
    gk6_zone20_prefixed: ProjectedGuess
    gk3_zone39: ProjectedGuessXY


class Limits(Table):
    """Hostile-upload limits (OWASP File Upload Cheat Sheet; operational policy)."""

    zip_max_members: int
    zip_max_uncompressed_mb: Number
    zip_max_ratio: Number
    zip_ratio_applies_above_mb: Number
    json_max_depth: int
    vertices_per_geometry_max: int
    vertices_per_file_max: int
    xlsx_max_rows: int
    xlsx_max_columns: int


class Topology(Table):
    """Parcels tile the ground (宗地 practice); tolerances are local QA practice [?]."""

    layers: list[str]
    overlap_tolerance_m2: float
    sliver_max_area_m2: float
    sliver_min_compactness: float
    gap_min_area_m2: float
    gap_max_area_m2: float
    gap_grid_m: float


class Ingest(Table):
    """Where the park is and how files arrive."""

    region_bbox_4548: tuple[float, float, float, float]
    region_margin_m: float
    crs_guess: CrsGuess
    unit_factors: dict[str, float] = Field(description="source unit->field unit: factor")
    limits: Limits
    topology: Topology


class IngestRules(BaseModel):
    """``parkgis/rules/ingest.toml``."""

    ingest: Ingest
