"""Values typed by a person (command-line options, form fields), parsed with a clear error.

A date or number that cannot be read is a :class:`~parkgis.errors.ValidationError` naming
the option or field, what was expected and what was found, in Chinese and English: never
a ``ValueError`` traceback.
"""

from __future__ import annotations

from datetime import date


def parse_date(value: str | date | None, field: str) -> date | None:
    """``YYYY-MM-DD`` as a real calendar date (2026-02-30 and 2026-13-03 are refused)."""
    from parkgis.errors import ValidationError

    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            message=f"{field} 的日期“{text}”无效：应为真实存在的日期，格式 YYYY-MM-DD，"
            "如 2026-12-03",
            message_en=f"{field}: {text!r} is not a date; expected a real calendar date "
            "YYYY-MM-DD, e.g. 2026-12-03",
            field=field,
            expected="YYYY-MM-DD",
            found=text,
        ) from None


def parse_pairs(items: list[str], field: str) -> dict[str, str]:
    """``key=value`` items (repeatable options) as a dict."""
    from parkgis.errors import ValidationError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                message=f"{field} 应写成 字段=值（如 case_no=(2024)皖0604破1号），实际为“{item}”",
                message_en=f"{field} takes key=value (e.g. case_no=...); found {item!r}",
                field=field,
                expected="key=value",
                found=item,
            )
        out[key.strip()] = value
    return out
