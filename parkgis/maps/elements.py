"""Building blocks of the folium map viewers: basemaps, assets, vector-tile layers, legend.

See ``parkgis.maps`` for the pages, the scripts they load and the basemap choice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from sqlalchemy import Connection

from parkgis.catalogue import Layer, get_layer
from parkgis.config import Settings, get_settings
from parkgis.errors import ValidationError
from parkgis.maps import data as map_data
from parkgis.maps.gcj02 import shift_feature_collection

BASEMAPS = ("osm", "tianditu", "gaode", "none")
TILE_URL = "/collections/{layer}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"
SEARCH_URL = "/map/search"

#: Colours of the four CJJ 181-2012 grades (I no repair .. IV repair immediately).
GRADE_COLOURS = {"1": "#1a9850", "2": "#fee08b", "3": "#fc8d59", "4": "#d73027"}
GRADE_LABELS = {"1": "Ⅰ级", "2": "Ⅱ级", "3": "Ⅲ级", "4": "Ⅳ级"}
#: Colours of the CJJ 36-2016 road condition grades A..D.
PCI_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fc8d59", "D": "#d73027"}
#: Tile servers of the basemaps above (the pages' Content-Security-Policy allows their images).
BASEMAP_TILE_HOSTS = (
    "https://tile.openstreetmap.org",
    "https://*.tianditu.gov.cn",
    "https://*.is.autonavi.com",
)
GAODE_NOTE = (
    "高德底图为GCJ-02坐标：边界等叠加图层已偏移对齐，矢量瓦片图层未偏移（约偏差500米）。"
    " Gaode basemap is GCJ-02: overlays are shifted to match; vector tiles are not (~500 m)."
)


@dataclass(frozen=True)
class Basemap:
    """The basemap choice and what it implies for overlays."""

    kind: str
    tianditu_key: str | None = None

    @property
    def shift_overlays(self) -> bool:
        """Whether inline overlays must be shifted WGS84 -> GCJ-02 (Gaode tiles)."""
        return self.kind == "gaode"


def basemap_from_settings(kind: str | None = None, settings: Settings | None = None) -> Basemap:
    """The configured basemap (``PARKGIS_BASEMAP``), or ``kind`` when given; checked."""
    settings = settings or get_settings()
    kind = kind or settings.basemap
    if kind not in BASEMAPS:
        raise ValidationError(
            message=f"未知底图 {kind!r}，可选：{', '.join(BASEMAPS)}",
            message_en=f"unknown basemap {kind!r}; expected one of {', '.join(BASEMAPS)}",
            field="PARKGIS_BASEMAP",
            expected=list(BASEMAPS),
            found=kind,
        )
    if kind == "tianditu" and not settings.tianditu_key:
        raise ValidationError(
            message="天地图底图需要配置密钥 PARKGIS_TIANDITU_KEY",
            message_en="the Tianditu basemap needs PARKGIS_TIANDITU_KEY",
            field="PARKGIS_TIANDITU_KEY",
            expected="a Tianditu API key",
            found=None,
        )
    return Basemap(kind=kind, tianditu_key=settings.tianditu_key)


def _add_basemap(m: folium.Map, basemap: Basemap) -> None:
    if basemap.kind == "osm":
        folium.TileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr="© OpenStreetMap contributors",
            name="OpenStreetMap",
            max_zoom=19,
        ).add_to(m)
    elif basemap.kind == "tianditu":
        for layer, name in (("vec", "天地图 矢量"), ("cva", "天地图 注记")):
            folium.TileLayer(
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={basemap.tianditu_key}",
                attr="© 天地图 Tianditu",
                name=name,
                subdomains="01234567",
                max_zoom=18,
                overlay=layer == "cva",
                control=layer == "vec",
            ).add_to(m)
    elif basemap.kind == "gaode":
        folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            attr="© 高德地图 AutoNavi (GCJ-02)",
            name="高德地图",
            subdomains="1234",
            max_zoom=18,
        ).add_to(m)


def _assets(static_url: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    js = [
        ("leaflet", f"{static_url}/vendor/leaflet/leaflet.js"),
        ("vectorgrid", f"{static_url}/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"),
        ("parkgis_map", f"{static_url}/maps/parkgis-map.js"),
    ]
    css = [
        ("leaflet_css", f"{static_url}/vendor/leaflet/leaflet.css"),
        ("parkgis_map_css", f"{static_url}/maps/parkgis-map.css"),
    ]
    return js, css


def new_map(
    bounds: list[list[float]] | None,
    basemap: Basemap,
    static_url: str | None = None,
    title: str = "parkgis",
) -> folium.Map:
    """An empty map with a scale bar, fitted to ``bounds``, with the chosen basemap."""
    centre = map_data.LIESHAN_CENTRE
    if bounds:
        centre = ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2)
    m = folium.Map(location=list(centre), zoom_start=13, tiles=None, control_scale=True)
    if static_url is not None:
        m.default_js, m.default_css = _assets(static_url)
    figure = Figure(title=title)
    # No favicon request (it would be a failed request on an intranet server).
    figure.header.add_child(Element('<link rel="icon" href="data:,">'), name="favicon")
    figure.add_child(m)
    _add_basemap(m, basemap)
    if bounds:
        m.fit_bounds(bounds)
    return m


class VectorTileLayer(folium.map.Layer):
    """A catalogue layer drawn from the API's vector tiles (parkgis-map.js)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = parkgis.vectorLayer({{ this.config|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, config: dict[str, Any], show: bool = True) -> None:
        super().__init__(name=config["title"], overlay=True, control=True, show=show)
        self._name = "VectorTileLayer"
        self.config = config


