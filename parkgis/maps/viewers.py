"""The two viewer pages: investment promotion (/map) and infrastructure (/map/infrastructure).

Which catalogue layers a page draws, in which order, with which title, rows, style and
filters, is said by the layers' ``[[viewers]]`` entries (``parkgis.catalogue.viewers``);
this module turns them into vector-tile layer configs for parkgis-map.js and adds the
overlays that are not catalogue layers (park boundary, an enquiry's matches, parcels
without road access, a repair plan) as inline GeoJSON.
"""

from __future__ import annotations

from typing import Any

import folium
from sqlalchemy import Connection

from parkgis.catalogue import Layer, load_catalogue
from parkgis.catalogue.viewers import ViewerLayer
from parkgis.maps import data
from parkgis.maps.elements import (
    GRADE_COLOURS,
    GRADE_LABELS,
    PCI_COLOURS,
    SEARCH_URL,
    Basemap,
    VectorTileLayer,
    add_gaode_note,
    basemap_from_settings,
    finish,
    geojson_overlay,
    legend_section,
    new_map,
    vector_layer_config,
)
from parkgis.maps.filters import page_filters
from parkgis.maps.overlays import match_overlay
from parkgis.repairs.plan import plan_features
from parkgis.repairs.roads import parcels_without_access
from parkgis.rules import current as current_rules

#: The viewer pages the catalogue may name, with their titles.
VIEWERS = {
    "promotion": "烈山区园区招商地图 Lieshan investment map",
    "infrastructure": "烈山区园区基础设施 Lieshan park infrastructure",
}
#: Popup fields of the overlays of other concerns (enquiry matches, repair plan works).
ENQUIRY_POPUP = [["rank", "排名"], ["label", "地块/厂房"], ["kind_zh", "类型"], ["score", "得分"]]
PLAN_POPUP = [
    ["seq", "序号"],
    ["method_zh", "方式"],
    ["street", "道路"],
    ["cost_yuan", "费用（元）"],
]


def _cjj36_pci() -> tuple[dict[str, Any], dict[str, str]]:
    """Roads by CJJ 36-2016 condition grade (PCI bounds from the repairs rules' [cjj36])."""
    pci = current_rules().cjj36.pci_a_b_c
    style = {"kind": "line", "color_by": "__pci_grade", "colors": PCI_COLOURS,
             "default_color": "#bdbdbd", "weight": 4, "pci_grades": pci}  # fmt: skip
    return style, {g: f"{g} 级" for g in PCI_COLOURS}


def _cjj181_grade() -> tuple[dict[str, Any], dict[str, str]]:
    """Pipes by CJJ 181-2012 repair-index grade (RI, §8), Ⅰ (no repair) to Ⅳ (at once)."""
    style = {"kind": "line", "color_by": "ri_grade", "colors": GRADE_COLOURS,
             "default_color": "#999999", "weight": 3}  # fmt: skip
    return style, GRADE_LABELS


#: Named styles a ``[[viewers]]`` entry may ask for: name -> (style, value labels).
STYLES = {"cjj36_pci": _cjj36_pci, "cjj181_grade": _cjj181_grade}


def viewer_layers(viewer: str, role: str) -> list[tuple[Layer, ViewerLayer]]:
    """The catalogue layers ``viewer`` draws for ``role``, in page order."""
    shown = [
        (layer, entry)
        for layer in load_catalogue().values()
        for entry in layer.viewers
        if entry.viewer == viewer and layer.can_see(role)
    ]
    return sorted(shown, key=lambda pair: pair[1].order)


def _layer_config(
    conn: Connection, layer: Layer, entry: ViewerLayer, role: str, link: str | None
) -> dict[str, Any]:
    style, labels = STYLES[entry.style]() if entry.style else (None, {})
    if style is not None:
        style = {**layer.style, **style}
    cfg = vector_layer_config(
        conn, layer.id, role, style=style, title=entry.title or None, link=link
    )
    cfg["id"] = entry.id
    if entry.min_zoom is not None:
        cfg["min_zoom"] = entry.min_zoom
    only = {name: list(codes) for name, codes in entry.only.items()}
    for name, flag in entry.only_flag.items():
        only[name] = data.flagged_codes(conn, layer.id, name, flag)
    if only:
        cfg["only"] = only
    if style is not None and labels and cfg["style"].get("color_by") == style["color_by"]:
        cfg["values"][style["color_by"]] = labels
    return cfg


