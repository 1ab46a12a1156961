"""Mapbox Vector Tiles per collection (WebMercatorQuad), built by ``ST_AsMVT`` in PostGIS.

Only the fields and rows the caller's role sees go into a tile (the same catalogue
rules as the features). Per-layer ``min_zoom`` and ``tile_feature_cap`` come from the
catalogue; below the minimum zoom a tile is empty. Encoded tiles are kept in an
in-process LRU cache keyed by (layer, user scope, z, x, y, layer change version): the
scope is the role, with the court or department that narrows it; the ETag
is derived from that key, so a revalidation costs one small query and no tile.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text

from parkgis.access import User
from parkgis.catalogue import Layer
from parkgis.config import get_rules, get_settings
from parkgis.serving.features import extent
from parkgis.serving.layers import (
    LruCache,
    collection_for,
    layer_version,
    mvt_value,
    quote_ident,
    relation,
    row_filter_sql,
)
from parkgis.serving.params import area_of_use, bad

MVT = "application/vnd.mapbox-vector-tile"
TILE_PATH = "/collections/{collectionId}/tiles/WebMercatorQuad/{z}/{x}/{y}"


@dataclass(frozen=True)
class Tile:
    """An encoded tile with its validators; ``data`` is None when the ETag matched."""

    data: bytes | None
    etag: str
    cache_control: str


@lru_cache(maxsize=1)
def tile_cache() -> LruCache[bytes]:
    """The process's tile cache (created on first use)."""
    return LruCache(int(get_rules()["tiles"]["cache_entries"]))


def _tile_lonlat(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Bounds of a WebMercatorQuad tile in degrees (west, south, east, north)."""
    n = 2.0**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def _check_tile(z: int, x: int, y: int) -> None:
    max_zoom = int(get_rules()["tiles"]["max_zoom"])
    if not 0 <= z <= max_zoom:
        bad("z", f"缩放级别须在 0 到 {max_zoom} 之间", f"z must be 0..{max_zoom}", z)
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value < 2**z:
            bad(
                name, f"{name} 超出第 {z} 级的范围", f"{name} outside 0..{2**z - 1} at z={z}", value
            )


def _encode(conn: Connection, layer: Layer, role: str, z: int, x: int, y: int) -> bytes:
    rules = get_rules()["tiles"]
    west, south, east, north = _tile_lonlat(z, x, y)
    margin = (east - west) * int(rules["buffer"]) / int(rules["extent"])
    a0, b0, a1, b1 = area_of_use(get_settings().srid)
    box = (max(west - margin, a0), max(south - margin, b0), min(east + margin, a1))
    top = min(north + margin, b1)
    if box[0] > box[2] or box[1] > top:
        return b""
    props = "".join(
        f", {mvt_value(f)} AS {quote_ident(f.name)}" for f in layer.visible_fields(role)
    )
    sql = (
        "WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env, ST_Transform(ST_Segmentize("
        "ST_MakeEnvelope(:w, :s, :e, :n, 4326), :seg), :srid) AS q) "
        "SELECT ST_AsMVT(t.*, :name, :extent, 'geom', 'fid') FROM ("
        "SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), b.env, :extent, :buffer, true) AS geom, "
        f"{quote_ident(layer.id_column)} AS fid{props} FROM {relation(layer)}, b "
        f"WHERE geom && b.q AND {row_filter_sql(layer, role)} LIMIT :cap) t"
    )
    data = conn.execute(
        text(sql),
        {
            "z": z,
            "x": x,
            "y": y,
            "w": box[0],
            "s": box[1],
            "e": box[2],
            "n": top,
            "seg": (east - west) / 16,
            "srid": get_settings().srid,
            "name": layer.id,
            "extent": int(rules["extent"]),
            "buffer": int(rules["buffer"]),
            "cap": layer.tile_feature_cap,
        },
    ).scalar()
    return bytes(data) if data else b""


def tile(
    conn: Connection,
    user: User,
    layer_id: str,
    z: int,
    x: int,
    y: int,
    if_none_match: str | None = None,
) -> Tile:
    """The MVT tile z/x/y of a collection for the caller's role (cached, with an ETag)."""
    layer = collection_for(layer_id, user)
    _check_tile(z, x, y)
    # user.scope, not the role: two courts' tiles of the cases layer differ.
    key = (layer.id, user.scope, z, x, y, layer_version(conn, layer))
    etag = '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:24] + '"'
    max_age = int(get_rules()["tiles"]["cache_max_age_s"])
    scope = "public" if user.role == "public" else "private"
    cache_control = f"{scope}, max-age={max_age}"
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Tile(None, etag, cache_control)
    cache = tile_cache()
    data = cache.get(key)
    if data is None:
        data = b"" if z < layer.min_zoom else _encode(conn, layer, user.role, z, x, y)
        cache.put(key, data)
    return Tile(data, etag, cache_control)


def tilejson(conn: Connection, user: User, layer_id: str, base: str) -> dict[str, Any]:
    """TileJSON 3.0.0 of a collection, listing only the fields the caller may see."""
    layer = collection_for(layer_id, user)
    max_zoom = int(get_rules()["tiles"]["max_zoom"])
    box = extent(conn, layer, user.role, layer_version(conn, layer), user.scope)
    if box is None:
        a0, b0, a1, b1 = area_of_use(get_settings().srid)
        box = [a0, b0, a1, b1]
    fields = {f.name: f"{f.label('zh')} / {f.label('en')}" for f in layer.visible_fields(user.role)}
    path = TILE_PATH.replace("{collectionId}", layer.id)
    return {
        "tilejson": "3.0.0",
        "name": f"{layer.title_zh} ({layer.title_en})",
        "description": layer.description_zh,
        "scheme": "xyz",
        "tiles": [f"{base}{path}"],
        "minzoom": layer.min_zoom,
        "maxzoom": max_zoom,
        "bounds": box,
        "center": [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, layer.min_zoom],
        "vector_layers": [
            {
                "id": layer.id,
                "description": layer.title_en,
                "minzoom": layer.min_zoom,
                "maxzoom": max_zoom,
                "fields": fields,
            }
        ],
    }
