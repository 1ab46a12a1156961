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
from markupsafe import Markup

from api.deps import Conn, require_capability, require_layer
from api.pages.render import page_lang
from api.pages.staff import StaffUser, staff_page
from parkgis.access import User
from parkgis.errors import ParkgisError
from parkgis.labels.format import YUAN_PER_WAN
from parkgis.release import auction_rounds, auctions, cases
from parkgis.workspace import cases as case_pages

router = APIRouter(tags=["pages"], include_in_schema=False)

CaseReader = Annotated[User, Depends(require_layer("cases"))]
CourtWriter = Annotated[User, Depends(require_capability("writes_cases"))]
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
    if page["map_svg"]:
        page["map_svg"] = Markup(page["map_svg"])  # built from escaped values (dossier.map_svg)
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
        return _refused(request, conn, user, case_id, f"move-{stage}", exc)
    return RedirectResponse(f"/staff/cases/{case_id}?done={stage}", status_code=303)


def _refused(
    request: Request, conn: Conn, user: User, case_id: int, form: str, exc: ParkgisError
) -> HTMLResponse:
    """The case page again, with the refusal beside the form that was sent (409)."""
    lang = page_lang(request)
    message = exc.message if lang == "zh" else (exc.message_en or exc.message)
    error = {"form": form, "message": message}
    return _case_page(request, conn, user, case_id, date.today(), error, 409)


Wan = Annotated[float, Form(gt=0, lt=10_000_000)]


@router.post("/staff/cases/{case_id}/auctions", response_class=HTMLResponse)
def post_round(
    request: Request,
    conn: Conn,
    staff: StaffUser,
    user: CourtWriter,
    case_id: int,
    parcel_id: Annotated[int, Form(ge=1, le=2**62)],
    mode: Annotated[str, Form(max_length=40)],
    appraisal_wan: Wan,
    starting_price_wan: Wan,
    announced_on: Annotated[date, Form()],
    auction_on: Annotated[date, Form()],
) -> Response:
    """Post the next auction round of an estate parcel (prices entered in 万元)."""
    cases.check_case_scope(conn, case_id, user)
    round_ = {
        "parcel_id": parcel_id,
        "mode": mode,
        "appraisal_yuan": appraisal_wan * YUAN_PER_WAN,
        "starting_price_yuan": starting_price_wan * YUAN_PER_WAN,
        "announced_on": announced_on,
        "auction_on": auction_on,
    }
    try:
        with conn.begin_nested():
            auctions.add_auction(conn, case_id, round_)
    except ParkgisError as exc:
        return _refused(request, conn, user, case_id, f"round-{parcel_id}", exc)
    return RedirectResponse(f"/staff/cases/{case_id}?done=round#auctions", status_code=303)


@router.post("/staff/cases/{case_id}/auctions/{auction_id}/result", response_class=HTMLResponse)
def round_result(
    request: Request,
    conn: Conn,
    staff: StaffUser,
    user: CourtWriter,
    case_id: int,
    auction_id: int,
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    result: Annotated[str, Form(max_length=40)],
    sold_price_wan: Annotated[float | None, Form(gt=0, lt=10_000_000)] = None,
    buyer: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record a pending round's result: sold (price in 万元 and buyer), failed or withdrawn."""
    cases.check_case_scope(conn, case_id, user)
    price = None if sold_price_wan is None else sold_price_wan * YUAN_PER_WAN
    try:
        with conn.begin_nested():
            auction_rounds.record_result(
                conn, case_id, auction_id, version, result, price, buyer or None
            )
    except ParkgisError as exc:
        return _refused(request, conn, user, case_id, f"result-{auction_id}", exc)
    return RedirectResponse(f"/staff/cases/{case_id}?done=result#auctions", status_code=303)
