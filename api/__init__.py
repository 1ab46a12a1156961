"""The parkgis web service (FastAPI): thin routes over the parkgis library."""
