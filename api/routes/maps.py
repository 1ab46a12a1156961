"""Map viewer pages: ``/map`` (investment promotion), ``/map/infrastructure``, parcel search.

Signing in from a browser: open ``/map/infrastructure?key=<API key>`` once. The key is
checked, stored in an HttpOnly cookie (``parkgis_key``, SameSite=Lax, 8 hours) and the
browser is redirected to the same page without the key, so it does not stay in the
address bar or the history. ``api.deps.current_user`` accepts that cookie for GET/HEAD
requests only (pages, items, tiles), never for a request that changes data.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import KEY_COOKIE, Conn, CurrentUser, get_engine, require_roles
from parkgis import auth, map_data, maps

router = APIRouter(tags=["maps"])

INFRASTRUCTURE_ROLES = ("infrastructure", "land_bureau", "admin")
COOKIE_SECONDS = 8 * 3600
BasemapParam = Annotated[
    Literal["osm", "tianditu", "gaode", "none"] | None,
    Query(description="Override the configured basemap (PARKGIS_BASEMAP) for this page."),
]
KeyParam = Annotated[
    str | None,
    Query(description="API key: checked, stored in a cookie, then removed from the URL."),
]


def _sign_in(request: Request, key: str) -> Response:
    """Check ``key``, set the cookie and redirect to the page without the key (303)."""
    with get_engine(request).connect() as conn:
        auth.authenticate(conn, key.strip())
    response = RedirectResponse(str(request.url.remove_query_params("key")), status_code=303)
    response.set_cookie(
        KEY_COOKIE,
        key.strip(),
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def _basemap(request: Request, basemap: str | None) -> maps.Basemap:
    return maps.basemap_from_settings(basemap, request.app.state.settings)


@router.get("/map", response_class=HTMLResponse, summary="Investment-promotion map 招商地图")
def promotion_map(
    request: Request,
    conn: Conn,
    user: CurrentUser,
    key: KeyParam = None,
    enquiry: Annotated[int | None, Query(description="Show this enquiry's matched sites.")] = None,
    basemap: BasemapParam = None,
) -> Response:
    if key:
        return _sign_in(request, key)
    m = maps.promotion_map(conn, user.role, _basemap(request, basemap), enquiry_id=enquiry)
    return HTMLResponse(maps.render_page(m))


@router.get(
    "/map/infrastructure",
    response_class=HTMLResponse,
    summary="Infrastructure map 基础设施地图 (roles infrastructure, land_bureau, admin)",
)
def infrastructure_map(
    request: Request,
    conn: Conn,
    user: CurrentUser,
    key: KeyParam = None,
    plan: Annotated[int | None, Query(description="Highlight this repair plan's works.")] = None,
    basemap: BasemapParam = None,
) -> Response:
    if key:
        return _sign_in(request, key)
    require_roles(*INFRASTRUCTURE_ROLES)(user)
    m = maps.infrastructure_map(conn, user.role, _basemap(request, basemap), plan_id=plan)
    return HTMLResponse(maps.render_page(m))


@router.get("/map/search", summary="Find parcels by plot number 地块查询")
def search(
    conn: Conn,
    user: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=64, description="Plot number (part).")],
) -> dict[str, object]:
    return {"results": map_data.find_parcels(conn, q, user.role)}
