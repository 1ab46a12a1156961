"""Repair planning routes (issue 7): network traces and checks, CJJ 181 assessments,
budget-optimal plans, parcels without road access. Each route is a call into
:mod:`parkgis.repairs`."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.deps import Conn, require_capability, require_layer
from parkgis.access import User
from parkgis.labels.format import Lang
from parkgis.repairs import network, outputs, plan, roads, trace

router = APIRouter(tags=["repairs 管网与道路修复"])

#: The network (traces, checks, assessments, plans): the roles of layers/pipes.toml.
Reader = Annotated[User, Depends(require_layer("pipes"))]
Planner = Annotated[User, Depends(require_capability("plans_repairs"))]


@router.get("/network/trace", summary="上下游追踪 / trace up- or downstream (GeoJSON + lists)")
def network_trace(
    conn: Conn,
    user: Reader,
    manhole: Annotated[str | None, Query(description="检查井编号")] = None,
    segment: Annotated[str | None, Query(description="管段编号")] = None,
    parcel: Annotated[str | None, Query(description="地块编号 plot_no")] = None,
    direction: Annotated[Literal["up", "down"], Query()] = "down",
    system: Annotated[Literal["storm", "sewage"] | None, Query()] = None,
) -> Response:
    result = trace.trace(
        conn, manhole=manhole, segment=segment, parcel=parcel, direction=direction, system=system
    )
    body = json.dumps(result, ensure_ascii=False, default=str)
    return Response(body, media_type="application/geo+json")


@router.get("/network/check", summary="管网数据检查：逆坡、环路、平坡、断头")
def network_check(conn: Conn, user: Reader) -> dict[str, Any]:
    return network.check_network(conn)


@router.get("/pipes/{code}/assessment", summary="管段 CJJ 181-2012 评估报告")
def pipe_assessment(code: str, conn: Conn, user: Reader) -> JSONResponse:
    return JSONResponse(json.loads(json.dumps(outputs.segment_report(conn, code), default=str)))


@router.post("/repairs/assess", summary="重新计算过期的评估 / assess stale inspections")
def repairs_assess(conn: Conn, user: Planner, all: bool = False) -> dict[str, int]:
    from parkgis.repairs.assess import assess_all

    return assess_all(conn, stale_only=not all)


class PlanRequest(BaseModel):
    """Budget and objective of a repair plan."""

    budget: float = Field(gt=0, description="总预算（元）")
    years: int = Field(default=1, ge=1, le=10)
    yearly_budget: float | list[float] | None = Field(default=None, description="年度预算（元）")
    objective: Literal["risk", "land", "blend"] = "blend"


@router.post("/repairs/plan", summary="按预算生成最优修复计划（含贪心对比）", status_code=201)
def repairs_plan(body: PlanRequest, conn: Conn, user: Planner) -> JSONResponse:
    result = plan.make_plan(conn, body.budget, body.years, body.yearly_budget, body.objective)
    result = plan.get_plan(conn, int(result["id"]), user.role)
    return JSONResponse(json.loads(json.dumps(result, default=str)), status_code=201)


@router.get("/repairs/plans/{plan_id}", summary="修复计划（json | xlsx | geojson）")
def repairs_get_plan(
    plan_id: int,
    conn: Conn,
    user: Reader,
    format: Annotated[Literal["json", "xlsx", "geojson"], Query()] = "json",
    lang: Lang = "zh",
) -> Response:
    if format == "xlsx":
        return Response(
            outputs.plan_xlsx(conn, plan_id, user.role, lang),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="repair_plan_{plan_id}.xlsx"'},
        )
    if format == "geojson":
        body = json.dumps(
            plan.plan_features(conn, plan_id, user.role), ensure_ascii=False, default=str
        )
        return Response(body, media_type="application/geo+json")
    return JSONResponse(
        json.loads(json.dumps(plan.get_plan(conn, plan_id, user.role), default=str))
    )


@router.get("/roads/access", summary="无已建成道路临接的地块 / parcels without road access")
def roads_access(conn: Conn, user: Reader) -> list[dict[str, Any]]:
    return roads.parcels_without_access(conn)
