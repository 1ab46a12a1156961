"""Routes of issue 6: screening, efficiency, idle land, bankruptcy cases, joint tasks, pipeline."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import AfterValidator, BaseModel, Field

from api.deps import Conn, CurrentUser, require_capability, require_layer
from parkgis import access
from parkgis.access import User
from parkgis.catalogue import get_layer
from parkgis.errors import PermissionDeniedError, ValidationError
from parkgis.labels.format import Lang
from parkgis.release import auctions, cases, dossier, efficiency, idle, pipeline, screening, tasks

router = APIRouter(tags=["release"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LandBureau = Annotated[User, Depends(require_capability("screens_land"))]
CaseReader = Annotated[User, Depends(require_layer("cases"))]
CourtWriter = Annotated[User, Depends(require_capability("writes_cases"))]
AsOf = Annotated[
    date | None,
    Query(description="reference date (default today), 1900-01-01..2999-12-31"),
    AfterValidator(lambda d: _in_range(d)),
]
#: Years the ledgers can hold (the database stores years as smallint).
Year = Annotated[int, Query(ge=1900, le=2999)]
OptYear = Annotated[int | None, Query(ge=1900, le=2999)]


def _in_range(day: date | None) -> date | None:
    if day is not None and not date(1900, 1, 1) <= day <= date(2999, 12, 31):
        raise ValueError("date outside 1900-01-01..2999-12-31")
    return day


def expected_version(if_match: str | None) -> int:
    """The row version from an ``If-Match: "<version>"`` header (required on updates)."""
    raw = (if_match or "").strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise ValidationError(
            message='修改已有记录须提供 If-Match 请求头（记录版本号，如 "3"）',
            message_en='If-Match header with the row version (e.g. "3") is required',
            field="If-Match",
            expected='"<version>"',
            found=if_match,
        )
    return int(raw)


def _xlsx(content: bytes, name: str) -> Response:
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/screening/firms",
    summary="Zombie-firm screening (僵尸企业甄别), ranked with evidence; computed, not stored",
)
def screening_firms(
    conn: Conn, user: LandBureau, year: OptYear = None, as_of: AsOf = None
) -> dict[str, Any]:
    return screening.screen_firms(conn, year, as_of, store=False)


@router.post(
    "/screening/firms",
    summary="Run the zombie-firm screening and store the run (screening_run); returns run_id",
)
def store_screening_firms(
    conn: Conn, user: LandBureau, year: OptYear = None, as_of: AsOf = None
) -> dict[str, Any]:
    return screening.screen_firms(conn, year, as_of, store=True)


@router.get(
    "/screening/efficiency",
    summary="Per-mu efficiency classes (亩均效益评价); computed, not stored",
)
def screening_efficiency(
    conn: Conn, user: LandBureau, year: Year, as_of: AsOf = None
) -> dict[str, Any]:
    return efficiency.evaluate_efficiency(conn, year, as_of, store=False)


@router.post(
    "/screening/efficiency",
    summary="Run the per-mu efficiency evaluation and store the run; returns run_id",
)
def store_screening_efficiency(
    conn: Conn, user: LandBureau, year: Year, as_of: AsOf = None
) -> dict[str, Any]:
    return efficiency.evaluate_efficiency(conn, year, as_of, store=True)


@router.get(
    "/land/idle", summary="Idle-land clocks (MLR Order 53) and the ledger", response_model=None
)
def land_idle(
    conn: Conn,
    user: LandBureau,
    as_of: AsOf = None,
    year: OptYear = None,
    format: Literal["json", "xlsx"] = "json",
    lang: Lang = "zh",
) -> dict[str, Any] | Response:
    day = as_of or date.today()
    clocks = idle.idle_clocks(conn, day)
    rate = idle.disposal_rate(conn, year or day.year)
    if format == "xlsx":
        ledger = idle.ledger_xlsx(conn, clocks, day, rate, lang)
        return _xlsx(ledger, f"idle_land_{day.isoformat()}.xlsx")
    return {"as_of": day, "parcels": clocks, "disposal": rate}


#: Court of a case registered by an administrator without naming one.
DEFAULT_COURT = "烈山区人民法院"


class CaseIn(BaseModel):
    debtor_firm_id: int
    court: str | None = Field(
        None, description="court of the case; a court user's own court when omitted"
    )
    procedure: str = Field(description="code of the code list case_procedure (liquidation, ...)")
    applied_on: date
    application_no: str | None = None
    case_no: str | None = None
    applicant_kind: str = Field("debtor", description="code of the code list applicant_kind")
    administrator: str | None = None
    parcel_ids: list[int] = Field(default_factory=list)


class EventIn(BaseModel):
    stage: str
    on: date
    note: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class AuctionIn(BaseModel):
    parcel_id: int
    round: int | None = None
    mode: Literal["online_auction", "negotiated"] = "online_auction"
    appraisal_yuan: float
    starting_price_yuan: float
    announced_on: date
    auction_on: date
    result: Literal["pending", "sold", "failed", "withdrawn"] = "pending"
    sold_price_yuan: float | None = None
    buyer: str | None = None


class TaskPatch(BaseModel):
    status: str | None = None
    evidence: str | None = None
    evidence_ref: str | None = None
    completed_on: date | None = None
    deadline_on: date | None = None


@router.get("/cases", summary="Bankruptcy cases with their next deadline and who is late")
def list_cases(conn: Conn, user: CaseReader, as_of: AsOf = None) -> list[dict[str, Any]]:
    return cases.list_cases(conn, as_of, user)


@router.post("/cases", status_code=201, summary="Register a bankruptcy case")
def create_case(
    conn: Conn, user: CourtWriter, body: CaseIn, response: Response, as_of: AsOf = None
) -> dict[str, Any]:
    data = body.model_dump()
    data["court"] = cases.court_for_new_case(conn, user, body.court, DEFAULT_COURT)
    case = cases.create_case(conn, **data, as_of=as_of)
    response.headers["ETag"] = f'"{case["version"]}"'
    return case


@router.get("/cases/{case_id}", summary="One case: deadlines, parcels, tasks, auctions, events")
def get_case(
    conn: Conn, user: CaseReader, case_id: int, response: Response, as_of: AsOf = None
) -> dict[str, Any]:
    cases.check_case_scope(conn, case_id, user)
    case = cases.get_case(conn, case_id, as_of)
    response.headers["ETag"] = f'"{case["version"]}"'
    return _parcel_fields_for(case, user.role)


def _parcel_fields_for(case: dict[str, Any], role: str) -> dict[str, Any]:
    """Drop the case parcels' fields the parcels layer hides from ``role`` (land prices)."""
    hidden = {f.name for f in get_layer("parcels").fields if not f.visible(role)}
    case["parcels"] = [
        {k: v for k, v in p.items() if k not in hidden} for p in case.get("parcels") or []
    ]
    return case


