"""Vector tiles per collection (WebMercatorQuad MVT) and their TileJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response

from api.deps import Conn, CurrentUser
from parkgis.serving import tiles
from parkgis.serving.params import bad

router = APIRouter(tags=["Vector tiles"])

CollectionId = Annotated[str, Path(alias="collectionId", description="图层 / layer id")]


@router.get("/collections/{collectionId}/tiles/WebMercatorQuad", summary="TileJSON 3.0.0")
def tilejson(
    request: Request, conn: Conn, user: CurrentUser, collection_id: CollectionId
) -> dict[str, object]:
    return tiles.tilejson(conn, user, collection_id, str(request.base_url).rstrip("/"))


@router.get(
    "/collections/{collectionId}/tiles/WebMercatorQuad/{z}/{x}/{y}",
    summary="Mapbox vector tile (y may end in .pbf or .mvt)",
    response_class=Response,
)
def tile(
    conn: Conn,
    user: CurrentUser,
    collection_id: CollectionId,
    z: int,
    x: int,
    y: str,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    row = y.removesuffix(".pbf").removesuffix(".mvt")
    if not row.isdigit():
        bad("y", "y 须为整数（可带 .pbf/.mvt）", "y must be an integer (.pbf/.mvt allowed)", y)
    t = tiles.tile(conn, user, collection_id, z, x, int(row), if_none_match)
    headers = {
        "ETag": t.etag,
        "Cache-Control": t.cache_control,
        "Vary": "X-API-Key, Authorization, Cookie",
    }
    if t.data is None:
        return Response(status_code=304, headers=headers)
    return Response(t.data, media_type=tiles.MVT, headers=headers)