class PageControls(MacroElement):
    """Filters, parcel search, feature count and legend (parkgis-map.js)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "parkgis.controls({{ this._parent.get_name() }}, {{ this.config|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "PageControls"
        self.config = config


def popup_fields(layer: Layer, role: str, lang: str = "zh") -> list[list[str]]:
    """[[field, label]] of the layer's popup fields ``role`` may see, labels with units."""
    visible = {f.name: f for f in layer.visible_fields(role)}
    return [[name, visible[name].label(lang)] for name in layer.popup if name in visible]


def _value_labels(conn: Connection, layer: Layer, fields: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name in fields:
        if any(f.name == name and (f.code_list or f.value_aliases) for f in layer.fields):
            out[name] = map_data.code_labels(conn, layer.id, name)
    return out


def vector_layer_config(
    conn: Connection,
    layer_id: str,
    role: str,
    style: dict[str, Any] | None = None,
    title: str | None = None,
    link: str | None = None,
) -> dict[str, Any]:
    """What parkgis-map.js needs to draw one catalogue layer from vector tiles."""
    layer = get_layer(layer_id)
    layer.check_role(role)
    popup = popup_fields(layer, role)
    style = dict(style if style is not None else layer.style)
    color_by = style.get("color_by")
    visible = {f.name for f in layer.visible_fields(role)}
    if color_by and not color_by.startswith("__") and color_by not in visible:
        style.pop("color_by")
    labelled = [p[0] for p in popup]
    if style.get("color_by") and not str(style["color_by"]).startswith("__"):
        labelled.append(style["color_by"])
    config: dict[str, Any] = {
        "id": layer_id,
        "title": title or layer.title_zh,
        "url": TILE_URL.format(layer=layer_id),
        "min_zoom": layer.min_zoom,
        "key_field": layer.business_key or layer.id_column,
        "style": style,
        "popup": popup,
        "values": _value_labels(conn, layer, labelled),
    }
    if link:
        config["link"] = {"template": link, "key": "id", "label": "查看详情 / details"}
    return config


def legend_section(conn: Connection, config: dict[str, Any]) -> dict[str, Any]:
    """Legend entries (colour, label) of a vector layer config."""
    style = config["style"]
    kind = style.get("kind", "polygon")
    colors: dict[str, str] = style.get("colors", {})
    labels = config["values"].get(style.get("color_by", ""), {})
    items = [[colour, labels.get(code, code)] for code, colour in colors.items()]
    if not items:
        items = [[style.get("default_color", "#3388ff"), config["title"]]]
    return {"title": config["title"], "kind": kind, "items": items}


def geojson_overlay(
    data: dict[str, Any],
    name: str,
    basemap: Basemap,
    colour: str,
    popup: list[list[str]] | None = None,
    fill: bool = True,
    dash: str | None = None,
    show: bool = True,
) -> folium.GeoJson:
    data = {**data, "features": [f for f in data["features"] if f.get("geometry")]}
    if basemap.shift_overlays:
        data = shift_feature_collection(data)
    # Without fill the interior must not catch clicks meant for the tiles beneath.
    style: dict[str, Any] = {"color": colour, "weight": 3, "fill": fill, "fillOpacity": 0.25}
    if dash:
        style["dashArray"] = dash
    fn: Callable[[Any], dict[str, Any]] = lambda _feature: style  # noqa: E731
    kwargs: dict[str, Any] = {}
    fields = [
        p for p in (popup or []) if data["features"] and p[0] in data["features"][0]["properties"]
    ]
    if fields:
        data = escape_popup_values(data, [p[0] for p in fields])
        kwargs["popup"] = folium.GeoJsonPopup(
            fields=[p[0] for p in fields], aliases=[p[1] for p in fields], labels=True
        )
    return folium.GeoJson(data, name=name, style_function=fn, show=show, **kwargs)


def escape_popup_values(data: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """A copy of ``data`` whose popup ``fields`` are HTML-escaped text.

    folium's ``GeoJsonPopup`` inserts property values into the popup as HTML: a stored
    ``<img src=x onerror=...>`` in a road or parcel name would run in every visitor's
    browser. Escaping here, where the values enter the map, makes them text.
    """
    features = []
    for feature in data["features"]:
        props = dict(feature.get("properties") or {})
        for name in fields:
            if isinstance(props.get(name), str):
                props[name] = html.escape(props[name], quote=True)
        features.append({**feature, "properties": props})
    return {**data, "features": features}


def finish(m: folium.Map, controls: dict[str, Any]) -> folium.Map:
    PageControls(controls).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def render_page(m: folium.Map, nonce: str | None = None) -> str:
    """The map as a complete HTML page; ``nonce`` is put on every ``<script>`` tag.

    The page's Content-Security-Policy (api/headers.py) runs only scripts with the
    request's nonce. Every ``<script>`` of folium's output is folium's own: it writes
    values into scripts with ``tojson`` (``<`` and ``>`` escaped) and popup values are
    escaped at the source (``geojson_overlay``), so no stored text can become a tag.
    """
    html = str(m.get_root().render())
    if nonce is None:
        return html
    return _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)


_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)


def add_gaode_note(m: folium.Map, notes: list[str], basemap: Basemap) -> None:
    if basemap.shift_overlays:
        notes.append(GAODE_NOTE)