@router.post("/cases/{case_id}/events", summary="Move the case to a stage (If-Match required)")
def case_event(
    conn: Conn,
    user: CourtWriter,
    case_id: int,
    body: EventIn,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    cases.check_case_scope(conn, case_id, user)
    case = cases.advance_case(
        conn,
        case_id,
        body.stage,
        body.on,
        expected_version(if_match),
        body.details,
        body.note,
        as_of,
    )
    response.headers["ETag"] = f'"{case["version"]}"'
    return case


@router.post("/cases/{case_id}/auctions", status_code=201, summary="Record an auction round")
def case_auction(
    conn: Conn, user: CourtWriter, case_id: int, body: AuctionIn, as_of: AsOf = None
) -> dict[str, Any]:
    cases.check_case_scope(conn, case_id, user)
    data = body.model_dump()
    if data["round"] is None:
        del data["round"]
    return auctions.add_auction(conn, case_id, data, as_of)


@router.get("/cases/{case_id}/dossier", summary="Case dossier as HTML or XLSX", response_model=None)
def case_dossier(
    conn: Conn,
    user: CaseReader,
    case_id: int,
    as_of: AsOf = None,
    format: Literal["html", "xlsx"] = "html",
    lang: Lang = "zh",
) -> Response:
    # A case out of the caller's scope is 404, as a missing one: existence not confirmed.
    cases.check_case_scope(conn, case_id, user)
    if format == "xlsx":
        book = dossier.dossier_xlsx(conn, case_id, as_of, lang)
        return _xlsx(book, f"case_{case_id}_dossier.xlsx")
    return HTMLResponse(dossier.dossier_html(conn, case_id, as_of, lang))


@router.get("/tasks", summary="Joint-task board (府院联动), overdue first")
def list_tasks(
    conn: Conn,
    user: CaseReader,
    department: str | None = None,
    case_id: int | None = None,
    open_only: bool = False,
    as_of: AsOf = None,
) -> list[dict[str, Any]]:
    if access.role_of(conn, user).department_scoped:
        if department and department != user.department_code:
            raise PermissionDeniedError(
                message="部门用户只能查看本部门的任务",
                message_en="departments see their own tasks",
                field="department",
                expected=user.department_code,
                found=department,
            )
        department = user.department_code
    return tasks.list_tasks(conn, department, case_id, as_of, open_only, user)


@router.patch("/tasks/{task_id}", summary="Update a task's status/evidence (If-Match required)")
def patch_task(
    conn: Conn,
    user: CaseReader,
    task_id: int,
    body: TaskPatch,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    task = tasks.update_task(
        conn, task_id, expected_version(if_match), user, body.model_dump(exclude_unset=True), as_of
    )
    response.headers["ETag"] = f'"{task["version"]}"'
    return task


@router.get("/release/pipeline", summary="Land on its way back to the market")
def release_pipeline(conn: Conn, user: CurrentUser, as_of: AsOf = None) -> list[dict[str, Any]]:
    return pipeline.pipeline_for(conn, user, as_of)
