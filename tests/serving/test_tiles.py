"""Vector tiles: decoded back, min zoom, feature cap, ETag, cache and its invalidation."""

from __future__ import annotations

import mapbox_vector_tile
from sqlalchemy import Connection, text

from parkgis.access import ANONYMOUS, User
from parkgis.serving import tiles
from tests.serving.conftest import Served, build_small_park
from tests.serving.test_visibility import park_tile

ADMIN = User(name="t", role="admin")


def p1_lonlat(conn: Connection, ids: dict[str, int]) -> tuple[float, float]:
    """Longitude and latitude of parcel P-1's centroid."""
    row = conn.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(geom), 4326) c "
            "FROM parcel WHERE id = :i) s"
        ),
        {"i": ids["P-1"]},
    ).one()
    return float(row[0]), float(row[1])


def test_tile_decodes_to_the_park_with_ids_and_geometry(served: Served) -> None:
    z, x, y = park_tile(served, 12)
    response = served.client("admin").get(
        f"/collections/roads/tiles/WebMercatorQuad/{z}/{x}/{y}.pbf"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == tiles.MVT
    assert response.headers["cache-control"].startswith("private, max-age=")
    layer = mapbox_vector_tile.decode(response.content)["roads"]
    (road,) = layer["features"]
    assert road["id"] == served.ids["R-1"] and road["properties"]["code"] == "R-1"
    assert road["geometry"]["type"] == "LineString"
    assert layer["extent"] == 4096


def test_below_min_zoom_tiles_are_empty(served: Served) -> None:
    z, x, y = park_tile(served, 12)  # units start at zoom 14
    response = served.client().get(f"/collections/units/tiles/WebMercatorQuad/{z}/{x}/{y}.mvt")
    assert response.status_code == 200 and response.content == b""


def test_etag_revalidation_and_public_caching(served: Served) -> None:
    z, x, y = park_tile(served, 15)
    client = served.client()
    url = f"/collections/parcels/tiles/WebMercatorQuad/{z}/{x}/{y}"
    first = client.get(url)
    assert first.headers["cache-control"].startswith("public, max-age=")
    etag = first.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other_role = served.client("admin").get(url)
    assert other_role.headers["etag"] != etag


def test_cache_is_invalidated_when_the_layer_changes(conn: Connection) -> None:
    ids = build_small_park(conn)
    lon, lat = p1_lonlat(conn, ids)
    from tests.serving.test_visibility import tile_of

    z, x, y = tile_of(lon, lat, 16)
    before = tiles.tile(conn, ANONYMOUS, "parcels", z, x, y)
    cached = tiles.tile(conn, ANONYMOUS, "parcels", z, x, y)
    assert cached.etag == before.etag and cached.data == before.data
    plots = {
        f["properties"]["plot_no"]
        for f in mapbox_vector_tile.decode(before.data)["parcels"]["features"]
    }
    assert "P-1" in plots
    conn.execute(text("UPDATE parcel SET status = 'in_use' WHERE id = :i"), {"i": ids["P-1"]})
    after = tiles.tile(conn, ANONYMOUS, "parcels", z, x, y)
    assert after.etag != before.etag
    decoded = mapbox_vector_tile.decode(after.data or b"")
    assert "P-1" not in {
        f["properties"]["plot_no"] for f in decoded.get("parcels", {"features": []})["features"]
    }
    # A change to a table a view reads (firm, behind logic.idle_land) changes that layer too.
    idle_before = tiles.tile(conn, ADMIN, "idle_land", z, x, y).etag
    conn.execute(text("UPDATE firm SET name = name || '（更名）' WHERE id = :i"), {"i": ids["F-1"]})
    assert tiles.tile(conn, ADMIN, "idle_land", z, x, y).etag != idle_before


def test_feature_cap_limits_a_tile(conn: Connection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from parkgis.serving import layers

    ids = build_small_park(conn)
    lon, lat = p1_lonlat(conn, ids)
    from tests.serving.test_visibility import tile_of

    capped = dataclasses.replace(layers.get_layer("parcels"), tile_feature_cap=2)
    monkeypatch.setattr(layers, "get_layer", lambda _id: capped)
    tiles.tile_cache().clear()
    data = tiles.tile(conn, ADMIN, "parcels", *tile_of(lon, lat, 14)).data
    assert len(mapbox_vector_tile.decode(data or b"")["parcels"]["features"]) == 2
    tiles.tile_cache().clear()


def test_tilejson_lists_the_template_zooms_and_bounds(served: Served) -> None:
    doc = served.client().get("/collections/units/tiles/WebMercatorQuad").json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"][0].endswith("/collections/units/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert doc["minzoom"] == 14 and doc["maxzoom"] == 22
    west, south, east, north = doc["bounds"]
    assert 116.8 < west < east < 117 and 33.8 < south < north < 33.9
    assert doc["vector_layers"][0]["id"] == "units"
    assert doc["vector_layers"][0]["fields"]["area_m2"] == "面积 (m²) / Area (m²)"


def test_compacting_the_change_log_changes_versions_once_and_keeps_them_moving(
    conn: Connection,
) -> None:
    """`parkgis db compact` keeps the newest row per table; cached tiles refill, never stale."""
    from parkgis.catalogue import get_layer
    from parkgis.serving.layers import layer_version

    ids = build_small_park(conn)
    layer = get_layer("parcels")
    for _ in range(3):
        conn.execute(text("UPDATE parcel SET name = name WHERE id = :i"), {"i": ids["P-1"]})
    before = layer_version(conn, layer)
    removed = conn.execute(text("SELECT logic.compact_layer_change()")).scalar_one()
    assert removed >= 3
    per_table = conn.execute(
        text("SELECT count(*), count(DISTINCT table_name) FROM layer_change")
    ).one()
    assert per_table[0] == per_table[1]
    compacted = layer_version(conn, layer)
    assert compacted != before
    conn.execute(text("UPDATE parcel SET name = name WHERE id = :i"), {"i": ids["P-1"]})
    assert layer_version(conn, layer) not in (before, compacted)
