"""Periods of years, months and days counted as the Civil Code counts them.

民法典 Art. 201: a period counted in years, months or days starts on the day after the
event (the day of the event is not counted). Art. 202: a period in years or months ends on
the corresponding day of its last month; where that month has no such day, on the month's
last day. Art. 203 (the period ends at 24:00 of its last day; a last day that is a public
holiday rolls to the next working day) is not applied: there is no holiday calendar yet.

So "one year from 2024-02-29" ends on 2025-02-28, "one month from 2024-01-31" on
2024-02-29, and "15 days from 2024-03-01" on 2024-03-16. Every period of parkgis (the
idle-land clocks of MLR Order 53, the deadlines of the Enterprise Bankruptcy Law) is
counted here; ``period_end_days`` does the same on numpy day numbers for the matching
engine, and the tests hold the two to each other. PostgreSQL's ``date + interval 'N
months'`` follows the same rule.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta

import numpy as np

__all__ = [
    "add_days",
    "add_months",
    "add_years",
    "day_number",
    "day_of",
    "period_end",
    "period_end_days",
]


def add_months(start: date, months: int) -> date:
    """The corresponding day ``months`` later, or that month's last day (Art. 202)."""
    index = start.year * 12 + (start.month - 1) + int(months)
    year, month0 = divmod(index, 12)
    last = _cal.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last))


def add_years(start: date, years: int) -> date:
    """The corresponding day ``years`` later; 29 February falls on 28 February (Art. 202)."""
    return add_months(start, 12 * int(years))


def add_days(start: date, days: int) -> date:
    """The last day of a period of ``days`` days from ``start`` (Art. 201: day one is the
    day after ``start``, so the period ends ``days`` days later)."""
    return start + timedelta(days=int(days))


def period_end(start: date, years: int = 0, months: int = 0, days: int = 0) -> date:
    """Last day of a period of ``years`` + ``months`` (Art. 202), then ``days`` (Art. 201)."""
    return add_days(add_months(start, 12 * int(years) + int(months)), days)


_EPOCH = np.datetime64("1970-01-01", "D")


def period_end_days(start_days: np.ndarray, years: int = 0, months: int = 0) -> np.ndarray:
    """``period_end`` over an array of day numbers since 1970-01-01 (NaN stays NaN)."""
    start = np.asarray(start_days, dtype=np.float64)
    out = np.full(start.shape, np.nan)
    has = ~np.isnan(start)
    if not has.any():
        return out
    day = start[has].astype(np.int64).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    dom = (day - month.astype("datetime64[D]")).astype(np.int64)  # 0-based day of month
    target = month + np.timedelta64(12 * int(years) + int(months), "M")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]")
              - target.astype("datetime64[D]")).astype(np.int64)  # fmt: skip
    end = target.astype("datetime64[D]") + np.minimum(dom, length - 1)
    out[has] = (end - _EPOCH).astype(np.float64)
    return out


def day_number(day: date) -> float:
    """A date as days since 1970-01-01 (how numpy columns hold dates)."""
    return float((day - date(1970, 1, 1)).days)


def day_of(number: float) -> date | None:
    """The date of a day number (None for NaN)."""
    return None if np.isnan(number) else date(1970, 1, 1) + timedelta(days=int(number))
