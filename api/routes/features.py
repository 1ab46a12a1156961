"""OGC API - Features at the service root: landing, conformance, collections, items."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import Conn, CurrentUser
from parkgis.serving import features, html

router = APIRouter(tags=["OGC API Features"])

CollectionId = Annotated[str, Path(alias="collectionId", description="图层 / layer id")]
Format = Annotated[str | None, Query(description="json | html")]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _here(request: Request) -> str:
    return _base(request) + request.url.path


def _html(request: Request, f: str | None) -> bool:
    if f is not None:
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def _doc(request: Request, f: str | None, title: str, doc: dict[str, Any]) -> Response:
    if _html(request, f):
        return HTMLResponse(html.page(title, doc))
    return JSONResponse(doc)


@router.get("/", summary="Landing page 首页")
def landing(request: Request, f: Format = None) -> Response:
    return _doc(request, f, "烈山区园区 GIS", features.landing(_base(request)))


@router.get("/conformance", summary="Conformance classes 符合性")
def conformance(request: Request, f: Format = None) -> Response:
    return _doc(request, f, "符合性 / Conformance", features.conformance())


@router.get("/collections", summary="Collections the caller may see 图层")
def collections(request: Request, conn: Conn, user: CurrentUser, f: Format = None) -> Response:
    doc = features.collections(conn, user, _base(request))
    return _doc(request, f, "图层 / Collections", doc)


@router.get("/collections/{collectionId}", summary="One collection 图层")
def collection(
    request: Request, conn: Conn, user: CurrentUser, collection_id: CollectionId, f: Format = None
) -> Response:
    doc = features.collection(conn, user, collection_id, _base(request))
    return _doc(request, f, doc["title"], doc)


@router.get("/collections/{collectionId}/queryables", summary="Queryable properties 可查询属性")
def queryables(
    request: Request, conn: Conn, user: CurrentUser, collection_id: CollectionId, f: Format = None
) -> Response:
    doc = features.queryables(conn, user, collection_id, _base(request))
    if _html(request, f):
        return HTMLResponse(html.page(doc["title"], doc))
    return JSONResponse(doc, media_type="application/schema+json")


def _geojson(request: Request, f: str | None, page: features.Page) -> Response:
    if _html(request, f):
        return HTMLResponse(html.page("要素 / Features", json.loads(page.body)))
    return Response(
        page.body, media_type=features.GEOJSON, headers={"Content-Crs": f"<{page.crs}>"}
    )


def _query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


#: The standard parameters of /items (OGC 17-069r4 §7.15, Part 2 crs, Part 3 filter),
#: documented for clients; parsed once, from the query string, by parkgis.serving
#: (which also takes any queryable as a property filter).
ITEMS_PARAMETERS = [
    _query_parameter("bbox", "minx,miny,maxx,maxy in bbox-crs", {"type": "string"}),
    _query_parameter("bbox-crs", "CRS URI of bbox (default CRS84)", {"type": "string"}),
    _query_parameter("crs", "output CRS URI (default CRS84)", {"type": "string"}),
    _query_parameter(
        "limit", "page size (maximum: rules [serving])", {"type": "integer", "minimum": 1}
    ),
    _query_parameter("offset", "features skipped", {"type": "integer", "minimum": 0}),
    _query_parameter("sortby", "+name,-area_m2", {"type": "string"}),
    _query_parameter("properties", "comma-separated properties", {"type": "string"}),
    _query_parameter("filter", "CQL2 text", {"type": "string"}),
    _query_parameter("filter-lang", "cql2-text", {"type": "string"}),
]


@router.get(
    "/collections/{collectionId}/items",
    summary="Features 要素 (GeoJSON)",
    openapi_extra={"parameters": ITEMS_PARAMETERS},
)
def items(
    request: Request, conn: Conn, user: CurrentUser, collection_id: CollectionId, f: Format = None
) -> Response:
    page = features.items(
        conn, user, collection_id, request.query_params.multi_items(), _here(request)
    )
    return _geojson(request, f, page)


@router.get("/collections/{collectionId}/items/{featureId}", summary="One feature 要素")
def item(
    request: Request,
    conn: Conn,
    user: CurrentUser,
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(alias="featureId")],
    f: Format = None,
    crs: Annotated[str | None, Query()] = None,
) -> Response:
    page = features.item(conn, user, collection_id, feature_id, crs, _here(request))
    return _geojson(request, f, page)
