"""OGC API - Features (Parts 1, 2, 3) over the layer catalogue, built in PostGIS.

Geometry is transformed and encoded by PostGIS (``ST_Transform``, ``ST_AsGeoJSON``);
each feature arrives as JSON text and the page is concatenated, never re-parsed.

``numberMatched`` is honest and cheap (OGC 17-069r4 §7.15.4 lets a server omit it):
on a short page it is ``offset + numberReturned``; otherwise an exact ``COUNT(*)`` is
made once per (layer, user scope, filter, layer change version) and cached in-process, but
only when the planner estimates at most ``[serving] count_exact_max_rows`` matches;
above that it is omitted rather than estimated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, text

from parkgis.access import User
from parkgis.catalogue import Layer
from parkgis.config import get_rules, get_settings
from parkgis.errors import NotFoundError
from parkgis.labels.codes import code_list
from parkgis.serving import cql2
from parkgis.serving.crs import CRS84, ServedCrs, parse_crs, served_crs, storage_crs_uri
from parkgis.serving.layers import (
    LruCache,
    collection_for,
    collections_for,
    column,
    json_type,
    layer_version,
    quote_ident,
    relation,
    row_filter_sql,
)
from parkgis.serving.params import (
    Where,
    bad,
    bbox_filter,
    limit_offset,
    property_filters,
    selected_fields,
    sort_order,
)

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
]


@lru_cache(maxsize=1)
def _caches() -> tuple[LruCache[int], LruCache[tuple[list[float] | None]]]:
    size = int(get_rules()["serving"]["count_cache_entries"])
    return LruCache(size), LruCache(size)


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing(base: str) -> dict[str, Any]:
    """The landing page: service description, conformance and data links."""
    return {
        "title": "烈山区园区 GIS（parkgis）",
        "description": "烈山区（340604）园区土地与厂房：OGC API Features 与矢量瓦片 / "
        "Lieshan District industrial parks: OGC API Features and vector tiles",
        "links": [
            _link(f"{base}/", "self", "application/json", "本页 / this document"),
            _link(f"{base}/?f=html", "alternate", "text/html", "HTML"),
            _link(
                f"{base}/openapi.json",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "OpenAPI",
            ),
            _link(f"{base}/docs", "service-doc", "text/html", "API 文档 / API docs"),
            _link(f"{base}/conformance", "conformance", "application/json", "符合性 / conformance"),
            _link(f"{base}/collections", "data", "application/json", "图层 / collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance classes implemented."""
    return {"conformsTo": CONFORMANCE}


def extent(
    conn: Connection, layer: Layer, role: str, version: str, scope: str | None = None
) -> list[float] | None:
    """CRS84 bounding box of the rows ``role`` sees (cached per change version).

    ``scope`` (``User.scope``) keys the cache when the rows depend on more than the role
    (a court's cases); it defaults to the role.
    """
    cache = _caches()[1]
    key = (layer.id, scope or role, version)
    hit = cache.get(key)
    if hit is not None:
        return hit[0]
    row = conn.execute(
        text(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT "
            "ST_Extent(ST_Transform(ST_Segmentize(ST_SetSRID(e::geometry, :srid), 50), 4326))"
            f" AS b FROM (SELECT ST_Extent(geom) AS e FROM {relation(layer)} "
            f"WHERE {row_filter_sql(layer, role)}) s WHERE e IS NOT NULL) t"
        ),
        {"srid": get_settings().srid},
    ).one()
    box = None if row[0] is None else [round(float(v), 7) for v in row]
    cache.put(key, (box,))
    return box


def _collection_doc(conn: Connection, layer: Layer, user: User, base: str) -> dict[str, Any]:
    href = f"{base}/collections/{layer.id}"
    doc: dict[str, Any] = {
        "id": layer.id,
        "title": f"{layer.title_zh} ({layer.title_en})",
        "title_zh": layer.title_zh,
        "title_en": layer.title_en,
        "description": layer.description_zh,
        "description_en": layer.description_en,
        "itemType": "feature",
        "crs": [c.uri for c in served_crs()],
        "storageCrs": storage_crs_uri(),
        "links": [
            _link(href, "self", "application/json", layer.title_zh),
            _link(f"{href}?f=html", "alternate", "text/html", "HTML"),
            _link(f"{href}/items", "items", GEOJSON, "要素 / features"),
            _link(f"{href}/items?f=html", "items", "text/html", "要素 / features (HTML)"),
            _link(
                f"{href}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
                "可查询属性 / queryables",
            ),
            _link(
                f"{href}/tiles/WebMercatorQuad",
                "describedby",
                "application/json",
                "矢量瓦片 TileJSON / vector tiles (TileJSON 3.0.0)",
            ),
        ],
    }
    box = extent(conn, layer, user.role, layer_version(conn, layer), user.scope)
    if box is not None:
        doc["extent"] = {"spatial": {"bbox": [box], "crs": CRS84}}
    return doc