def _catalogue_layers(
    conn: Connection,
    m: folium.Map,
    shown: list[tuple[Layer, ViewerLayer]],
    role: str,
    link: str | None = None,
) -> list[dict[str, Any]]:
    """Add the viewer's catalogue layers to ``m``; the config of each, in page order."""
    configs = []
    for layer, entry in shown:
        cfg = _layer_config(conn, layer, entry, role, link.format(layer=layer.id) if link else None)
        VectorTileLayer(cfg, show=entry.show).add_to(m)
        configs.append(cfg)
    return configs


def _page(
    conn: Connection,
    viewer: str,
    shown: list[tuple[Layer, ViewerLayer]],
    role: str,
    basemap: Basemap,
    static_url: str,
) -> folium.Map:
    """An empty page of ``viewer`` fitted to the rows ``role`` sees, with the park boundary."""
    layer_ids = sorted({layer.id for layer, _entry in shown})
    bounds = data.layers_bounds(conn, layer_ids, role)
    m = new_map(bounds, basemap, static_url, title=VIEWERS[viewer])
    tol = current_rules().maps.boundary_simplify_m
    boundary = data.park_boundary(conn, simplify_m=tol)
    if boundary["features"]:
        geojson_overlay(
            boundary,
            "园区边界 Park boundary",
            basemap,
            "#e7298a",
            popup=[["name_zh", "名称"], ["code", "代码"]],
            fill=False,
            dash="8 6",
        ).add_to(m)
    return m


def promotion_map(
    conn: Connection,
    role: str = "public",
    basemap: Basemap | None = None,
    static_url: str = "/static",
    detail_link: str = "/collections/{layer}/items/{{id}}",
    enquiry_id: int | None = None,
) -> folium.Map:
    """The investment-promotion map (/map): land on offer and vacant factory units.

    ``enquiry_id`` adds the ranked sites of a stored investor enquiry as an overlay.
    """
    basemap = basemap or basemap_from_settings()
    shown = viewer_layers("promotion", role)
    m = _page(conn, "promotion", shown, role, basemap, static_url)
    drawn = _catalogue_layers(conn, m, shown, role, link=detail_link)
    if enquiry_id is not None:
        geojson_overlay(
            match_overlay(conn, enquiry_id, role),
            f"意向 {enquiry_id} 匹配结果 Enquiry {enquiry_id} matches",
            basemap,
            "#ff7f00",
            popup=ENQUIRY_POPUP,
        ).add_to(m)
    notes: list[str] = []
    add_gaode_note(m, notes, basemap)
    return finish(
        m,
        {
            "filters": page_filters(conn, shown),
            "search_url": SEARCH_URL,
            "legend": [legend_section(conn, cfg) for cfg in drawn],
            "notes": notes,
            "no_basemap": basemap.kind == "none",
        },
    )


def _without_access_overlay(conn: Connection, role: str) -> dict[str, Any]:
    """Parcels with no frontage on a complete road, each with the reason."""
    rows = {int(r["parcel_id"]): r for r in parcels_without_access(conn)}
    overlay = data.parcels_by_id(conn, sorted(rows), role)
    for feature in overlay["features"]:
        feature["properties"]["reason"] = rows[int(feature["id"])].get("reason")
    return overlay


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
    shown = viewer_layers("infrastructure", role)
    m = _page(conn, "infrastructure", shown, role, basemap, static_url)
    drawn = _catalogue_layers(conn, m, shown, role)
    geojson_overlay(
        _without_access_overlay(conn, role),
        "无完整道路通达的地块 Parcels without road access",
        basemap,
        "#d7191c",
        popup=[["plot_no", "地块编号"], ["reason", "原因"]],
        dash="4 4",
    ).add_to(m)
    if plan_id is not None:
        geojson_overlay(
            plan_features(conn, plan_id, role),
            f"修复计划 {plan_id} Repair plan {plan_id}",
            basemap,
            "#ff00ff",
            popup=PLAN_POPUP,
            fill=False,
        ).add_to(m)
    notes: list[str] = []
    add_gaode_note(m, notes, basemap)
    legend = [legend_section(conn, cfg) for cfg in drawn]
    return finish(
        m, {"filters": [], "legend": legend, "notes": notes, "no_basemap": basemap.kind == "none"}
    )
