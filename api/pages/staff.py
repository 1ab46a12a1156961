"""The staff workspace's chrome (who is signed in, the menu) and its home page ``/staff``.

Every staff page renders with :func:`staff_page`, which puts the user's name, role and
department or court in the header with the sign-out button, and the menu of the pages
the role may open. A page asked for without a session goes to the sign-in form and
comes back after it (api/errors.py turns the 401 into that redirect for browsers).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from api.deps import Conn, CurrentUser
from api.pages.render import page_lang, render
from parkgis import workspace
from parkgis.access import User
from parkgis.catalogue import get_layer
from parkgis.errors import AuthenticationError

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The staff menu: address, words, and the layer whose roles may open it (None: every
#: staff role); the infrastructure map is the defects layer's (api/routes/maps.py).
MENU: tuple[tuple[str, str, str, str | None], ...] = (
    ("/staff", "工作台", "Home", None),
    ("/staff/cases", "破产案件", "Cases", "cases"),
    ("/map", "招商地图", "Investment map", None),
    ("/map/infrastructure", "基础设施地图", "Infrastructure map", "defects"),
)


def signed_in(user: CurrentUser) -> User:
    """Dependency: the signed-in staff user; anonymous callers are sent to sign in."""
    if user.is_anonymous:
        raise AuthenticationError(message="请先登录", message_en="sign in first", field="session")
    return user


StaffUser = Annotated[User, Depends(signed_in)]


def _current(href: str, path: str) -> bool:
    return path == href or (href != "/staff" and path.startswith(href + "/"))


def staff_chrome(conn: Connection, user: User, request: Request) -> dict[str, Any]:
    """What the base layout shows of a signed-in user: card and menu, in words."""
    lang, path = page_lang(request), request.url.path
    menu = [
        {"href": href, "label": zh if lang == "zh" else en, "current": _current(href, path)}
        for href, zh, en, layer in MENU
        if layer is None or get_layer(layer).can_see(user.role)
    ]
    return {"card": workspace.user_card(conn, user, lang), "menu": menu}


def staff_page(
    request: Request,
    conn: Connection,
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a staff page: the template with the signed-in chrome."""
    values = {"staff": staff_chrome(conn, user, request), **(context or {})}
    return render(request, template, values, status_code)


@router.get("/staff", response_class=HTMLResponse)
def staff_home(
    request: Request,
    conn: Conn,
    user: StaffUser,
    as_of: Annotated[date | None, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31))] = None,
) -> Response:
    """What this user must do today: tasks, deadlines, new enquiries, with counts."""
    sections = workspace.staff_home(conn, user, as_of, page_lang(request))
    return staff_page(request, conn, user, "staff_home.html", {"sections": sections})
