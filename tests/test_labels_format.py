"""Values as people read them (parkgis.labels.format)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from parkgis.labels import format as fmt


@pytest.mark.parametrize(
    ("func", "value", "lang", "expected"),
    [
        (fmt.yuan, 1714000.0, "zh", "1,714,000 元"),
        (fmt.wan, 1714000, "zh", "171.4 万元"),
        (fmt.wan, 1714000, "en", "CNY 1.714 million"),
        (fmt.money, 9999, "zh", "9,999 元"),
        (fmt.money, 10000, "zh", "1 万元"),
        (fmt.mu, 10000, "zh", "15 亩"),
        (fmt.m2, 8333.3, "en", "8,333 m²"),
        (fmt.land_area, 10000, "zh", "15 亩（10,000 平方米）"),
        (fmt.date, dt.date(2026, 12, 3), "zh", "2026年12月3日"),
        (fmt.date, "2024-02-29", "en", "29 Feb 2024"),
        (fmt.datetime, dt.datetime(2026, 1, 2, 9, 5), "zh", "2026年1月2日 09:05"),
        (fmt.days_left, 3, "zh", "还剩 3 天"),
        (fmt.days_left, 0, "zh", "今天到期"),
        (fmt.days_left, -5, "en", "5 days overdue"),
        (fmt.percent, 0.255, "zh", "25.5%"),
        (fmt.yes_no, True, "zh", "是"),
    ],
)
def test_values_read_as_offices_write_them(func, value, lang, expected) -> None:
    assert func(value, lang=lang) == expected


@pytest.mark.parametrize("value", [None, math.nan, "", "  "])
def test_missing_values_are_words_never_none_or_nan(value) -> None:
    for func in (fmt.yuan, fmt.wan, fmt.mu, fmt.land_area, fmt.date, fmt.number, fmt.days_left):
        assert func(value) == "未填写"
        assert func(value, lang="en") == "not recorded"
