"""Security headers: a Content-Security-Policy on every HTML page, nosniff on everything.

Scripts: ``script-src 'self' 'nonce-…'``. Our pages load their scripts from ``/static``;
the folium map pages carry inline scripts (the map's set-up and its data), and those
get the request's nonce (``parkgis.maps.render_page``): folium writes every value into
its scripts through ``tojson``, which escapes ``<`` and ``>``, so the only ``<script>``
tags in its output are its own. A script injected into a page by stored data (an
``<img onerror>``, a ``<script>`` in a popup) has no nonce and does not run: inline
event handlers are refused too (no ``'unsafe-inline'``, no ``'unsafe-hashes'``).

Styles allow ``'unsafe-inline'``: Leaflet and folium position the map with inline
styles and the documents (dossier, brochure) carry a ``<style>`` block; a style cannot
run code. Images: the service and the basemaps' tile servers. No page may be framed
(``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``); forms post to this site only.

A route that needs another policy (the interactive API documentation, whose scripts come
from a CDN) sets its own ``Content-Security-Policy`` header; it is kept.
"""

from __future__ import annotations

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parkgis.maps.elements import BASEMAP_TILE_HOSTS


def content_security_policy(nonce: str, script_hosts: tuple[str, ...] = ()) -> str:
    """The policy of an HTML page whose inline scripts carry ``nonce``."""
    images = " ".join(("'self'", "data:", "blob:", *BASEMAP_TILE_HOSTS))
    scripts = " ".join(("'self'", f"'nonce-{nonce}'", *script_hosts))
    styles = " ".join(("'self'", "'unsafe-inline'", *script_hosts))
    return (
        f"default-src 'self'; script-src {scripts}; style-src {styles}; img-src {images}; "
        "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeadersMiddleware:
    """Give each request a CSP nonce (``request.state.csp_nonce``) and add the headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                content_type = dict(headers).get(b"content-type", b"").lower()
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                if content_type.startswith(b"text/html"):
                    headers.append((b"x-frame-options", b"DENY"))
                    if b"content-security-policy" not in names:
                        policy = content_security_policy(nonce)
                        headers.append((b"content-security-policy", policy.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
