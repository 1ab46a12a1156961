"""Refusals as pages for browsers: the message in the page's language, never JSON.

A browser asking for a page it may not see without a session is sent to the sign-in form
(303, coming back afterwards); other refusals (403, 404, 409, 412, 422...) are a page
with the message in words and the same status. API clients keep problem+json.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from api.pages.render import page_lang, render
from parkgis.errors import ParkgisError

HEADINGS = {
    401: ("需要登录", "Sign-in needed"),
    403: ("无权操作", "Not allowed"),
    404: ("找不到该页面或记录", "Not found"),
    409: ("无法执行", "Cannot be done"),
    412: ("记录已被他人修改", "Changed meanwhile"),
    422: ("填写有误", "Check what you entered"),
}


def error_page(request: Request, status_code: int, exc: ParkgisError) -> Response:
    """The refusal ``exc`` as a page (or, for a 401 on a GET, the way to sign in)."""
    url = request.url.remove_query_params("key")  # a key never travels in an address
    target = url.path + (f"?{url.query}" if url.query else "")
    signin_url = f"/signin?next={quote(target, safe='/')}"
    if status_code == 401 and request.method in ("GET", "HEAD"):
        return RedirectResponse(signin_url, status_code=303)
    lang = page_lang(request)
    zh, en = HEADINGS.get(status_code, ("无法完成请求", "The request could not be done"))
    message = exc.message if lang == "zh" else (exc.message_en or exc.message)
    context = {
        "heading": zh if lang == "zh" else en,
        "message": message,
        "signin_url": signin_url if status_code == 401 else None,
        "back_url": "/staff" if request.cookies else "/map",
    }
    return render(request, "error.html", context, status_code)
