"""parkgis.maps.layer_map for notebooks: inline GeoJSON, catalogue styles and labels."""

from __future__ import annotations

import folium
import pytest
from sqlalchemy import Connection

from parkgis import maps
from parkgis.errors import PermissionDeniedError, ValidationError
from parkgis.maps.data import layer_geojson
from tests.maps.conftest import build_map_park, shows


def test_layer_map_of_parcels_for_visitors(conn: Connection) -> None:
    build_map_park(conn)
    m = maps.layer_map(conn, "parcels", role="public", basemap="none")
    assert isinstance(m, folium.Map)
    html = maps.render_page(m)
    assert "M-1" in html and "M-2" in html and "M-4" in html
    assert "M-3" not in html  # in use: not shown to visitors
    assert shows(html, "地块编号") and shows(
        html, "净地"
    )  # popup alias and legend label in Chinese
    assert "#1a9850" in html  # the catalogue colour of 'available'


def test_layer_map_where_filters_on_visible_fields_only(conn: Connection) -> None:
    build_map_park(conn)
    data = layer_geojson(conn, "parcels", role="public", where={"status": "approved_unsupplied"})
    assert [f["properties"]["plot_no"] for f in data["features"]] == ["M-4"]
    assert "land_price_yuan" not in data["features"][0]["properties"]
    with pytest.raises(ValidationError) as err:
        layer_geojson(conn, "parcels", role="public", where={"land_price_yuan": 1})
    assert err.value.field == "where"
    with pytest.raises(ValidationError):
        layer_geojson(conn, "parcels", role="public", where={"status; DROP TABLE parcel": 1})
    with pytest.raises(PermissionDeniedError):
        maps.layer_map(conn, "pipes", role="public", basemap="none")


def test_layer_map_points_and_lines(conn: Connection) -> None:
    build_map_park(conn)
    html = maps.render_page(maps.layer_map(conn, "manholes", role="infrastructure", basemap="none"))
    assert "MH-1" in html and "L.CircleMarker" in html
    html = maps.render_page(maps.layer_map(conn, "roads", role="public", basemap="none"))
    assert "R-1" in html and "R-2" in html


def test_unknown_basemap_is_refused(conn: Connection) -> None:
    with pytest.raises(ValidationError) as err:
        maps.layer_map(conn, "parcels", basemap="bing")
    assert err.value.field == "PARKGIS_BASEMAP"
