"""The interactive API documentation (``/docs``, ``/redoc``) under its own CSP.

Swagger UI and ReDoc are vendored from npm (``api/vendor.py``) and served by the service,
so the pages work on an intranet with no internet. FastAPI starts them with an inline
script (its own, no stored value in it), which gets the request's nonce.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.headers import content_security_policy

router = APIRouter(include_in_schema=False)

VENDOR = "/static/vendor"


def _with_policy(request: Request, page: HTMLResponse) -> HTMLResponse:
    nonce = request.state.csp_nonce
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = content_security_policy(nonce)
    return response


@router.get("/docs")
def swagger(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="parkgis API",
        swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url="data:,",
    )
    return _with_policy(request, page)


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    page = get_redoc_html(
        openapi_url="/openapi.json",
        title="parkgis API",
        redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
        redoc_favicon_url="data:,",
        with_google_fonts=False,
    )
    return _with_policy(request, page)
