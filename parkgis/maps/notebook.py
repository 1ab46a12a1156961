"""A notebook map of one small catalogue layer (inline GeoJSON), styled from the catalogue."""

from __future__ import annotations

import html
from typing import Any

import folium
from branca.element import Element, Figure
from shapely.geometry import shape
from sqlalchemy import Connection

from parkgis.catalogue import get_layer
from parkgis.maps import data as map_data
from parkgis.maps.elements import (
    basemap_from_settings,
    escape_popup_values,
    new_map,
    popup_fields,
)
from parkgis.maps.gcj02 import shift_feature_collection


def layer_map(
    conn: Connection,
    layer_id: str,
    role: str = "public",
    where: dict[str, Any] | None = None,
    basemap: str | None = None,
    static_url: str | None = None,
    limit: int = 5000,
) -> folium.Map:
    """A notebook map of one small layer (inline GeoJSON), styled from the catalogue."""
    layer = get_layer(layer_id)
    chosen = basemap_from_settings(basemap)
    data = map_data.layer_geojson(conn, layer_id, role=role, where=where, limit=limit)
    bounds = None
    if data["features"]:
        boxes = [shape(f["geometry"]).bounds for f in data["features"]]
        bounds = [
            [min(b[1] for b in boxes), min(b[0] for b in boxes)],
            [max(b[3] for b in boxes), max(b[2] for b in boxes)],
        ]
    m = new_map(bounds, chosen, static_url, title=layer.title_zh)
    style = layer.style
    color_by, colors = style.get("color_by"), style.get("colors", {})
    default = style.get("default_color", "#3388ff")

    def style_fn(feature: dict[str, Any]) -> dict[str, Any]:
        colour = colors.get(str(feature["properties"].get(color_by)), default)
        return {
            "color": colour,
            "fillColor": colour,
            "weight": style.get("weight", 1),
            "fillOpacity": style.get("fill_opacity", 0.5),
        }

    shown = data if not chosen.shift_overlays else shift_feature_collection(data)
    popup = popup_fields(layer, role)
    kwargs: dict[str, Any] = {}
    if popup and data["features"]:
        shown = escape_popup_values(shown, [p[0] for p in popup])
        kwargs["popup"] = folium.GeoJsonPopup(
            fields=[p[0] for p in popup], aliases=[p[1] for p in popup]
        )
    if style.get("kind") == "point":
        kwargs["marker"] = folium.CircleMarker(radius=style.get("radius", 4))
    folium.GeoJson(shown, name=layer.title_zh, style_function=style_fn, **kwargs).add_to(m)
    labels = map_data.code_labels(conn, layer_id, color_by) if color_by else {}
    rows = "".join(
        f'<div><i style="background:{c};display:inline-block;width:12px;height:10px"></i> '
        f"{html.escape(str(labels.get(code, code)))}</div>"
        for code, c in colors.items()
    )
    legend = (
        '<div style="position:absolute;bottom:20px;right:10px;z-index:1000;background:#fff;'
        f'padding:6px;font-size:12px"><b>{html.escape(layer.title_zh)}</b>{rows}</div>'
    )
    root = m.get_root()
    if isinstance(root, Figure):
        root.html.add_child(Element(legend))
    folium.LayerControl().add_to(m)
    return m
