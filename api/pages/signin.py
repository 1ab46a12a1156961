"""Staff sign-in and sign-out (``/signin``, ``/signout``).

The sign-in form takes a user's API key once; the service opens a session
(``parkgis.access.sessions``) and gives the browser only the session token, in an
HttpOnly, SameSite=Strict cookie (Secure over HTTPS) that expires with the session.
The key itself is never stored in the browser and never appears in an address.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.csrf import FORM_COOKIE, SESSION_COOKIE, browser_secret, set_cookie
from api.deps import get_engine
from api.pages.render import page_lang, render
from parkgis.access import sessions
from parkgis.errors import AuthenticationError, PermissionDeniedError

router = APIRouter(tags=["pages"], include_in_schema=False)

HOME = "/staff"


def _form(request: Request, next: str | None, **values: object) -> dict[str, object]:
    hours = int(sessions.lifetime().total_seconds() // 3600)
    return {"next": safe_next(next), "hours": hours, **values}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    return target


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str | None = None, out: bool = False) -> Response:
    """The sign-in form."""
    return render(request, "signin.html", _form(request, next, signed_out=out))


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    """Check the key, open a session, set its cookie and go on to ``next`` (303)."""
    if browser_secret(request) is None:
        # The form's page sets a cookie first; a post without it was not made from that
        # page (another site's form, which cannot send our SameSite=Strict cookies).
        raise PermissionDeniedError(
            message="请先打开登录页面再提交（浏览器需允许 Cookie）",
            message_en="open the sign-in page first and submit it from there (cookies needed)",
            field="csrf_token",
        )
    lang = page_lang(request)
    if not key.strip():
        error = ("请填写 API 密钥", "Enter your API key")[lang == "en"]
        return render(request, "signin.html", _form(request, next, error=error), 422)
    try:
        with get_engine(request).begin() as conn:
            token, session = sessions.start_session(conn, key)
    except AuthenticationError:
        error = ("密钥无效或已撤销，请核对后重试", "This key is not valid or was revoked")[
            lang == "en"
        ]
        return render(request, "signin.html", _form(request, next, error=error), 401)
    request.state.user_name = session.user.name
    response = RedirectResponse(safe_next(next), status_code=303)
    seconds = int(sessions.lifetime().total_seconds())
    set_cookie(request, response, SESSION_COOKIE, token, seconds)
    response.delete_cookie(FORM_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    """End this browser's session and forget its cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with get_engine(request).begin() as conn:
            sessions.end_session(conn, token)
    response = RedirectResponse("/signin?out=true", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
