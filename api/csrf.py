"""Cross-site request forgery: one check for every write a browser cookie could authorise.

Since staff sign in with a session cookie, a page of another site could make a signed-in
browser post a form here. Every write (any method but GET, HEAD, OPTIONS) that carries
one of our browser cookies and no API key must therefore

- come from this site: an ``Origin`` (or, without it, a ``Referer``) naming another
  origin is refused, and
- carry the form's CSRF token (hidden field ``csrf_token`` or header ``X-CSRF-Token``):
  an HMAC under the browser's secret cookie (``parkgis.access.sessions.csrf_token``),
  which another site can neither read nor compute.

The browser's secret is the session cookie once signed in; before that (the sign-in form,
public forms) a random ``parkgis_form`` cookie set by the page that shows the form.
Refused writes are a 403 before any route runs, so nothing changes. API clients sending
``X-API-Key`` or ``Authorization: Bearer`` authenticate by key and need no token. The
app applies :func:`csrf_guard` to every route (``create_app``), so no route can forget it.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from parkgis.access import sessions
from parkgis.errors import PermissionDeniedError

#: Sign-in session (token of parkgis.access.sessions; never a key).
SESSION_COOKIE = "parkgis_session"
#: Secret of a browser that has no session yet (its forms' CSRF token derives from it).
FORM_COOKIE = "parkgis_form"
FORM_COOKIE_SECONDS = 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_key(request: Request) -> bool:
    auth = request.headers.get("authorization", "")
    return bool(request.headers.get("x-api-key")) or auth.lower().startswith("bearer ")


def browser_secret(request: Request) -> str | None:
    """The browser's secret cookie: its session, else its pre-session form cookie."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(FORM_COOKIE) or None


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _refuse(zh: str, en: str, found: str | None = None) -> PermissionDeniedError:
    return PermissionDeniedError(
        message=zh, message_en=en, field=CSRF_FIELD, expected="this site's form", found=found
    )


def _check_origin(request: Request) -> None:
    own = _origin_of(str(request.base_url))
    sent = request.headers.get("origin")
    if sent is None and request.headers.get("referer"):
        sent = _origin_of(request.headers["referer"])
    if sent is not None and sent.lower() != own:
        raise _refuse(
            f"拒绝来自其他网站（{sent}）的提交",
            f"refused a write sent from another site ({sent})",
            found=sent,
        )


async def _sent_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def csrf_guard(request: Request) -> None:
    """Refuse (403) a cookie-carrying write from another origin or without the form's token."""
    if request.method in SAFE_METHODS or _has_key(request):
        return
    secret = browser_secret(request)
    if secret is None:
        return  # no cookie: nothing a forged request could borrow
    _check_origin(request)
    if not sessions.csrf_matches(secret, await _sent_token(request)):
        raise _refuse(
            "表单校验失败（缺少或过期的防伪令牌）：请刷新页面后重新提交",
            "form check failed (missing or stale CSRF token): reload the page and submit again",
        )


def form_token(request: Request, response: Response | None = None) -> str:
    """The CSRF token the page's forms carry; sets the pre-session cookie when needed.

    ``response`` receives the ``parkgis_form`` cookie when the browser has no secret yet.
    """
    secret = browser_secret(request)
    if secret is None:
        secret = getattr(request.state, "new_form_secret", None) or secrets.token_urlsafe(32)
        request.state.new_form_secret = secret
        if response is not None:
            set_cookie(request, response, FORM_COOKIE, secret, FORM_COOKIE_SECONDS)
    return sessions.csrf_token(secret)


def set_cookie(request: Request, response: Response, name: str, value: str, seconds: int) -> None:
    """One of our browser cookies: HttpOnly, SameSite=Strict, Secure over HTTPS, expiring."""
    response.set_cookie(
        name,
        value,
        max_age=seconds,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
