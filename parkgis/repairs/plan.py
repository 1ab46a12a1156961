"""Repair plans 修复计划: choose works for a budget, store them, read them back, map them.

Each line says what it costs (with its share of the street's mobilisation), how much
risk it removes and which parcels and enquiries it helps unlock; the totals stand beside
what the greedy risk/cost ranking would have chosen for the same budget.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.catalogue import get_layer
from parkgis.errors import NotFoundError, ValidationError
from parkgis.repairs.model import Problem
from parkgis.repairs.optimise import Solution, greedy, plan_cost, solve
from parkgis.repairs.works import build_problem

OBJECTIVES = ("risk", "land", "blend")


def _yearly(budget: float, years: int, yearly_budget: float | list[float] | None) -> list[float]:
    if budget <= 0:
        raise ValidationError(
            message="预算必须大于 0",
            message_en="budget must be positive",
            field="budget",
            expected="> 0",
            found=budget,
        )
    if not 1 <= years <= 10:
        raise ValidationError(
            message="年数应在 1 到 10 之间",
            message_en="years must be 1-10",
            field="years",
            expected="1-10",
            found=years,
        )
    if yearly_budget is None:
        return [budget] * years
    values = yearly_budget if isinstance(yearly_budget, list) else [yearly_budget] * years
    if len(values) != years or any(v < 0 for v in values):
        raise ValidationError(
            message=f"年度预算应为 {years} 个非负数",
            message_en=f"give {years} yearly budgets >= 0",
            field="yearly_budget",
            expected=years,
            found=values,
        )
    return [float(v) for v in values]


def _totals(problem: Problem, sol: Solution) -> dict[str, Any]:
    works = {w.key: w for w in problem.works}
    sites, enquiries = problem.unlocked(set(sol.chosen))
    return {
        "works": len(sol.chosen),
        "cost_yuan": round(plan_cost(problem, sol.chosen), 2),
        "risk_reduction": round(sum(works[k].risk_reduction for k in sol.chosen), 4),
        "land_unlocked_mu": round(sum(s.area_mu for s in sites), 4),
        "parcels_unlocked": [s.plot_no for s in sites],
        "enquiries_unlocked": [e.code for e in enquiries],
        "objective": round(sol.objective, 6),
        "status": sol.status,
    }


def _items(problem: Problem, sol: Solution) -> list[dict[str, Any]]:
    works = {w.key: w for w in problem.works}
    sites, enquiries = problem.unlocked(set(sol.chosen))
    per_street_year = Counter((works[k].street, y) for k, y in sol.chosen.items())
    items = []
    order = sorted(sol.chosen.items(), key=lambda kv: (kv[1], works[kv[0]].kind, kv[0]))
    for seq, (key, year) in enumerate(order, start=1):
        w = works[key]
        share = problem.mobilisation_yuan / per_street_year[(w.street, year)] if w.street else 0.0
        helped = [s for s in sites if key in s.all_of or key in s.any_of]
        helped_ids = {s.parcel_id for s in helped}
        enq = [e.code for e in enquiries if helped_ids.intersection(e.sites)]
        items.append(
            {
                "seq": seq,
                "year": year,
                "work_kind": w.kind,
                "code": w.code,
                "pipe_segment_id": w.pipe_segment_id,
                "road_segment_id": w.road_segment_id,
                "method": w.method,
                "cost_yuan": round(w.cost_yuan + share, 2),
                "risk_reduction": w.risk_reduction,
                "land_unlocked_mu": round(sum(s.area_mu for s in helped), 4),
                "detail": {
                    **w.detail,
                    "street": w.street,
                    "mobilisation_share_yuan": round(share, 2),
                    "parcels": [s.plot_no for s in helped],
                    "enquiries": enq,
                    "requires": list(w.requires),
                },
            }
        )
    return items


def make_plan(
    conn: Connection,
    budget: float,
    years: int = 1,
    yearly_budget: float | list[float] | None = None,
    objective: str = "blend",
    today: date | None = None,
) -> dict[str, Any]:
    """Choose, store and return the budget-optimal plan (with the greedy baseline beside it)."""
    if objective not in OBJECTIVES:
        raise ValidationError(
            message=f"目标应为 risk、land 或 blend，收到 {objective}",
            message_en=f"objective must be risk, land or blend; found {objective!r}",
            field="objective",
            expected=list(OBJECTIVES),
            found=objective,
        )
    yearly = _yearly(budget, years, yearly_budget)
    problem = build_problem(conn, today)
    best = solve(problem, budget, yearly, objective)
    base = greedy(problem, budget, yearly)
    totals = {
        **_totals(problem, best),
        "budget_yuan": budget,
        "left_yuan": round(budget - best.cost_yuan, 2),
        "candidates": len(problem.works),
        "greedy": {**_totals(problem, base), "works_chosen": sorted(base.chosen)},
    }
    params = {"yearly_budget": yearly, "today": (today or date.today()).isoformat()}
    plan_id = int(
        conn.execute(
            text(
                "INSERT INTO repair_plan (budget_yuan, years, objective, params, totals) "
                "VALUES (:b, :y, :o, CAST(:p AS jsonb), CAST(:t AS jsonb)) RETURNING id"
            ),
            {
                "b": budget,
                "y": years,
                "o": objective,
                "p": json.dumps(params),
                "t": json.dumps(totals, ensure_ascii=False),
            },
        ).scalar_one()
    )
    items = _items(problem, best)
    if items:
        conn.execute(
            text(
                "INSERT INTO repair_plan_item (plan_id, seq, work_kind, pipe_segment_id, "
                "road_segment_id, year, method, cost_yuan, risk_reduction, land_unlocked_mu, "
                "detail) VALUES (:plan, :seq, :work_kind, :pipe_segment_id, :road_segment_id, "
                ":year, :method, :cost_yuan, :risk_reduction, :land_unlocked_mu, "
                "CAST(:detail AS jsonb))"
            ),
            [
                {**i, "plan": plan_id, "detail": json.dumps(i["detail"], ensure_ascii=False)}
                for i in items
            ],
        )
    return get_plan(conn, plan_id)


def _redact_enquiries(plan: dict[str, Any], role: str) -> dict[str, Any]:
    """Enquiry codes only for roles the enquiries layer admits (layers/enquiries.toml);
    others get how many enquiries a work helps, not which (investors' names stay private)."""
    if get_layer("enquiries").can_see(role):
        return plan
    for totals in (plan.get("totals") or {}, (plan.get("totals") or {}).get("greedy") or {}):
        if isinstance(totals, dict) and "enquiries_unlocked" in totals:
            totals["enquiries_unlocked_count"] = len(totals["enquiries_unlocked"] or [])
            totals["enquiries_unlocked"] = []
    for item in plan.get("items", []):
        detail = item.get("detail") or {}
        if "enquiries" in detail:
            detail["enquiries_count"] = len(detail["enquiries"] or [])
            detail["enquiries"] = []
    return plan


def get_plan(conn: Connection, plan_id: int, role: str = "admin") -> dict[str, Any]:
    """A stored plan with its items, as ``role`` may see it."""
    head = (
        conn.execute(text("SELECT * FROM repair_plan WHERE id = :i"), {"i": plan_id})
        .mappings()
        .first()
    )
    if head is None:
        raise NotFoundError(
            message=f"没有修复计划 {plan_id}",
            message_en=f"no repair plan {plan_id}",
            field="plan_id",
            found=plan_id,
        )
    rows = conn.execute(
        text(
            "SELECT i.*, coalesce(s.code, r.code) AS code FROM repair_plan_item i "
            "LEFT JOIN pipe_segment s ON s.id = i.pipe_segment_id "
            "LEFT JOIN road_segment r ON r.id = i.road_segment_id "
            "WHERE i.plan_id = :i ORDER BY i.seq"
        ),
        {"i": plan_id},
    ).mappings()
    items = []
    for r in rows:
        d = dict(r)
        for k in ("cost_yuan", "risk_reduction", "land_unlocked_mu"):
            d[k] = float(d[k])
        items.append(d)
    plan = {
        "id": int(head["id"]),
        "budget_yuan": float(head["budget_yuan"]),
        "years": int(head["years"]),
        "objective": head["objective"],
        "params": head["params"],
        "totals": head["totals"],
        "created_at": head["created_at"].isoformat(),
        "created_by": head["created_by"],
        "items": items,
    }
    return _redact_enquiries(plan, role)


def plan_features(conn: Connection, plan_id: int, role: str = "admin") -> dict[str, Any]:
    """The plan's selected works as a GeoJSON FeatureCollection in CRS84 (for the map)."""
    plan = get_plan(conn, plan_id, role)
    rows = conn.execute(
        text(
            "SELECT i.seq, ST_AsGeoJSON(ST_Transform(coalesce(s.geom, r.geom), 4326), 7) AS g "
            "FROM repair_plan_item i LEFT JOIN pipe_segment s ON s.id = i.pipe_segment_id "
            "LEFT JOIN road_segment r ON r.id = i.road_segment_id WHERE i.plan_id = :i"
        ),
        {"i": plan_id},
    )
    geoms = {int(r.seq): json.loads(r.g) for r in rows}
    features = []
    for item in plan["items"]:
        props = {k: v for k, v in item.items() if k not in {"detail", "plan_id"}}
        props.update(
            {k: item["detail"].get(k) for k in ("method_zh", "street", "parcels", "enquiries")}
        )
        props["plan_id"] = plan_id
        features.append(
            {
                "type": "Feature",
                "id": f"{plan_id}-{item['seq']}",
                "geometry": geoms[item["seq"]],
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features, "plan": plan["totals"]}
