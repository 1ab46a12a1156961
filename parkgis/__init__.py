"""parkgis: the industrial park's shared map and shared truth.

The public Python API for analysts (``notebooks/README.md``)::

    import parkgis
    conn = parkgis.connect()                       # PARKGIS_DATABASE_URL or the private cluster
    parcels = parkgis.read_layer(conn, "parcels", where={"status": "idle"}, crs=4326)
    parkgis.maps.layer_map(conn, "idle_land", role="land_bureau")

The names below are loaded on first use (module ``__getattr__``), so ``import parkgis``
stays cheap; nothing is created at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "analysis",
    "assess_pipes",
    "bankruptcy_cases",
    "code_labels",
    "connect",
    "disposal_rates",
    "efficiency_classes",
    "idle_land",
    "maps",
    "match",
    "plan_repairs",
    "read_layer",
    "reference_date",
    "release_pipeline",
    "screen_firms",
    "use_chinese_font",
    "with_labels",
    "write_layer",
]
#: Submodules reachable as attributes without an explicit import.
_SUBMODULES = frozenset({"maps", "analysis"})
#: Public names served by :mod:`parkgis.analysis`.
_ANALYSIS = frozenset(__all__) - _SUBMODULES - {"__version__"}

if TYPE_CHECKING:
    from parkgis import analysis, maps
    from parkgis.analysis import (
        assess_pipes,
        bankruptcy_cases,
        code_labels,
        connect,
        disposal_rates,
        efficiency_classes,
        idle_land,
        match,
        plan_repairs,
        read_layer,
        reference_date,
        release_pipeline,
        screen_firms,
        use_chinese_font,
        with_labels,
        write_layer,
    )


def __getattr__(name: str) -> Any:
    import importlib

    if name in _ANALYSIS:
        return getattr(importlib.import_module("parkgis.analysis"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"parkgis.{name}")
    msg = f"module 'parkgis' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
