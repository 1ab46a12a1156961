"""How values read to a person, in Chinese (``zh``, the default) or English (``en``).

Chinese offices write money in 元 with thousands separators, and large sums in 万元
(1 万元 = 10 000 元); land in 亩 (1 亩 = 10 000/15 m², DOMAIN §1) and buildings in m²;
dates as ``2026年12月3日``. A missing value is a word (``未填写`` / ``not recorded``),
never ``None`` or ``nan``.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Literal

Lang = Literal["zh", "en"]

#: Square metres in one mu (亩): 10 000 / 15 (DOMAIN §1).
M2_PER_MU = 10_000 / 15
#: Yuan in one 万元.
YUAN_PER_WAN = 10_000

_MISSING = {"zh": "未填写", "en": "not recorded"}
_YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT, pandas NA and the empty string."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    try:  # pandas NA / NaT without importing pandas here
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def missing(lang: Lang = "zh") -> str:
    """The word for a value that was not recorded."""
    return _MISSING[lang]


def number(value: object, digits: int = 0, lang: Lang = "zh") -> str:
    """A number with thousands separators: ``1,714,000`` or ``2.35`` (``digits`` decimals).

    Trailing zeros after the point are dropped (``2.50`` reads ``2.5``).
    """
    if is_missing(value):
        return missing(lang)
    x = float(value)  # type: ignore[arg-type]
    text = f"{x:,.{digits}f}"
    if digits and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def yes_no(value: object, lang: Lang = "zh") -> str:
    """是/否 (yes/no); a missing value reads as not recorded."""
    if is_missing(value):
        return missing(lang)
    yes, no = _YES_NO[lang]
    return yes if value else no


def yuan(value: object, lang: Lang = "zh", digits: int = 0) -> str:
    """An amount in 元 with separators: ``1,714,000 元`` / ``CNY 1,714,000``."""
    if is_missing(value):
        return missing(lang)
    text = number(value, digits, lang)
    return f"{text} 元" if lang == "zh" else f"CNY {text}"


def wan(value_yuan: object, lang: Lang = "zh", digits: int = 2) -> str:
    """An amount given in 元, written in 万元: ``171.4 万元`` / ``CNY 1.714 million``."""
    if is_missing(value_yuan):
        return missing(lang)
    x = float(value_yuan)  # type: ignore[arg-type]
    if lang == "zh":
        return f"{number(x / YUAN_PER_WAN, digits, lang)} 万元"
    return f"CNY {number(x / 1_000_000, digits + 1, lang)} million"


def money(value_yuan: object, lang: Lang = "zh") -> str:
    """An amount as an office writes it: 万元 from 10 000 元 up, 元 below."""
    if is_missing(value_yuan):
        return missing(lang)
    x = float(value_yuan)  # type: ignore[arg-type]
    if abs(x) >= YUAN_PER_WAN:
        return wan(x, lang)
    return yuan(x, lang)


def mu(area_m2: object, lang: Lang = "zh", digits: int = 2) -> str:
    """An area given in m², written in 亩: ``12.5 亩`` / ``12.5 mu``."""
    if is_missing(area_m2):
        return missing(lang)
    value = number(float(area_m2) / M2_PER_MU, digits, lang)  # type: ignore[arg-type]
    return f"{value} 亩" if lang == "zh" else f"{value} mu"


def m2(area_m2: object, lang: Lang = "zh", digits: int = 0) -> str:
    """An area in square metres: ``8,333 平方米`` / ``8,333 m²``."""
    if is_missing(area_m2):
        return missing(lang)
    value = number(area_m2, digits, lang)
    return f"{value} 平方米" if lang == "zh" else f"{value} m²"


def land_area(area_m2: object, lang: Lang = "zh") -> str:
    """Land as offices state it: mu first, square metres beside (``12.5 亩（8,333 平方米）``)."""
    if is_missing(area_m2):
        return missing(lang)
    if lang == "zh":
        return f"{mu(area_m2, lang)}（{m2(area_m2, lang)}）"
    return f"{mu(area_m2, lang)} ({m2(area_m2, lang)})"


def date(value: object, lang: Lang = "zh") -> str:
    """A date as people write it: ``2026年12月3日`` / ``3 Dec 2026``.

    Accepts a date, a datetime (its date) or an ISO string.
    """
    if is_missing(value):
        return missing(lang)
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        to_date = getattr(value, "date", None)  # pandas Timestamp
        if to_date is None:
            raise TypeError(f"not a date: {value!r}")
        value = to_date()
    assert isinstance(value, dt.date)
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def datetime(value: object, lang: Lang = "zh") -> str:
    """A moment to the minute: ``2026年12月3日 14:05`` / ``3 Dec 2026 14:05``."""
    if is_missing(value):
        return missing(lang)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return f"{date(value, lang)} {value:%H:%M}"


def days(value: object, lang: Lang = "zh") -> str:
    """A count of days: ``12 天`` / ``12 days``."""
    if is_missing(value):
        return missing(lang)
    n = int(value)  # type: ignore[call-overload]
    return f"{n} 天" if lang == "zh" else f"{n} day" + ("" if abs(n) == 1 else "s")


def days_left(value: object, lang: Lang = "zh") -> str:
    """Days until a deadline: ``还剩 3 天``, ``今天到期``, ``逾期 5 天`` (and English)."""
    if is_missing(value):
        return missing(lang)
    n = int(value)  # type: ignore[call-overload]
    if lang == "zh":
        return f"还剩 {n} 天" if n > 0 else ("今天到期" if n == 0 else f"逾期 {-n} 天")
    if n > 0:
        return f"{days(n, lang)} left"
    return "due today" if n == 0 else f"{days(-n, lang)} overdue"


def percent(value: object, lang: Lang = "zh", digits: int = 1) -> str:
    """A share given as a fraction (0.25), written ``25%``."""
    if is_missing(value):
        return missing(lang)
    return f"{number(float(value) * 100, digits, lang)}%"  # type: ignore[arg-type]
