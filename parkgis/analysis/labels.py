"""Labels for analysts' tables and charts: the code lists' words instead of codes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from parkgis.catalogue import get_layer
from parkgis.labels import codes
from parkgis.labels.format import Lang


def code_labels(conn: Connection, table: str, lang: Lang = "zh") -> dict[str, str]:
    """Code -> label of the code list ``table`` (e.g. ``land_status``), for ``Series.map``."""
    return codes.labels(conn, table, lang)


def with_labels(conn: Connection, frame: Any, layer_id: str, lang: Lang = "zh") -> Any:
    """A copy of a layer's (Geo)DataFrame with every coded column written in its labels.

    The columns of the catalogue's coded fields (``code_list``) are replaced by their
    Chinese (``zh``) or English labels, so a chart's axis and legend read as words.
    """
    out = frame.copy()
    for f in get_layer(layer_id).fields:
        if f.code_list and f.name in out.columns:
            listed = codes.code_list(conn, f.code_list)
            out[f.name] = out[f.name].map(lambda v, c=listed: c.label(v, lang))
    return out
