"""The map viewers: folium pages built from the layer catalogue, with their own scripts.

Two pages for the API (``promotion_map`` for ``/map``, ``infrastructure_map`` for
``/map/infrastructure``) draw the large layers as Mapbox vector tiles from the API's
``/collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y}`` through Leaflet.VectorGrid, so a
park of 100 000 parcels stays responsive; which layers, in which order, with which rows,
styles and filters is said by the catalogue (``[[viewers]]`` in ``layers/*.toml``). Small
overlays (park boundary, an enquiry's matches, parcels without road access, a repair
plan) are inline GeoJSON. ``layer_map`` gives a notebook a map of one small layer.

The package's rooms: ``viewers`` (the pages), ``elements`` (basemaps, assets, layer
configs, legend), ``filters`` (the page filters), ``data`` and ``overlays`` (what they
read from the database), ``notebook`` (``layer_map``), ``gcj02`` (the Gaode datum shift,
also used by the importer) and ``static/`` (parkgis-map.js and .css, package data,
served by the API at ``/static/maps``).

Scripts and stylesheets: with ``static_url`` (the API passes ``/static``) every one comes
from the service (``/static/maps`` from this package, ``/static/vendor`` vendored from npm
by ``python -m api.vendor``) and no CDN URL is left in the page; without it (notebooks)
folium's own defaults are used.

Basemaps (setting ``PARKGIS_BASEMAP``): ``osm``; ``tianditu`` (needs
``PARKGIS_TIANDITU_KEY``); ``gaode``, whose tiles are in GCJ-02: inline GeoJSON overlays
are shifted WGS84 -> GCJ-02 (``parkgis.maps.gcj02``) so they line up, while vector tiles
are not shifted (the page says so: they sit about 500 m off the Gaode basemap); ``none``.
"""

from __future__ import annotations

from parkgis.maps.elements import BASEMAPS, Basemap, basemap_from_settings, render_page
from parkgis.maps.notebook import layer_map
from parkgis.maps.viewers import infrastructure_map, promotion_map

#: (package, folder) of the viewers' own scripts and stylesheets, for StaticFiles(packages=...).
STATIC_PACKAGE = ("parkgis.maps", "static")

__all__ = [
    "BASEMAPS",
    "STATIC_PACKAGE",
    "Basemap",
    "basemap_from_settings",
    "infrastructure_map",
    "layer_map",
    "promotion_map",
    "render_page",
]
