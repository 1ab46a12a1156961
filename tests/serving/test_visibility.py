"""Role x layer x field: what each role sees, in items, item, tiles, queryables, TileJSON.

The expectation is computed from the catalogue, then checked against what the service
actually returns; plus the catalogue-independent promises of the public view.
"""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from parkgis.catalogue import load_catalogue
from tests.roles import ROLES
from tests.serving.conftest import Served

GEO_LAYERS = [lyr.id for lyr in load_catalogue().values() if lyr.has_geometry]
#: Never shown to anonymous visitors, whatever the catalogue says elsewhere.
PUBLIC_NEVER = {
    "holder_firm_id",
    "owner_firm_id",
    "tenant_firm_id",
    "land_price_yuan",
    "contract_no",
    "holder_name",
    "debtor_name",
    "registered_area_m2",
}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The WebMercatorQuad tile holding a point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def park_tile(served: Served, z: int = 15) -> tuple[int, int, int]:
    with served.engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_SetSRID("
                "ST_Centroid(ST_Extent(geom)::geometry), 4548), 4326) c FROM parcel) s"
            )
        ).one()
    return tile_of(lon, lat, z)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("layer_id", GEO_LAYERS)
def test_role_sees_exactly_the_catalogue_fields(served: Served, role: str, layer_id: str) -> None:
    layer = load_catalogue()[layer_id]
    client = served.client(role)
    routes = [
        f"/collections/{layer_id}",
        f"/collections/{layer_id}/items",
        f"/collections/{layer_id}/queryables",
        f"/collections/{layer_id}/tiles/WebMercatorQuad",
    ]
    if not layer.can_see(role):
        routes.append(f"/collections/{layer_id}/tiles/WebMercatorQuad/12/0/0")
        for url in routes:
            response = client.get(url)
            assert response.status_code == (401 if role == "public" else 403), (url, role)
        listed = {c["id"] for c in client.get("/collections").json()["collections"]}
        assert layer_id not in listed
        return
    visible = {f.name for f in layer.visible_fields(role)}
    hidden = {f.name for f in layer.fields} - visible
    items = client.get(routes[1], params={"limit": 1000}).json()
    for feature in items["features"]:
        assert set(feature["properties"]) == visible, (role, layer_id)
        one = client.get(f"/collections/{layer_id}/items/{feature['id']}").json()
        assert set(one["properties"]) == visible
    queryables = set(client.get(routes[2]).json()["properties"]) - {"geometry"}
    assert queryables <= visible and not queryables & hidden
    fields = client.get(routes[3]).json()["vector_layers"][0]["fields"]
    assert set(fields) == visible
    if items["features"]:  # the tile holding the first feature the role sees
        coords = items["features"][0]["geometry"]["coordinates"]
        while isinstance(coords[0], list):
            coords = coords[0]
        z, x, y = tile_of(coords[0], coords[1], max(layer.min_zoom, 12))
        tile = client.get(f"/collections/{layer_id}/tiles/WebMercatorQuad/{z}/{x}/{y}")
        assert tile.status_code == 200
        decoded = mapbox_vector_tile.decode(tile.content)[layer_id]["features"]
        assert items["features"][0]["id"] in {f["id"] for f in decoded}
        for feature in decoded:  # ST_AsMVT leaves out NULL values
            assert set(feature["properties"]) <= visible
            assert not set(feature["properties"]) & hidden
    if role == "public":
        assert not visible & PUBLIC_NEVER


def test_public_rows_are_the_investment_promotion_view(served: Served) -> None:
    client = served.client()

    def codes(layer: str, key: str) -> set[str]:
        page = client.get(f"/collections/{layer}/items", params={"limit": 1000}).json()
        return {f["properties"][key] for f in page["features"]}

    assert codes("parcels", "plot_no") == {"P-1", "P-5"}  # available land only
    assert codes("units", "code") == {"U-1"}  # vacant units only
    assert codes("buildings", "code") == {"B-1"}  # buildings with a vacant unit
    staff = served.client("land_bureau").get("/collections/units/items").json()
    assert {f["properties"]["code"] for f in staff["features"]} == {"U-1", "U-2", "U-3"}


def test_public_tiles_hold_only_public_rows(served: Served) -> None:
    z, x, y = park_tile(served, 12)
    for role, expected in (
        ("public", {"P-1", "P-5"}),
        ("admin", {"P-1", "P-2", "P-3", "P-4", "P-5"}),
    ):
        data = served.client(role).get(f"/collections/parcels/tiles/WebMercatorQuad/{z}/{x}/{y}")
        features = mapbox_vector_tile.decode(data.content)["parcels"]["features"]
        assert {f["properties"]["plot_no"] for f in features} == expected


def test_staff_without_access_get_403_and_anonymous_401(served: Served) -> None:
    assert served.client().get("/collections/cases/items").status_code == 401
    assert served.client().get("/collections/cases/items").headers["www-authenticate"]
    assert served.client("promotion").get("/collections/cases/items").status_code == 403
    assert served.client("court").get("/collections/cases/items").status_code == 200
    bad_key = served.client()
    bad_key.headers["X-API-Key"] = "pk_not_a_real_key_at_all"
    assert bad_key.get("/collections/parcels/items").status_code == 401
    bearer = served.client()
    bearer.headers["Authorization"] = f"Bearer {served.keys['court']}"
    assert bearer.get("/collections/cases/items").status_code == 200
