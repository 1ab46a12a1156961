"""The court's case pages: ``/staff/cases`` (list with filters) and ``/staff/cases/{id}``.

A stage transition is a form on the case page, offered only for the stages the procedure
allows next; it records the event through ``parkgis.release.cases.advance_case`` (with
the case's version, so a stale page is told to reload). A refusal (an open blocking task,
a date against the law, a stale version) is shown on the page in words and changes
nothing: the attempt runs in a savepoint that is rolled back.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import Conn, require_roles
from api.pages.render import page_lang
from api.pages.staff import StaffUser, staff_page
from parkgis.auth import User
from parkgis.errors import ParkgisError
from parkgis.release import cases
from parkgis.workspace import cases as case_pages

router = APIRouter(tags=["pages"], include_in_schema=False)

CaseReader = Annotated[User, Depends(require_roles("land_bureau", "court", "department"))]
CourtWriter = Annotated[User, Depends(require_roles("court"))]
AsOf = Annotated[date | None, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31))]


@router.get("/staff/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    conn: Conn,
    staff: StaffUser,
    user: CaseReader,
    stage: Annotated[str | None, Query(max_length=40)] = None,
    court: Annotated[str | None, Query(max_length=200)] = None,
    overdue: bool = False,
    as_of: AsOf = None,
) -> Response:
    """The cases this user may see, filtered by stage, court and overdue."""
    day = as_of or date.today()
    listing = case_pages.case_list(
        conn, user, day, page_lang(request), stage or None, court or None, overdue
    )
    chosen = {"stage": stage or "", "court": court or "", "overdue": overdue}
    return staff_page(request, conn, user, "cases.html", {**listing, "chosen": chosen})


def _case_page(
    request: Request,
    conn: Conn,
    user: User,
    case_id: int,
    day: date,
    error: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    page = case_pages.case_page(conn, user, case_id, day, page_lang(request))
    done = case_pages.done_words(conn, request.query_params.get("done"), page_lang(request))
    context = {"case": page, "error": error, "done": done}
    return staff_page(request, conn, user, "case.html", context, status_code)


@router.get("/staff/cases/{case_id}", response_class=HTMLResponse)
def case_view(
    request: Request,
    conn: Conn,
    staff: StaffUser,
    user: CaseReader,
    case_id: int,
    as_of: AsOf = None,
) -> Response:
    """One case: facts, deadlines with days left, timeline, parcels, tasks, auctions."""
    return _case_page(request, conn, user, case_id, as_of or date.today())


@router.post("/staff/cases/{case_id}/stage", response_class=HTMLResponse)
def case_stage(
    request: Request,
    conn: Conn,
    staff: StaffUser,
    user: CourtWriter,
    case_id: int,
    stage: Annotated[str, Form(max_length=40)],
    on: Annotated[date, Form()],
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    note: Annotated[str, Form(max_length=2000)] = "",
    case_no: Annotated[str, Form(max_length=60)] = "",
    administrator: Annotated[str, Form(max_length=200)] = "",
    claims_deadline_on: Annotated[date | None, Form()] = None,
    closing_outcome: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Record the move to ``stage``; refused moves come back as the page with the reason."""
    cases.check_case_scope(conn, case_id, user)
    given = {
        "case_no": case_no.strip(),
        "administrator": administrator.strip(),
        "claims_deadline_on": claims_deadline_on,
        "closing_outcome": closing_outcome,
    }
    details = {k: v for k, v in given.items() if v}
    try:
        with conn.begin_nested():
            cases.advance_case(conn, case_id, stage, on, version, details, note.strip() or None)
    except ParkgisError as exc:
        lang = page_lang(request)
        message = exc.message if lang == "zh" else (exc.message_en or exc.message)
        error = {"stage": stage, "message": message, "field": exc.field or "stage"}
        return _case_page(request, conn, user, case_id, date.today(), error, 409)
    return RedirectResponse(f"/staff/cases/{case_id}?done={stage}", status_code=303)
