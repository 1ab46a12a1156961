"""Map viewers built with folium from the layer catalogue (styles, popups, legend).

Two pages for the API (``promotion_map`` for ``/map``, ``infrastructure_map`` for
``/map/infrastructure``) draw the large layers as Mapbox vector tiles from the API's
``/collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y}`` through Leaflet.VectorGrid, so a
park of 100 000 parcels stays responsive; small overlays (park boundary, parcels
without road access, a repair plan) are inline GeoJSON. ``layer_map`` gives a notebook a
map of one small layer with inline GeoJSON.

Scripts and stylesheets: with ``static_url`` (the API passes ``/static``) every one comes
from the vendored copies (``python -m api.vendor``) and no CDN URL is left in the page;
without it (notebooks) folium's own defaults are used.

Basemaps (setting ``PARKGIS_BASEMAP``): ``osm``; ``tianditu`` (needs
``PARKGIS_TIANDITU_KEY``); ``gaode``, whose tiles are in GCJ-02: inline GeoJSON overlays
are shifted WGS84 -> GCJ-02 (``parkgis.gcj02``) so they line up, while vector tiles are
not shifted (the page says so: they sit about 500 m off the Gaode basemap); ``none``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import folium
from branca.element import Element, Figure
from sqlalchemy import Connection

from parkgis import map_data
from parkgis.catalogue import Layer, get_layer
from parkgis.config import get_rules
from parkgis.gcj02 import shift_feature_collection
from parkgis.map_elements import (
    BASEMAPS,
    GRADE_COLOURS,
    GRADE_LABELS,
    PCI_COLOURS,
    SEARCH_URL,
    Basemap,
    VectorTileLayer,
    add_gaode_note,
    basemap_from_settings,
    escape_popup_values,
    finish,
    geojson_overlay,
    legend_section,
    new_map,
    popup_fields,
    render_page,
    vector_layer_config,
)

#: Popup fields of the overlays of other concerns (enquiry matches, repair plan works).
ENQUIRY_POPUP = [["rank", "排名"], ["label", "地块/厂房"], ["kind_zh", "类型"], ["score", "得分"]]
PLAN_POPUP = [
    ["seq", "序号"],
    ["method_zh", "方式"],
    ["street", "道路"],
    ["cost_yuan", "费用（元）"],
]

__all__ = [
    "BASEMAPS",
    "Basemap",
    "basemap_from_settings",
    "infrastructure_map",
    "layer_map",
    "promotion_filters",
    "promotion_map",
    "render_page",
]


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """A function another concern may not have written yet (None until it exists)."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


def _union(boxes: list[list[list[float]]]) -> list[list[float]] | None:
    """The [[south, west], [north, east]] box around ``boxes`` (None when there are none)."""
    if not boxes:
        return None
    return [
        [min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)],
        [max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)],
    ]


