"""The domain services (release, matching, repairs) as DataFrames for analysts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Connection, text


def _frame(rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
    for name in frame.columns:
        if frame[name].dtype == object:
            values = frame[name].dropna()
            if len(values) and values.map(lambda v: type(v) is dt.date).all():
                frame[name] = pd.to_datetime(frame[name])
                continue
            if len(values) and values.map(lambda v: isinstance(v, Decimal)).any():
                as_float = frame[name].map(lambda v: float(v) if isinstance(v, Decimal) else v)
                try:
                    frame[name] = pd.to_numeric(as_float)
                except (TypeError, ValueError):
                    frame[name] = as_float
    return frame


def screen_firms(
    conn: Connection, year: int | None = None, as_of: dt.date | None = None, store: bool = False
) -> pd.DataFrame:
    """Zombie-firm screening (僵尸企业甄别) as a DataFrame, one row per firm, ranked.

    Wraps :func:`parkgis.release.screening.screen_firms` (DOMAIN §4); ``signals`` holds
    the signal codes, ``signals_zh`` their labels, ``evidence`` the full signal dicts.
    ``store=True`` records the run in the analyst's transaction (commit to keep it).
    """
    from parkgis.release.screening import screen_firms as run

    result = run(conn, year, as_of, store=store)
    rows = []
    for r in result["results"]:
        signals = r.get("signals", [])
        rows.append(
            {
                **{k: v for k, v in r.items() if k != "signals"},
                "signals": ",".join(s["code"] for s in signals),
                "signals_zh": "、".join(s["label_zh"] for s in signals),
                "evidence": signals,
            }
        )
    frame = _frame(rows)
    frame.attrs.update({k: result[k] for k in ("year", "as_of", "rules_version", "run_id")})
    return frame


def efficiency_classes(
    conn: Connection, years: Iterable[int] | None = None, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Per-mu efficiency (亩均效益评价) classes A-D per firm and year, as a DataFrame.

    Wraps :func:`parkgis.release.efficiency.evaluate_efficiency` (皖经信运行〔2021〕108号)
    for every year with indicators (or ``years``), without storing runs.
    ``attrs["d_class_land_mu"]`` maps each year to the land held by its D-class firms.
    """
    from parkgis.release.efficiency import evaluate_efficiency

    if years is None:
        years = conn.execute(text("SELECT DISTINCT year FROM firm_indicator ORDER BY 1")).scalars()
    rows, d_land = [], {}
    for year in list(years):
        run = evaluate_efficiency(conn, int(year), as_of, store=False)
        d_land[int(year)] = run["d_class_land_mu"]
        rows += [
            {"year": int(year), **{k: v for k, v in r.items() if k != "indicators"}}
            for r in run["results"]
        ]
    frame = _frame(rows, ["year", "firm_id", "name", "land_mu", "group", "score", "rank", "class"])
    frame.attrs["d_class_land_mu"] = d_land
    return frame


