"""Map viewer pages: ``/map`` (investment promotion), ``/map/infrastructure``, parcel search.

Staff open the staff maps after signing in at ``/signin`` (a session cookie, never the
key: api/pages/signin.py); a browser without a session is sent there and comes back.
Every inline script of the page carries the request's CSP nonce (api/headers.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

import folium
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Conn, CurrentUser, require_layer
from parkgis import maps
from parkgis.access import User
from parkgis.maps import data as map_data

router = APIRouter(tags=["maps"])

#: The infrastructure map colours pipes by their CJJ 181 grade, which the defects decide:
#: the roles of layers/defects.toml open it.
InfrastructureUser = Annotated[User, Depends(require_layer("defects"))]
BasemapParam = Annotated[
    Literal["osm", "tianditu", "gaode", "none"] | None,
    Query(description="Override the configured basemap (PARKGIS_BASEMAP) for this page."),
]


def _page(request: Request, m: folium.Map) -> HTMLResponse:
    return HTMLResponse(maps.render_page(m, nonce=request.state.csp_nonce))


def _basemap(request: Request, basemap: str | None) -> maps.Basemap:
    return maps.basemap_from_settings(basemap, request.app.state.settings)


@router.get("/map", response_class=HTMLResponse, summary="Investment-promotion map 招商地图")
def promotion_map(
    request: Request,
    conn: Conn,
    user: CurrentUser,
    enquiry: Annotated[int | None, Query(description="Show this enquiry's matched sites.")] = None,
    basemap: BasemapParam = None,
) -> Response:
    m = maps.promotion_map(conn, user.role, _basemap(request, basemap), enquiry_id=enquiry)
    return _page(request, m)


@router.get(
    "/map/infrastructure",
    response_class=HTMLResponse,
    summary="Infrastructure map 基础设施地图 (the roles of the defects layer)",
)
def infrastructure_map(
    request: Request,
    conn: Conn,
    user: InfrastructureUser,
    plan: Annotated[int | None, Query(description="Highlight this repair plan's works.")] = None,
    basemap: BasemapParam = None,
) -> Response:
    m = maps.infrastructure_map(conn, user.role, _basemap(request, basemap), plan_id=plan)
    return _page(request, m)


@router.get("/map/search", summary="Find parcels by plot number 地块查询")
def search(
    conn: Conn,
    user: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=64, description="Plot number (part).")],
) -> dict[str, object]:
    return {"results": map_data.find_parcels(conn, q, user.role)}
