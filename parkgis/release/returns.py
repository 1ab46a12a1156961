"""The one date each parcel is expected back on the market (预计可供日期), for every reader.

The release pipeline, the idle-land ledger, the site pages and brochures, and matching all
take a parcel's date from ``return_days`` over the columns of ``logic.parcel_return_source``
(postgis/sql/55_parcel_return.sql); matching holds the same columns in its offer and calls
it on arrays, the others call ``expected_return`` on one row. The rules, in order:

1. Land on offer now (``[matching] available_land_statuses``): available on the day.
2. Land of the pipeline statuses (``pipeline_land_statuses``) in an open bankruptcy
   case: the case's expected release
   (``bankruptcy_case.expected_release_on``, parkgis.release.pipeline) when it is still
   ahead; an estimate already past is no availability (no date until the court's next
   step moves it). Allocated land (划拨) is not part of the estate (Enterprise Bankruptcy
   Law Art. 30; the Supreme People's Court's replies on allocated land) and is taken back
   by the government (Land Administration Law Art. 58): no date from the case.
3. Idle land (MLR Order 53, 闲置土地处置办法): through a government cause (Art. 8) it is
   disposed of with the holder under Art. 12 and has no date; otherwise it comes back
   ``[release_pipeline.idle_recovery] days_after_recovery_eligible`` days after it may be
   recovered without compensation (Art. 14, two years), or after today when that day is
   past (an estimate is never in the past) [?].
4. Anything else has no date.

The idle-land clock (``idle_clock_days``), Art. 2 and Art. 14: land never started idles
one year after the construction start agreed in the supply contract or set in the
allocation decision (``agreed_start_on``); where neither sets one, after the day the
contract took effect or the decision was issued (``supplied_on``, ``[idle_land]
clock_start_fallback`` [?]). Land started but under 1/3 developed or 25 % invested idles
once work has stopped a year (``work_stopped_on``); its fee and recovery clocks run from
that stop [?]. The fee is due from one year, recovery from two (Art. 14). Periods are
counted by :mod:`parkgis.calendar` (Civil Code Arts 201-202). ``idle_since`` is the date
the land was found idle, a fact of record, and no clock runs from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from parkgis.calendar import day_number, day_of, period_end_days
from parkgis.config import get_rules

#: Columns of logic.parcel_return_source the computation reads.
DATE_INPUTS = ("agreed_start_on", "supplied_on", "actual_start_on", "work_stopped_on",
               "case_release_on")  # fmt: skip
FLOAT_INPUTS = ("developed_share", "invested_share")
BOOL_INPUTS = ("allocated", "government_cause", "in_case")
INPUTS = ("status", *DATE_INPUTS, *FLOAT_INPUTS, *BOOL_INPUTS)

#: What a parcel's date (or its absence) rests on, in words (Chinese, English).
BASIS = {
    "available": ("现可供应", "available now"),
    "bankruptcy": (
        "破产财产，按案件进度预计可供（企业破产法第一百一十二条）",
        "bankruptcy estate, expected from the case's progress (Bankruptcy Law Art. 112)",
    ),
    "bankruptcy_undated": (
        "破产财产，预计日期已过或未定，待案件下一步确定",
        "bankruptcy estate; the estimate has passed or is not set, the case's next step sets it",
    ),
    "allocated": (
        "划拨土地不属于破产财产，由政府依法收回（土地管理法第五十八条），收回日期未定",
        "allocated land is not part of the estate; the government takes it back "
        "(Land Administration Law Art. 58), on a date not yet set",
    ),
    "idle_recovery": (
        "闲置土地，依《闲置土地处置办法》第十四条无偿收回后可供",
        "idle land, on the market once recovered under MLR Order 53 Art. 14",
    ),
    "government_cause": (
        "因政府原因闲置（《闲置土地处置办法》第八条），按第十二条与使用权人协商处置，暂无可供日期",
        "idle through a government cause (MLR Order 53 Art. 8), disposed of with the holder "
        "under Art. 12; no date yet",
    ),
    "idle_undated": (
        "闲置土地，合同未约定开工日期，闲置期无法起算",
        "idle land whose contract sets no start date: the idle clock cannot start",
    ),
}

#: What the public sees of a parcel on its way back (README: "only a parcel and the date
#: it is expected back"): where it is and how big, never its status, name or holder.
PUBLIC_FIELDS = ("plot_no", "zone_code", "land_use_code", "area_m2", "area_mu")


@dataclass(frozen=True)
class ReturnRules:
    """The numbers of the computation (rules/land.toml, release.toml, matching.toml)."""

    available: tuple[str, ...]
    pipeline: tuple[str, ...]
    not_started_after_years: int
    stopped_for_years: int
    developed_share_below: float
    invested_share_below: float
    fee_after_years: int
    recovery_after_years: int
    fallback_to_supplied_on: bool
    days_after_recovery_eligible: int

    @classmethod
    def current(cls) -> ReturnRules:
        """The rules in force."""
        rules = get_rules()
        idle = rules["idle_land"]
        return cls(
            available=tuple(rules["matching"]["available_land_statuses"]),
            pipeline=tuple(rules["matching"]["pipeline_land_statuses"]),
            not_started_after_years=int(idle["not_started_after_years"]),
            stopped_for_years=int(idle["stopped_for_years"]),
            developed_share_below=float(idle["developed_share_below"]),
            invested_share_below=float(idle["invested_share_below"]),
            fee_after_years=int(idle["fee_after_years"]),
            recovery_after_years=int(idle["recovery_after_years"]),
            fallback_to_supplied_on=str(idle.get("clock_start_fallback", "supplied_on"))
            == "supplied_on",
            days_after_recovery_eligible=int(
                rules["release_pipeline"]["idle_recovery"]["days_after_recovery_eligible"]
            ),
        )


def idle_clock_days(cols: Mapping[str, np.ndarray], r: ReturnRules) -> dict[str, np.ndarray]:
    """The idle-land clock over arrays (day numbers, NaN = none): ``start``, ``idle_from``
    (idle by Art. 2), ``fee_from``, ``recovery_from`` (Art. 14) and ``branch`` (0 no
    clock, 1 never started, 2 started and stopped)."""
    agreed, supplied = cols["agreed_start_on"], cols["supplied_on"]
    never_started = np.isnan(cols["actual_start_on"])
    fallback = supplied if r.fallback_to_supplied_on else np.full(agreed.shape, np.nan)
    short = (np.nan_to_num(cols["developed_share"], nan=1.0) < r.developed_share_below) | (
        np.nan_to_num(cols["invested_share"], nan=1.0) < r.invested_share_below
    )
    start = np.where(
        never_started,
        np.where(np.isnan(agreed), fallback, agreed),
        np.where(short, cols["work_stopped_on"], np.nan),
    )
    branch = np.where(np.isnan(start), 0, np.where(never_started, 1, 2))
    idle_from = np.where(
        branch == 1,
        period_end_days(start, years=r.not_started_after_years),
        period_end_days(start, years=r.stopped_for_years),
    )
    return {
        "start": start,
        "idle_from": idle_from,
        "fee_from": period_end_days(start, years=r.fee_after_years),
        "recovery_from": period_end_days(start, years=r.recovery_after_years),
        "branch": branch,
    }


def return_days(
    cols: Mapping[str, np.ndarray], as_of: date, r: ReturnRules
) -> tuple[np.ndarray, np.ndarray]:
    """Expected return day (NaN = no date) and its basis (a ``BASIS`` key or None) per row."""
    today = day_number(as_of)
    status = np.asarray(cols["status"], object)
    n = len(status)
    # Only land of the pipeline statuses is on its way back (an application not yet
    # accepted has no estate: Bankruptcy Law Art. 30 counts it from the acceptance).
    in_case = (cols["in_case"] == 1.0) & np.isin(status, list(r.pipeline))
    allocated = cols["allocated"] == 1.0
    gov = cols["government_cause"] == 1.0
    case_on = cols["case_release_on"]
    recovery = idle_clock_days(cols, r)["recovery_from"]
    idle_on = np.maximum(recovery, today) + r.days_after_recovery_eligible
    available = np.isin(status, list(r.available))
    idle = status == "idle"
    expected = np.full(n, np.nan)
    basis = np.full(n, None, object)
    steps = (  # first match wins: (rows, date, basis)
        (available, np.full(n, today), "available"),
        (in_case & allocated, np.full(n, np.nan), "allocated"),
        (in_case & (case_on >= today), case_on, "bankruptcy"),
        (in_case, np.full(n, np.nan), "bankruptcy_undated"),
        (idle & gov, np.full(n, np.nan), "government_cause"),
        (idle & ~np.isnan(recovery), idle_on, "idle_recovery"),
        (idle, np.full(n, np.nan), "idle_undated"),
    )
    done = np.zeros(n, bool)
    for rows, when, code in steps:
        take = rows & ~done
        expected[take] = when[take]
        basis[take] = code
        done |= take
    return expected, basis


def input_arrays(rows: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """``INPUTS`` of parcel rows (dicts of Python values) as the arrays the rules read."""
    out: dict[str, np.ndarray] = {"status": np.array([r.get("status") for r in rows], object)}
    for c in DATE_INPUTS:
        out[c] = np.array(
            [np.nan if r.get(c) is None else day_number(r[c]) for r in rows], np.float64
        )
    for c in FLOAT_INPUTS:
        out[c] = np.array([np.nan if r.get(c) is None else float(r[c]) for r in rows])
    for c in BOOL_INPUTS:
        out[c] = np.array([np.nan if r.get(c) is None else float(bool(r[c])) for r in rows])
    return out


def expected_returns(
    rows: Sequence[Mapping[str, Any]], as_of: date, r: ReturnRules | None = None
) -> list[dict[str, Any]]:
    """Per parcel row (with ``INPUTS``): ``expected_on``, ``basis``, its words and the
    idle clock's dates (``idle_from``, ``fee_from``, ``recovery_from``, ``clock_start``)."""
    if not rows:
        return []
    r = r or ReturnRules.current()
    cols = input_arrays(rows)
    expected, basis = return_days(cols, as_of, r)
    clock = idle_clock_days(cols, r)
    out = []
    for i in range(len(rows)):
        code = basis[i]
        zh, en = BASIS.get(code, ("", "")) if code else ("", "")
        out.append(
            {
                "expected_on": day_of(expected[i]),
                "basis": code,
                "basis_zh": zh,
                "basis_en": en,
                "clock_start": day_of(clock["start"][i]),
                "clock_branch": int(clock["branch"][i]),
                "idle_from": day_of(clock["idle_from"][i]),
                "fee_from": day_of(clock["fee_from"][i]),
                "recovery_from": day_of(clock["recovery_from"][i]),
            }
        )
    return out


def expected_return(row: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    """``expected_returns`` of one parcel row."""
    return expected_returns([row], as_of)[0]


#: The inputs of given parcels (``:ids``), read from the one view.
INPUTS_SQL = (
    "SELECT parcel_id, " + ", ".join(INPUTS) + " FROM logic.parcel_return_source "
    "WHERE parcel_id = ANY(:ids)"
)


def parcel_returns(conn: Connection, ids: list[int], as_of: date) -> dict[int, dict[str, Any]]:
    """``expected_returns`` of the given parcels by id, their inputs read from the view."""
    rows = [dict(m) for m in conn.execute(text(INPUTS_SQL), {"ids": list(ids)}).mappings()]
    return {
        int(row["parcel_id"]): {**row, **ret}
        for row, ret in zip(rows, expected_returns(rows, as_of), strict=True)
    }


__all__ = [
    "BASIS",
    "INPUTS",
    "PUBLIC_FIELDS",
    "ReturnRules",
    "expected_return",
    "expected_returns",
    "idle_clock_days",
    "parcel_returns",
    "return_days",
]
