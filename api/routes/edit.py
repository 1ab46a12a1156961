"""Edit a feature: ``PATCH /collections/{id}/items/{fid}`` (OGC API Features Part 4 style).

``If-Match: "<version>"`` is required (428 without it); a stale version gets 412 with the
current version in the body and the ``ETag`` header; the response carries the new ETag.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.deps import Conn, CurrentUser
from api.errors import problem
from parkgis import editing
from parkgis.errors import AuthenticationError, StaleVersionError

router = APIRouter(tags=["editing"])


def _if_match(value: str | None) -> int | None:
    raw = (value or "").strip().removeprefix("W/").strip('"')
    return int(raw) if raw.isdigit() else None


def _changes(body: dict[str, Any]) -> dict[str, Any]:
    """Plain properties, or a GeoJSON Feature's ``properties`` (its geometry kept to refuse)."""
    if isinstance(body.get("properties"), dict) and set(body) <= {
        "type",
        "id",
        "properties",
        "geometry",
    }:
        changes = dict(body["properties"])
        if body.get("geometry") is not None:
            changes["geometry"] = body["geometry"]
        return changes
    return body


@router.patch(
    "/collections/{collectionId}/items/{featureId}",
    response_model=None,
    summary="Change properties of one feature (If-Match required) 修改要素属性",
    responses={412: {"description": "stale version"}, 428: {"description": "If-Match missing"}},
)
def patch_item(
    conn: Conn,
    user: CurrentUser,
    collection_id: Annotated[str, Path(alias="collectionId")],
    feature_id: Annotated[str, Path(alias="featureId")],
    body: Annotated[dict[str, Any], Body(examples=[{"list_price_yuan_per_mu": 150000}])],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> JSONResponse:
    # Returns a Response built here, in the request's worker thread: FastAPI then needs no
    # further threadpool slot before the transaction commits. Serialising a returned dict
    # would wait for a slot while this transaction holds the row lock, and with every slot
    # taken by writers queued on that lock the server would deadlock.
    if user.is_anonymous:
        raise AuthenticationError(
            message="修改要素需要登录（X-API-Key）",
            message_en="authentication required (X-API-Key)",
            field="X-API-Key",
        )
    expected = _if_match(if_match)
    if expected is None:
        return problem(
            428,
            "PreconditionRequired",
            'If-Match header with the row version (e.g. "3") is required',
            message='修改要素须提供 If-Match 请求头（要素版本号，如 "3"）',
            message_en='If-Match header with the row version (e.g. "3") is required',
            field="If-Match",
            expected='"<version>"',
            found=if_match,
        )
    try:
        feature = editing.update_feature(
            conn, collection_id, feature_id, _changes(body), expected, user.role
        )
    except StaleVersionError as exc:
        stale: JSONResponse = problem(
            412, "StaleVersionError", exc.message_en, current_version=exc.expected, **exc.to_dict()
        )
        stale.headers["ETag"] = f'"{exc.expected}"'
        return stale
    return JSONResponse(jsonable_encoder(feature), headers={"ETag": f'"{feature["version"]}"'})
