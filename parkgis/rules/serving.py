"""Model of ``serving.toml``: limits and caches of OGC API Features and vector tiles."""

from __future__ import annotations

from pydantic import BaseModel

from parkgis.rules.base import Number, Table


class Serving(Table):
    """OGC 17-069r4 leaves limits to the server (operational policy)."""

    limit_default: int
    limit_max: int
    count_exact_max_rows: int
    count_cache_entries: int
    coordinate_precision: int
    bbox_segment_degrees: float


class Tiles(Table):
    """Mapbox Vector Tiles (MVT spec 2.1) and their cache."""

    extent: int
    buffer: int
    max_zoom: int
    cache_entries: int
    cache_max_age_s: int


class Sessions(Table):
    """Staff sign-in sessions (operational policy)."""

    lifetime_hours: Number
    last_seen_every_s: Number


class Workspace(Table):
    """How far ahead the staff home page looks (office policy)."""

    task_due_soon_days: int
    deadline_window_days: int


class ServingRules(BaseModel):
    """``parkgis/rules/serving.toml``."""

    serving: Serving
    tiles: Tiles
    sessions: Sessions
    workspace: Workspace
