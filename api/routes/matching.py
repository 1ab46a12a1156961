"""Investor-site matching routes (issue 5): enquiries, matches, site detail, brochure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import Conn, CurrentUser, require_layer
from parkgis.access import User
from parkgis.errors import ValidationError
from parkgis.labels.format import Lang
from parkgis.matching import brochure, enquiry, site
from parkgis.matching.engine import match

router = APIRouter(tags=["matching"])
#: Enquiries name investors: the roles of layers/enquiries.toml.
Staff = Annotated[User, Depends(require_layer("enquiries"))]
_TOP = (
    "sites listed per group (fits, near misses); default [matching] default_top (50); "
    "`totals` always counts them all"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/match", summary="Match an enquiry (in the body) against the park's sites")
def post_match(
    conn: Conn,
    user: CurrentUser,
    body: Annotated[dict[str, Any], Body(description="an enquiry; optional 'weights'")],
    top: Annotated[int | None, Query(ge=1, le=500, description=_TOP)] = None,
) -> dict[str, Any]:
    weights = body.pop("weights", None)
    return match(conn, body, user.role, top=top, weights=weights).to_dict()


@router.get("/enquiries", summary="Stored enquiries (staff)")
def get_enquiries(conn: Conn, user: Staff, status: str | None = None) -> list[dict[str, Any]]:
    return enquiry.list_enquiries(conn, status)


@router.post("/enquiries", status_code=201, summary="Store an enquiry (staff)")
def post_enquiry(
    conn: Conn, user: Staff, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return enquiry.create_enquiry(conn, enquiry.validate_enquiry(conn, body))


@router.get("/enquiries/{enquiry_id}", summary="One enquiry (staff)")
def get_enquiry(conn: Conn, user: Staff, enquiry_id: int) -> dict[str, Any]:
    return enquiry.get_enquiry(conn, enquiry_id)


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise ValidationError(
            message="If-Match 应为版本号", message_en="If-Match must be the row version",
            field="If-Match", found=if_match,
        )  # fmt: skip
    return int(raw)


@router.patch("/enquiries/{enquiry_id}", summary="Edit an enquiry (If-Match: version)")
def patch_enquiry(
    conn: Conn,
    user: Staff,
    enquiry_id: int,
    body: Annotated[dict[str, Any], Body()],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> dict[str, Any]:
    return enquiry.update_enquiry(conn, enquiry_id, body, _version(if_match))


@router.get("/enquiries/{enquiry_id}/matches", summary="Match a stored enquiry (?format=xlsx)")
def get_matches(
    conn: Conn,
    user: Staff,
    enquiry_id: int,
    top: Annotated[int | None, Query(ge=1, le=500, description=_TOP)] = None,
    format: Annotated[str, Query(pattern="^(json|xlsx)$")] = "json",
    lang: Lang = "zh",
) -> Any:
    result = match(conn, enquiry_id, user.role, top=top)
    if format == "xlsx":
        return Response(
            brochure.results_xlsx(result, lang), media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="matches-{enquiry_id}.xlsx"'},
        )  # fmt: skip
    return result.to_dict()


@router.get("/sites/compare", summary="2-5 sites side by side (?ids=parcel:1,unit:7)")
def compare(conn: Conn, user: CurrentUser, ids: str) -> dict[str, Any]:
    keys = [k for k in ids.split(",") if k.strip()]
    return site.compare_sites(conn, keys, user.role)


@router.get("/sites/{kind}/{site_id}", summary="A site's detail (parcel|unit|building)")
def site_detail(conn: Conn, user: CurrentUser, kind: str, site_id: int) -> dict[str, Any]:
    return site.site_detail(conn, kind, site_id, user.role)


@router.get("/sites/{kind}/{site_id}/brochure", response_class=HTMLResponse,
            summary="One-page HTML brochure of a site")  # fmt: skip
def site_brochure(
    conn: Conn, user: CurrentUser, kind: str, site_id: int, lang: Lang = "zh"
) -> HTMLResponse:
    return HTMLResponse(brochure.brochure_html(conn, kind, site_id, user.role, lang=lang))
