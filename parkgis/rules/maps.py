"""Model of ``maps.toml``: display settings of the map viewers."""

from __future__ import annotations

from pydantic import BaseModel

from parkgis.rules.base import Table


class Maps(Table):
    """Display only."""

    boundary_simplify_m: float


class MapsRules(BaseModel):
    """``parkgis/rules/maps.toml``."""

    maps: Maps