def _as_feature_collection(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        return value
    features = list(value.get("features", [])) if isinstance(value, dict) else list(value or [])
    return {"type": "FeatureCollection", "features": features}


def _boundary(conn: Connection, m: folium.Map, basemap: Basemap) -> None:
    tol = float(get_rules().get("maps", {}).get("boundary_simplify_m", 2.0))
    data = map_data.park_boundary(conn, simplify_m=tol)
    if data["features"]:
        geojson_overlay(
            data,
            "园区边界 Park boundary",
            basemap,
            "#e7298a",
            popup=[["name_zh", "名称"], ["code", "代码"]],
            fill=False,
            dash="8 6",
        ).add_to(m)


def _area_filters(layers: set[str]) -> list[dict[str, Any]]:
    m2_per_mu = float(get_rules()["units"]["m2_per_mu"])
    area = {"parcels": {"field": "area_mu"}, "units": {"field": "area_m2", "scale": 1 / m2_per_mu}}
    area = {k: v for k, v in area.items() if k in layers}
    return [
        {
            "id": "area_mu_min",
            "label": "面积不小于（亩）",
            "input": "number",
            "op": "min",
            "targets": area,
        },
        {
            "id": "area_mu_max",
            "label": "面积不大于（亩）",
            "input": "number",
            "op": "max",
            "targets": area,
        },
    ]


def promotion_filters(conn: Connection, layers: set[str]) -> list[dict[str, Any]]:
    """The visitor's filters: land or building, area in mu, floor load, clear height, fire
    class (GB 50016-2014 §3.1: a building designed for a class hosts that class or a less
    hazardous one), rent."""
    kinds = {"parcels": "land", "buildings": "building", "units": "building"}
    ranks = map_data.fire_class_ranks(conn)
    fire_labels = map_data.code_labels(conn, "buildings", "design_fire_class")
    fire_options = [["", "不限 any"]] + [
        [code, fire_labels.get(code, code)] for code in sorted(ranks, key=ranks.__getitem__)
    ]

    def only(targets: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in targets.items() if k in layers}

    filters: list[dict[str, Any]] = [
        {
            "id": "kind",
            "label": "类型",
            "input": "select",
            "op": "kind",
            "options": [["", "全部 all"], ["land", "土地 land"], ["building", "厂房 buildings"]],
            "targets": only({k: {"value": v} for k, v in kinds.items()}),
        },
        *_area_filters(layers),
        {
            "id": "floor_load_min",
            "label": "楼面荷载不小于（kN/m²）",
            "input": "number",
            "op": "min",
            "targets": only({"units": {"field": "floor_load_kn_m2"}}),
        },
        {
            "id": "clear_height_min",
            "label": "净高不小于（m）",
            "input": "number",
            "op": "min",
            "targets": only({"units": {"field": "clear_height_m"}}),
        },
        {
            "id": "fire_class",
            "label": "生产火灾危险性",
            "input": "select",
            "op": "rank_max",
            "options": fire_options,
            "ranks": ranks,
            "targets": only({"buildings": {"field": "design_fire_class"}}),
        },
        {
            "id": "rent_max",
            "label": "租金不高于（元/m²·月）",
            "input": "number",
            "op": "max",
            "targets": only({"units": {"field": "rent_yuan_m2_month"}}),
        },
    ]
    return [f for f in filters if f["targets"]]


def promotion_map(
    conn: Connection,
    role: str = "public",
    basemap: Basemap | None = None,
    static_url: str = "/static",
    detail_link: str = "/collections/{layer}/items/{{id}}",
    enquiry_id: int | None = None,
) -> folium.Map:
    """The investment-promotion map (/map): land on offer and vacant factory units.

    ``enquiry_id`` adds the ranked sites of a stored investor enquiry
    (``parkgis.matching.engine.match_features``) as an overlay.
    """
    basemap = basemap or basemap_from_settings()
    bounds = map_data.layer_bounds(conn, "parcels", role)
    m = new_map(bounds, basemap, static_url, title="烈山区园区招商地图 Lieshan investment map")
    _boundary(conn, m, basemap)
    configs = []
    for layer_id in ("parcels", "buildings", "units"):
        if not get_layer(layer_id).can_see(role):
            continue
        cfg = vector_layer_config(conn, layer_id, role, link=detail_link.format(layer=layer_id))
        if layer_id == "parcels":
            cfg["only"] = {"status": map_data.public_land_statuses(conn)}
            cfg["title"] = "可供地块 Land on offer"
        elif layer_id == "units":
            cfg["only"] = {"status": ["vacant"]}
            cfg["title"] = "空置厂房单元 Vacant units"
        configs.append(cfg)
        VectorTileLayer(cfg).add_to(m)
    notes: list[str] = []
    if enquiry_id is not None:
        match_features = _optional("parkgis.matching.engine", "match_features")
        if match_features is None:
            notes.append("意向匹配尚未提供 / enquiry matching not available")
        else:
            geojson_overlay(
                _as_feature_collection(match_features(conn, enquiry_id, role)),
                f"意向 {enquiry_id} 匹配结果 Enquiry {enquiry_id} matches",
                basemap,
                "#ff7f00",
                popup=ENQUIRY_POPUP,
            ).add_to(m)
    add_gaode_note(m, notes, basemap)
    return finish(
        m,
        {
            "filters": promotion_filters(conn, {c["id"] for c in configs}),
            "search_url": SEARCH_URL,
            "legend": [legend_section(conn, c) for c in configs],
            "notes": notes,
            "no_basemap": basemap.kind == "none",
        },
    )


def _pipe_style(layer: Layer) -> dict[str, Any]:
    """Pipes by CJJ 181-2012 repair-index grade (RI, §8) when the layer has it, else by system."""
    names = {f.name for f in layer.fields}
    if "ri_grade" in names:
        return {
            **layer.style,
            "color_by": "ri_grade",
            "colors": GRADE_COLOURS,
            "default_color": "#999999",
        }
    return dict(layer.style)


def infrastructure_map(
    conn: Connection,
    role: str = "infrastructure",
    basemap: Basemap | None = None,
    static_url: str = "/static",
    plan_id: int | None = None,
) -> folium.Map:
    """The infrastructure map (/map/infrastructure): pipes by grade, manholes, roads, access.

    ``plan_id`` highlights the works of a repair plan (``parkgis.repairs.plan.plan_features``).
    """
    basemap = basemap or basemap_from_settings()
    boxes = [
        map_data.layer_bounds(conn, layer_id, role)
        for layer_id in ("parcels", "roads", "pipes", "manholes")
        if get_layer(layer_id).can_see(role)
    ]
    bounds = _union([b for b in boxes if b])
    m = new_map(bounds, basemap, static_url, title="烈山区园区基础设施 Lieshan park infrastructure")
    _boundary(conn, m, basemap)
    # CJJ 36-2016 PCI grade bounds, from the repairs rules ([cjj36], one place).
    pci = get_rules().get("cjj36", {}).get("pci_a_b_c", {})
    specs: list[tuple[str, dict[str, Any] | None, str | None, bool]] = [
        ("parcels", None, None, True),
        ("roads", None, "道路（建设状态）Roads by status", True),
        (
            "roads",
            {
                "kind": "line",
                "color_by": "__pci_grade",
                "colors": PCI_COLOURS,
                "default_color": "#bdbdbd",
                "weight": 4,
                "pci_grades": pci,
            },
            "道路（路况 PCI, CJJ 36）Road condition",
            False,
        ),
        ("pipes", _pipe_style(get_layer("pipes")), None, True),
        ("manholes", None, None, True),
    ]
    sections = []
    for layer_id, style, title, show in specs:
        if not get_layer(layer_id).can_see(role):
            continue
        cfg = vector_layer_config(conn, layer_id, role, style=style, title=title)
        if cfg["style"].get("color_by") == "__pci_grade":
            cfg["id"] = "roads_condition"
            cfg["values"]["__pci_grade"] = {g: f"{g} 级" for g in PCI_COLOURS}
        elif cfg["style"].get("color_by") == "ri_grade":
            cfg["values"]["ri_grade"] = GRADE_LABELS
        sections.append(legend_section(conn, cfg))
        VectorTileLayer(cfg, show=show).add_to(m)
    notes: list[str] = []
    without_access = _optional("parkgis.repairs.roads", "parcels_without_access")
    if without_access is not None:
        rows = {int(r["parcel_id"]): r for r in without_access(conn)}
        data = map_data.parcels_by_id(conn, sorted(rows), role)
        for feature in data["features"]:
            feature["properties"]["reason"] = rows[int(feature["id"])].get("reason")
        geojson_overlay(
            data,
            "无完整道路通达的地块 Parcels without road access",
            basemap,
            "#d7191c",
            popup=[["plot_no", "地块编号"], ["reason", "原因"]],
            dash="4 4",
        ).add_to(m)
    else:
        notes.append("道路通达分析尚未提供 / road-access analysis not available yet")
    if plan_id is not None:
        plan_features = _optional("parkgis.repairs.plan", "plan_features")
        if plan_features is None:
            notes.append("修复计划尚未提供 / repair plans not available")
        else:
            geojson_overlay(
                _as_feature_collection(plan_features(conn, plan_id, role)),
                f"修复计划 {plan_id} Repair plan {plan_id}",
                basemap,
                "#ff00ff",
                popup=PLAN_POPUP,
                fill=False,
            ).add_to(m)
    add_gaode_note(m, notes, basemap)
    return finish(
        m, {"filters": [], "legend": sections, "notes": notes, "no_basemap": basemap.kind == "none"}
    )


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
    from shapely.geometry import shape

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