def collections(conn: Connection, user: User, base: str) -> dict[str, Any]:
    """Every collection ``user`` may see."""
    return {
        "links": [_link(f"{base}/collections", "self", "application/json")],
        "collections": [_collection_doc(conn, lyr, user, base) for lyr in collections_for(user)],
    }


def collection(conn: Connection, user: User, layer_id: str, base: str) -> dict[str, Any]:
    """One collection's description (404 unknown, 401/403 not visible)."""
    return _collection_doc(conn, collection_for(layer_id, user), user, base)


def queryables(conn: Connection, user: User, layer_id: str, base: str) -> dict[str, Any]:
    """JSON Schema of the properties the caller may see and filter on (Part 3).

    A coded field lists its codes (``enum``) with their labels (``x-labels``).
    """
    layer = collection_for(layer_id, user)
    props: dict[str, Any] = {
        "geometry": {
            "format": f"geometry-{(layer.geometry_type or 'any').lower()}",
            "title": "几何",
            "description": "Geometry",
        }
    }
    for f in layer.visible_fields(user.role):
        if not f.queryable:
            continue
        prop = {"title": f.label_zh, "description": f.label("en"), **json_type(f)}
        if f.unit:
            prop["x-unit"] = f.unit
        if f.code_list and f.type == "text":
            listed = code_list(conn, f.code_list)
            prop["enum"] = list(listed.codes)
            prop["x-labels"] = {"zh": listed.labels("zh"), "en": listed.labels("en")}
        props[f.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{layer.id}/queryables",
        "type": "object",
        "title": layer.title_zh,
        "description": layer.title_en,
        "properties": props,
        "additionalProperties": False,
    }


def _geometry_sql(out: ServedCrs) -> str:
    srid = get_settings().srid
    geom = "geom" if out.srid == srid else f"ST_Transform(geom, {out.srid})"
    if out.flip:
        geom = f"ST_FlipCoordinates({geom})"
    precision = int(get_rules()["serving"]["coordinate_precision"]) if out.geographic else 3
    # options 0: no "crs" member (RFC 7946); the CRS is in the Content-Crs header.
    return f"ST_AsGeoJSON({geom}, {precision}, 0)::json"


def _feature_sql(layer: Layer, fields: list[Any], out: ServedCrs) -> str:
    pairs = [f"'{f.name}', {column(f)}" for f in fields]
    chunks = [pairs[i : i + 45] for i in range(0, len(pairs), 45)] or [[]]
    props = " || ".join(f"json_build_object({', '.join(c)})::jsonb" for c in chunks)
    if len(chunks) == 1:
        props = props.removesuffix("::jsonb")
    return (
        f"json_build_object('type', 'Feature', 'id', {quote_ident(layer.id_column)}, "
        f"'geometry', {_geometry_sql(out)}, 'properties', {props})::text"
    )


@dataclass(frozen=True)
class Page:
    """A GeoJSON body and the CRS its coordinates are in."""

    body: str
    crs: str


def _number_matched(
    conn: Connection, layer: Layer, scope: str, where: Where, returned: int, limit: int, offset: int
) -> int | None:
    cache = _caches()[0]
    # scope (User.scope), not the role: the same SQL counts other rows for another court.
    key = (layer.id, scope, where.signature(), layer_version(conn, layer))
    if returned < limit and (returned > 0 or offset == 0):
        cache.put(key, offset + returned)
        return offset + returned
    hit = cache.get(key)
    if hit is not None:
        return hit
    base = f"FROM {relation(layer)} WHERE {where.sql()}"
    plan: Any = conn.execute(text(f"EXPLAIN (FORMAT JSON) SELECT 1 {base}"), where.params).scalar()
    estimate = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]
    if estimate > int(get_rules()["serving"]["count_exact_max_rows"]):
        return None
    count = int(conn.execute(text(f"SELECT count(*) {base}"), where.params).scalar_one())
    cache.put(key, count)
    return count


