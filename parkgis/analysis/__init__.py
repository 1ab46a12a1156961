"""The analyst's Python API: layers as (Geo)DataFrames, imports from DataFrames, and the
domain services (zombie screening, per-mu efficiency, idle-land clocks, matching, pipe
assessment, repair plans) as DataFrames. Used by ``notebooks/``; re-exported lazily by
``parkgis`` (``parkgis.read_layer`` ...), so ``import parkgis`` stays cheap.

Example::

    import parkgis
    conn = parkgis.connect()                      # PARKGIS_DATABASE_URL or the private cluster
    idle = parkgis.read_layer(conn, "parcels", where={"status": "idle"}, crs=4326)
    idle.plot(column="area_mu")

Reads run in the analyst's own transaction (autocommit off: nothing is written unless the
analyst calls ``conn.commit()``); ``write_layer`` commits its own transaction through the
import pipeline (``parkgis.ingest``), all or nothing.
"""

from parkgis.analysis.domain import (
    assess_pipes,
    bankruptcy_cases,
    disposal_rates,
    efficiency_classes,
    idle_land,
    match,
    plan_repairs,
    release_pipeline,
    screen_firms,
)
from parkgis.analysis.labels import code_labels, with_labels
from parkgis.analysis.layers import (
    CJK_FONTS,
    connect,
    read_layer,
    reference_date,
    use_chinese_font,
    write_layer,
)

__all__ = [
    "CJK_FONTS",
    "assess_pipes",
    "bankruptcy_cases",
    "code_labels",
    "connect",
    "disposal_rates",
    "efficiency_classes",
    "idle_land",
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
