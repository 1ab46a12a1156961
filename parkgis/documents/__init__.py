"""Documents people print or open: one XLSX writer (:mod:`parkgis.documents.xlsx`)."""