def _url(path: str, query: list[tuple[str, str]], **override: Any) -> str:
    kept = [(k, v) for k, v in query if k not in override]
    kept += [(k, str(v)) for k, v in override.items()]
    return f"{path}?{urlencode(kept)}" if kept else path


def items(
    conn: Connection, user: User, layer_id: str, query: list[tuple[str, str]], path: str
) -> Page:
    """A page of features as GeoJSON (bbox, filters, sortby, properties, crs, paging)."""
    layer = collection_for(layer_id, user)
    params = dict(query)
    for name in ("limit", "offset"):
        if name in params and not params[name].lstrip("-").isdigit():
            bad(name, f"{name} 须为整数", f"{name} must be an integer", params[name], "integer")
    limit, offset = limit_offset(
        int(params["limit"]) if "limit" in params else None,
        int(params["offset"]) if "offset" in params else None,
    )
    out = parse_crs(params.get("crs"), "crs")
    where = Where([row_filter_sql(layer, user.role)])
    if params.get("bbox"):
        bbox_filter(params["bbox"], parse_crs(params.get("bbox-crs"), "bbox-crs"), where)
    property_filters(layer, user.role, query, where)
    if params.get("filter"):
        cql2.filter_sql(layer, user.role, params["filter"], params.get("filter-lang"), where)
    fields = selected_fields(layer, user.role, params.get("properties"))
    order = sort_order(layer, user.role, params.get("sortby"))
    # Page the bare rows first, then encode: rows skipped by OFFSET are never transformed
    # or encoded. The subquery keeps the table's bare name, which row filters refer to.
    bare = quote_ident(layer.table.rpartition(".")[2])
    rows = conn.execute(
        text(
            f"SELECT {_feature_sql(layer, fields, out)} FROM (SELECT * FROM {relation(layer)} "
            f"WHERE {where.sql()} ORDER BY {order} LIMIT :_limit OFFSET :_offset) AS {bare} "
            f"ORDER BY {order}"
        ),
        {**where.params, "_limit": limit, "_offset": offset},
    ).scalars()
    features = list(rows)
    matched = _number_matched(conn, layer, user.scope, where, len(features), limit, offset)
    links = [
        _link(_url(path, query), "self", GEOJSON, "本页 / this page"),
        _link(_url(path, query, f="html"), "alternate", "text/html", "HTML"),
    ]
    if len(features) == limit and (matched is None or offset + limit < matched):
        links.append(_link(_url(path, query, offset=offset + limit), "next", GEOJSON, "下一页"))
    if offset > 0:
        links.append(
            _link(_url(path, query, offset=max(0, offset - limit)), "prev", GEOJSON, "上一页")
        )
    head: dict[str, Any] = {"type": "FeatureCollection", "numberReturned": len(features)}
    if matched is not None:
        head["numberMatched"] = matched
    head["links"] = links
    head_text = json.dumps(head, ensure_ascii=False)[:-1]
    return Page(f'{head_text}, "features": [{",".join(features)}]}}', out.uri)


def item(
    conn: Connection, user: User, layer_id: str, feature_id: str, crs: str | None, path: str
) -> Page:
    """One feature by its id (404 when missing or not visible to the role)."""
    layer = collection_for(layer_id, user)
    out = parse_crs(crs, "crs")
    missing = NotFoundError(
        message=f"图层 {layer.title_zh} 没有要素 {feature_id}",
        message_en=f"collection {layer.id} has no feature {feature_id!r}",
        field="featureId",
        found=feature_id,
    )
    if not feature_id.isdigit():
        raise missing
    where = Where([row_filter_sql(layer, user.role)])
    where.clauses.append(f"{quote_ident(layer.id_column)} = {where.param(int(feature_id))}")
    body = conn.execute(
        text(
            f"SELECT {_feature_sql(layer, layer.visible_fields(user.role), out)} "
            f"FROM {relation(layer)} WHERE {where.sql()}"
        ),
        where.params,
    ).scalar()
    if body is None:
        raise missing
    feature = json.loads(body)
    feature["links"] = [
        _link(path, "self", GEOJSON),
        _link(path.rsplit("/items/", 1)[0], "collection", "application/json"),
    ]
    return Page(json.dumps(feature, ensure_ascii=False), out.uri)
