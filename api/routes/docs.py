"""The interactive API documentation (``/docs``, ``/redoc``) under its own CSP.

FastAPI's pages load Swagger UI and ReDoc from a CDN and start them with an inline
script; that script (FastAPI's own, no stored value in it) gets the request's nonce and
the page's Content-Security-Policy allows the CDN's scripts and styles, nothing more.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.headers import content_security_policy

router = APIRouter(include_in_schema=False)

CDN = "https://cdn.jsdelivr.net"


def _with_policy(request: Request, page: HTMLResponse) -> HTMLResponse:
    nonce = request.state.csp_nonce
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = content_security_policy(nonce, (CDN,))
    return response


@router.get("/docs")
def swagger(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json", title="parkgis API", swagger_favicon_url="data:,"
    )
    return _with_policy(request, page)


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    page = get_redoc_html(
        openapi_url="/openapi.json", title="parkgis API", redoc_favicon_url="data:,"
    )
    return _with_policy(request, page)