def idle_land(conn: Connection, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every locked parcel (闲置/低效/破产) and idle candidate with its MLR Order 53 clocks.

    Wraps :func:`parkgis.release.idle.idle_clocks`: idle days and years, idle-land fee due
    (Art. 14: 20 % of the land price after one full year), recovery eligibility (two
    years), government cause (Art. 8).
    """
    from parkgis.release.idle import idle_clocks

    return _frame(idle_clocks(conn, as_of))


def disposal_rates(conn: Connection, years: Iterable[int]) -> pd.DataFrame:
    """Yearly disposal rate of idle and approved-unsupplied land vs the 15 % target.

    Wraps :func:`parkgis.release.idle.disposal_rate` (皖政〔2022〕54号).
    """
    from parkgis.release.idle import disposal_rate

    return _frame(disposal_rate(conn, int(y)) for y in years)


def bankruptcy_cases(conn: Connection, as_of: dt.date | None = None) -> pd.DataFrame:
    """Bankruptcy cases (破产案件) with stage, next deadline and overdue counts."""
    from parkgis.release.cases import list_cases

    frame = _frame(list_cases(conn, as_of))
    if "next_deadline" in frame:
        frame["next_deadline_on"] = frame["next_deadline"].map(
            lambda d: d["due_on"] if isinstance(d, dict) else None
        )
    return frame


def release_pipeline(
    conn: Connection, as_of: dt.date | None = None, role: str = "land_bureau"
) -> pd.DataFrame:
    """Parcels on their way back to the market with their expected release date.

    Wraps :func:`parkgis.release.pipeline.pipeline_for` (idle-land recovery, MLR Order 53
    Art. 14; estate sales, Enterprise Bankruptcy Law Art. 112).
    """
    from parkgis.access import User
    from parkgis.release.pipeline import pipeline_for

    return _frame(pipeline_for(conn, User(name="notebook", role=role), as_of))


def match(
    conn: Connection,
    enquiry: Any,
    role: str = "land_bureau",
    top: int | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Sites for an investor enquiry (code, id, dict or Enquiry): fits, then near misses.

    Wraps :func:`parkgis.matching.match`; ``fit`` tells fits from near misses, ``failed``
    names the hard constraints a near miss fails, ``blockers`` what must happen first.
    """
    from parkgis.matching import match as run

    if isinstance(enquiry, str):
        found = conn.execute(
            text("SELECT id FROM investor_enquiry WHERE code = :c"), {"c": enquiry}
        ).scalar()
        if found is None:
            from parkgis.errors import NotFoundError

            raise NotFoundError(
                message=f"没有招商项目 {enquiry}",
                message_en=f"no investor enquiry {enquiry!r}",
                field="enquiry",
                found=enquiry,
            )
        enquiry = int(found)
    result = run(conn, enquiry, role, top=top, as_of=as_of)
    keep = ["kind", "id", "key", "label", "zone_code", "area_mu", "area_m2", "available_from"]
    rows = [
        {
            **{k: s.get(k) for k in keep},
            "fit": fit,
            "rank": s["rank"],
            "score": s["score"],
            "failed": ",".join(s["failed"]),
            "blockers": len(s["blockers"]),
            "blockers_zh": "；".join(str(b.get("message", "")) for b in s["blockers"]),
        }
        for fit, group in ((True, result.fits), (False, result.near_misses))
        for s in group
    ]
    frame = _frame(rows, [*keep, "fit", "rank", "score", "failed", "blockers", "blockers_zh"])
    frame.attrs["enquiry"] = result.enquiry
    frame.attrs["rejected"] = result.rejected
    return frame


def assess_pipes(conn: Connection, refresh: bool = True) -> pd.DataFrame:
    """Every pipe segment with the CJJ 181-2012 grades, RI and MI of its latest inspection.

    ``refresh`` first reassesses stale inspections (:func:`parkgis.repairs.assess.assess_all`,
    in the analyst's transaction). ``street`` is the name of the road above the pipe.
    """
    from parkgis.repairs.assess import assess_all

    if refresh:
        assess_all(conn, stale_only=True)
    sql = text(
        "SELECT p.id AS segment_id, p.code, p.system, p.diameter_mm, p.material, p.length_m, "
        "p.year_built, p.inspected_on, p.structural_grade, p.functional_grade, p.f_score, "
        "p.g_score, p.sm_density, p.ri, p.ri_grade, p.mi, p.mi_grade, p.road_segment_id, "
        "coalesce(r.name, r.code) AS street FROM logic.pipes p "
        "LEFT JOIN road_segment r ON r.id = p.road_segment_id ORDER BY p.code"
    )
    return pd.read_sql(sql, conn, parse_dates=["inspected_on"])


def plan_repairs(
    conn: Connection,
    budget: float,
    years: int = 1,
    yearly_budget: float | list[float] | None = None,
    objective: str = "blend",
    today: dt.date | None = None,
) -> pd.DataFrame:
    """The budget-optimal repair plan (修复计划) as a DataFrame of works, one per row.

    Wraps :func:`parkgis.repairs.plan.make_plan` (a MILP against the greedy baseline); the
    plan is stored in the analyst's transaction (commit to keep it). ``attrs["totals"]``
    holds cost, risk reduction, land unlocked (mu, parcels, enquiries) and the greedy's.
    """
    from parkgis.repairs.plan import make_plan

    plan = make_plan(conn, budget, years, yearly_budget, objective, today)
    rows = [
        {
            **{k: v for k, v in item.items() if k != "detail"},
            "street": item["detail"].get("street"),
            "parcels": ",".join(item["detail"].get("parcels", [])),
            "enquiries": ",".join(item["detail"].get("enquiries", [])),
        }
        for item in plan["items"]
    ]
    frame = _frame(rows)
    frame.attrs["plan_id"] = plan["id"]
    frame.attrs["totals"] = plan["totals"]
    return frame
