"""The viewers' layers, rows, styles and filters come from the catalogue's [[viewers]]."""

from __future__ import annotations

import json
import tomllib
from importlib import resources

import pytest
from sqlalchemy import Connection, text

from parkgis.catalogue import _layer, load_catalogue
from parkgis.maps import basemap_from_settings, render_page
from parkgis.maps.filters import FILTER_IDS, page_filters
from parkgis.maps.viewers import STYLES, VIEWERS, promotion_map, viewer_layers
from tests.maps.conftest import build_map_park, map_settings, shows


def test_every_viewer_entry_names_a_known_page_filter_and_style() -> None:
    entries = [e for layer in load_catalogue().values() for e in layer.viewers]
    assert entries
    for entry in entries:
        assert entry.viewer in VIEWERS, entry
        assert not entry.style or entry.style in STYLES, entry
        assert set(entry.filters) <= FILTER_IDS, entry
    for viewer in VIEWERS:
        orders = [e.order for _layer, e in viewer_layers(viewer, "admin")]
        assert len(orders) == len(set(orders)), viewer


def test_pages_draw_the_catalogue_layers_in_order() -> None:
    ids = [e.id for _layer, e in viewer_layers("promotion", "public")]
    assert ids == ["parcels", "buildings", "units"]
    infra = [e.id for _layer, e in viewer_layers("infrastructure", "infrastructure")]
    assert infra == ["parcels", "roads", "roads_condition", "pipes", "manholes"]


def test_a_viewer_entry_naming_an_unknown_field_is_refused() -> None:
    raw = tomllib.loads((resources.files("layers") / "units.toml").read_text(encoding="utf-8"))
    raw["viewers"][0]["filters"] = {"rent_max": "rent_per_day"}
    with pytest.raises(ValueError, match="rent_per_day"):
        _layer(raw)


def test_page_filters_follow_the_entries(conn: Connection) -> None:
    build_map_park(conn)
    filters = {f["id"]: f for f in page_filters(conn, viewer_layers("promotion", "public"))}
    assert filters["kind"]["targets"] == {
        "parcels": {"value": "land"},
        "buildings": {"value": "building"},
        "units": {"value": "building"},
    }
    area = filters["area_mu_min"]["targets"]
    assert area["parcels"] == {"field": "area_mu"}
    assert area["units"]["field"] == "area_m2"
    assert area["units"]["scale"] == pytest.approx(1 / 666.6667, rel=1e-4)  # m² -> 亩
    fire = filters["fire_class"]
    assert list(fire["targets"]) == ["buildings"]
    assert fire["options"][1][0] == "jia" and fire["ranks"]["jia"] == 1  # most hazardous first
    assert list(filters["rent_max"]["targets"]) == ["units"]


def test_only_rows_and_titles_come_from_the_entries(conn: Connection) -> None:
    build_map_park(conn)
    page = promotion_map(conn, "promotion", basemap_from_settings(settings=map_settings()))
    html = render_page(page)
    assert '"only": {"status": ["vacant"]}' in html  # units.toml
    public = conn.execute(text("SELECT code FROM land_status WHERE is_public ORDER BY code"))
    assert '"only": {"status": ' + json.dumps(list(public.scalars())) + "}" in html  # parcels
    assert shows(html, "空置厂房单元 Vacant units") and shows(html, "可供地块 Land on offer")
