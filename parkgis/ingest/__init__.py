"""Import of the park's files (Shapefile, GeoPackage, GeoJSON, FlatGeobuf, CSV, XLSX).

``import_file(conn, layer, path, ...)`` reads, maps, checks and writes in one savepoint and
returns an :class:`ImportReport`; a refused import leaves the database as it was.
"""

from __future__ import annotations

from parkgis.ingest.report import ImportReport, Issue
from parkgis.ingest.run import MODES, import_file

__all__ = ["MODES", "ImportReport", "Issue", "import_file"]
