"""The map pages through the real app: no CDN, assets served, roles, sign-in, search."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.vendor import VENDOR_DIR, vendor
from tests.maps.conftest import MapPark, map_settings, shows
from tests.pages.conftest import sign_in

ASSET = re.compile(r"<(?:script|link)\b[^>]*?(?:src|href)=\"([^\"]+)\"")


def assets(html: str) -> list[str]:
    """Every script src and stylesheet href of a page."""
    return ASSET.findall(html)


def test_vendoring_is_idempotent_and_complete() -> None:
    vendor()  # fetches once if needed
    assert vendor() is False  # stamp matches: nothing to do
    assert (VENDOR_DIR / "leaflet" / "leaflet.js").is_file()
    assert (VENDOR_DIR / "leaflet.vectorgrid" / "Leaflet.VectorGrid.bundled.min.js").is_file()


def test_promotion_map_loads_everything_from_static(client: TestClient) -> None:
    vendor()
    r = client.get("/map")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    urls = assets(html)
    assert any(u.endswith("leaflet.js") for u in urls)
    assert any(u.endswith("Leaflet.VectorGrid.bundled.min.js") for u in urls)
    for url in urls:
        if url == "data:,":  # the empty favicon: no request at all
            continue
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    # The viewers' own script is the package data of parkgis.maps, served as it is.
    own = (resources.files("parkgis.maps") / "static" / "parkgis-map.js").read_text("utf-8")
    assert client.get("/static/maps/parkgis-map.js").text == own
    # No CDN or other internet URL anywhere in the page (basemap none).
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"']+", html)[:5]
    for cdn in ("jsdelivr", "cdnjs", "unpkg", "bootstrapcdn", "code.jquery"):
        assert cdn not in html


def test_promotion_map_content_is_from_the_catalogue(client: TestClient) -> None:
    html = client.get("/map").text
    assert "/collections/parcels/tiles/WebMercatorQuad/{z}/{x}/{y}" in html
    assert "/collections/units/tiles/WebMercatorQuad/{z}/{x}/{y}" in html
    assert shows(html, "地块编号") and shows(html, "面积 (亩)")  # Chinese popup labels with units
    assert shows(html, "净地")  # legend label of status 'available' from the code list
    assert shows(html, "面积不小于（亩）") and shows(html, "楼面荷载") and shows(html, "净高")
    assert shows(html, "生产火灾危险性") and shows(html, "租金")
    assert "/map/search" in html
    assert "control_scale" not in html  # rendered, not a Python name
    assert "L.control.scale" in html
    assert "land_price_yuan" not in html  # a land-bureau field never reaches visitors


def test_infrastructure_map_needs_a_staff_role(client: TestClient, map_park: MapPark) -> None:
    assert client.get("/map/infrastructure").status_code == 401
    for role in ("public", "promotion", "court"):
        r = client.get("/map/infrastructure", headers={"X-API-Key": map_park.keys[role]})
        assert r.status_code == 403, role
        assert r.headers["content-type"].startswith("application/problem+json")
    for role in ("infrastructure", "land_bureau", "admin"):
        r = client.get("/map/infrastructure", headers={"X-API-Key": map_park.keys[role]})
        assert r.status_code == 200, role
        assert "/collections/pipes/tiles/" in r.text and "/collections/manholes/tiles/" in r.text
        assert "__pci_grade" in r.text  # roads by condition (CJJ 36)


def test_a_signed_in_browser_opens_the_staff_map_and_its_tiles(map_park: MapPark) -> None:
    app = create_app(settings=map_settings(), engine=map_park.engine)
    with TestClient(app, follow_redirects=False) as c:
        r = c.get("/map/infrastructure", params={"key": map_park.keys["infrastructure"]})
        assert r.status_code == 401  # a key in the address signs nobody in
        assert "set-cookie" not in r.headers
        sign_in(c, map_park.keys["infrastructure"], "/map/infrastructure")
        assert c.get("/map/infrastructure").status_code == 200
        # The session also authenticates the tiles the page fetches.
        tile = c.get("/collections/pipes/tiles/WebMercatorQuad/0/0/0")
        assert tile.status_code == 200


def test_search_by_plot_number_respects_visibility(client: TestClient, map_park: MapPark) -> None:
    hits = client.get("/map/search", params={"q": "m-2"}).json()["results"]
    assert [h["plot_no"] for h in hits] == ["M-2"]
    west, south, east, north = hits[0]["bbox"]
    assert 116 < west < east < 118 and 33 < south < north < 35
    assert client.get("/map/search", params={"q": "M-3"}).json()["results"] == []  # in use
    staff = {"X-API-Key": map_park.keys["land_bureau"]}
    assert len(client.get("/map/search", params={"q": "M-3"}, headers=staff).json()["results"]) == 1
    assert client.get("/map/search", params={"q": "%"}).json()["results"] == []  # no wildcard
    assert client.get("/map/search").status_code == 422


def test_gaode_basemap_shifts_overlays_and_says_tiles_are_not(client: TestClient) -> None:
    plain = client.get("/map").text
    gaode = client.get("/map", params={"basemap": "gaode"}).text
    assert "autonavi.com" in gaode and "GCJ-02" in gaode
    assert shows(gaode, "矢量瓦片图层未偏移")
    first = re.compile(r"\[(116\.\d+), (33\.\d+)\]")
    p, g = first.search(plain), first.search(gaode)
    assert p and g
    assert float(g.group(1)) - float(p.group(1)) > 0.004  # boundary shifted east ~500 m


def test_basemap_settings(map_park: MapPark) -> None:
    with TestClient(create_app(settings=map_settings(basemap="osm"), engine=map_park.engine)) as c:
        assert "tile.openstreetmap.org" in c.get("/map").text
    no_key = map_settings(basemap="tianditu", tianditu_key=None)
    with TestClient(create_app(settings=no_key, engine=map_park.engine)) as c:
        r = c.get("/map")
        assert r.status_code == 422 and r.json()["field"] == "PARKGIS_TIANDITU_KEY"
    keyed = map_settings(basemap="tianditu", tianditu_key="abc123")
    with TestClient(create_app(settings=keyed, engine=map_park.engine)) as c:
        assert "tianditu.gov.cn" in c.get("/map").text and "tk=abc123" in c.get("/map").text


@pytest.mark.parametrize("path", ["/map?enquiry=abc", "/map/infrastructure?plan=x"])
def test_bad_parameters_are_422_not_500(client: TestClient, map_park: MapPark, path: str) -> None:
    r = client.get(path, headers={"X-API-Key": map_park.keys["admin"]})
    assert r.status_code == 422


def test_unknown_enquiry_or_plan_is_404(client: TestClient, map_park: MapPark) -> None:
    # parkgis.maps.overlays.match_overlay and parkgis.repairs.plan.plan_features.
    # Stored enquiries are staff data: anonymous callers get 401 whether or not one exists.
    assert client.get("/map?enquiry=999999").status_code == 401
    promotion = {"X-API-Key": map_park.keys["promotion"]}
    assert client.get("/map?enquiry=999999", headers=promotion).status_code == 404
    staff = {"X-API-Key": map_park.keys["infrastructure"]}
    assert client.get("/map/infrastructure?plan=999999", headers=staff).status_code == 404
