"""One calendar rule for periods (Civil Code Arts 201-202), on leap days and month ends."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import Connection, text

from parkgis.calendar import (
    add_days,
    add_months,
    add_years,
    day_number,
    day_of,
    period_end,
    period_end_days,
)


@pytest.mark.parametrize(
    ("start", "years", "months", "end"),
    [
        (date(2024, 2, 29), 1, 0, date(2025, 2, 28)),  # leap day: no 29 Feb next year
        (date(2024, 2, 29), 4, 0, date(2028, 2, 29)),  # ... but four years on there is
        (date(2024, 2, 29), 2, 0, date(2026, 2, 28)),
        (date(2023, 2, 28), 1, 0, date(2024, 2, 28)),  # the 28th stays the 28th
        (date(2024, 1, 31), 0, 1, date(2024, 2, 29)),  # month end, leap year
        (date(2023, 1, 31), 0, 1, date(2023, 2, 28)),
        (date(2024, 3, 31), 0, 1, date(2024, 4, 30)),
        (date(2024, 11, 30), 0, 3, date(2025, 2, 28)),  # across a year end
        (date(2024, 12, 31), 0, 2, date(2025, 2, 28)),
        (date(2024, 12, 31), 1, 0, date(2025, 12, 31)),  # year end
        (date(2025, 12, 15), 0, 1, date(2026, 1, 15)),
        (date(2024, 8, 31), 0, 6, date(2025, 2, 28)),
    ],
)
def test_period_ends_on_the_corresponding_day_or_the_month_end(
    start: date, years: int, months: int, end: date
) -> None:
    assert period_end(start, years=years, months=months) == end
    assert add_months(start, 12 * years + months) == end
    if months == 0:
        assert add_years(start, years) == end


def test_days_do_not_count_the_first_day() -> None:
    assert add_days(date(2024, 3, 1), 15) == date(2024, 3, 16)  # Art. 201
    assert add_days(date(2024, 12, 25), 15) == date(2025, 1, 9)
    assert add_days(date(2024, 2, 14), 15) == date(2024, 2, 29)


def _every_day(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def test_the_array_form_agrees_with_the_scalar_form_on_every_day() -> None:
    days = _every_day(date(2023, 1, 1), date(2028, 12, 31))
    numbers = np.array([day_number(d) for d in days] + [np.nan])
    for years, months in ((1, 0), (2, 0), (0, 1), (0, 3), (0, 6), (4, 0)):
        got = period_end_days(numbers, years=years, months=months)
        assert np.isnan(got[-1])
        want = [period_end(d, years=years, months=months) for d in days]
        assert [day_of(x) for x in got[:-1]] == want


def test_postgresql_counts_periods_the_same_way(conn: Connection) -> None:
    """The SQL side (date + interval) follows the same Art. 202 rule as parkgis.calendar."""
    days = _every_day(date(2023, 12, 1), date(2025, 3, 31))
    for years, months in ((1, 0), (0, 1), (0, 3)):
        rows = conn.execute(
            text(
                "SELECT (d + make_interval(years => :y, months => :m))::date "
                "FROM unnest(CAST(:days AS date[])) AS d"
            ),
            {"days": days, "y": years, "m": months},
        ).scalars()
        assert list(rows) == [period_end(d, years=years, months=months) for d in days]
