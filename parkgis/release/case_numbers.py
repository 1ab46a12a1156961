"""Bankruptcy case numbers (案号): one canonical form, one pattern, courts from the list.

A number reads ``(2024)皖0604破1号``: the year in brackets, the court code (法院代字), the
case type (破申 before acceptance, 破 after), a number without leading zero and 号
(最高人民法院关于人民法院案件案号的若干规定, 法〔2015〕137号, Arts 3-6; DOMAIN.md §2).
Clerks type it with full-width digits or brackets, 〔〕 or 【】, spaces: every number is
normalised first (:func:`normalise_case_number`: NFKC, brackets to half-width ``()``, no
white space), so one case cannot be registered twice in two spellings. The pattern is
written once (:func:`sql_pattern`); the database's CHECKs on ``bankruptcy_case`` are the
same text (tests/release/test_case_numbers.py compares them). The court code must be a
row of the ``court`` table, and the court named on the case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from parkgis.errors import ConflictError, ValidationError

#: Case type (类型代字) of each kind of number.
KIND_MARK = {"case": "破", "application": "破申"}
FIELD = {"case": "case_no", "application": "application_no"}
EXAMPLE = {"case": "(2024)皖0604破1号", "application": "(2024)皖0604破申1号"}

_YEAR = r"\(([0-9]{4})\)"
_COURT = r"([^0-9\s]{1,2}[0-9]{2,4})"
_NUMBER = r"([1-9][0-9]*)号"
_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")"})
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
_ANY_KIND = re.compile(f"^{_YEAR}{_COURT}(破申|破){_NUMBER}$", re.ASCII)


def sql_pattern(kind: str) -> str:
    """The one pattern of a ``kind`` ('case' or 'application') number, as the CHECK has it."""
    return f"^{_YEAR}{_COURT}{KIND_MARK[kind]}{_NUMBER}$"


def normalise_case_number(value: str | None) -> str | None:
    """The canonical spelling: NFKC, brackets to ``()``, no white space; blank -> None."""
    if value is None:
        return None
    canonical = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(value)).translate(_BRACKETS))
    return canonical or None


def parse_case_number(value: str | None, kind: str = "case") -> dict[str, Any]:
    """Split a number (normalised first) into year, court code, type and number.

    ``kind`` 'application' expects 破申 (before acceptance), 'case' expects 破.
    """
    field, example, want = FIELD[kind], EXAMPLE[kind], KIND_MARK[kind]
    canonical = normalise_case_number(value) or ""
    m = _ANY_KIND.match(canonical)
    if m is None:
        raise ValidationError(
            message=f"案号格式错误：“{value}”，应为（年份）法院代字+{want}+序号+号，"
            f"序号不以 0 开头，如 {example}",
            message_en=f"malformed case number {value!r}; expected like {example}",
            field=field,
            expected=example,
            found=value,
        )
    year, court_code, mark, number = m.groups()
    if mark != want:
        raise ValidationError(
            message=f"{canonical} 是{'破产申请（破申）' if mark == '破申' else '已受理（破）'}"
            "案号；受理前使用“破申”案号，受理后使用“破”字案号",
            message_en=f"{canonical} is a "
            f"{'pre-acceptance (破申)' if mark == '破申' else 'accepted (破)'}"
            f" number; expected a {want} number here",
            field=field,
            expected=example,
            found=value,
        )
    if not 1990 <= int(year) <= 2100:
        raise ValidationError(
            message=f"案号年份 {year} 不合理",
            message_en=f"implausible year {year} in the case number",
            field=field,
            expected="1990-2100",
            found=int(year),
        )
    return {
        "year": int(year),
        "court_code": court_code,
        "kind": mark,
        "number": int(number),
        "canonical": canonical,
    }


def courts(conn: Connection) -> dict[str, str]:
    """The court list: code (法院代字) -> court name."""
    rows = conn.execute(text("SELECT code, label_zh FROM court ORDER BY code"))
    return {str(code): str(name) for code, name in rows}


def checked_case_number(
    conn: Connection, value: str | None, kind: str, court: str | None
) -> str | None:
    """The canonical number, refused unless well formed and of the court named (if any)."""
    if normalise_case_number(value) is None:
        return None
    parsed = parse_case_number(value, kind)
    known = courts(conn)
    code, field = parsed["court_code"], FIELD[kind]
    listing = "、".join(f"{c} {n}" for c, n in known.items())
    if code not in known:
        raise ValidationError(
            message=f"案号 {parsed['canonical']} 的法院代字“{code}”不在法院代字表中；"
            f"已登记的法院：{listing}",
            message_en=f"court code {code!r} of {parsed['canonical']} is not in the court list; "
            f"known: {', '.join(known)}",
            field=field,
            expected=sorted(known),
            found=code,
        )
    if court is not None and known[code] != court:
        mine = [c for c, n in known.items() if n == court]
        raise ValidationError(
            message=f"案号 {parsed['canonical']} 的法院代字“{code}”属于{known[code]}，"
            f"与本案法院“{court}”不符"
            + (f"（{court}的代字为 {mine[0]}）" if mine else f"；已登记的法院：{listing}"),
            message_en=f"court code {code!r} of {parsed['canonical']} is {known[code]}'s, "
            f"not that of the case's court {court!r}",
            field=field,
            expected=mine[0] if mine else sorted(known),
            found=code,
        )
    return str(parsed["canonical"])


def refuse_taken(conn: Connection, numbers: dict[str, str | None]) -> None:
    """ConflictError when another case (in the caller's scope) has one of ``numbers``."""
    for column, value in numbers.items():
        # column is one of FIELD's values, never user input.
        taken = (
            value
            and conn.execute(
                text(f"SELECT 1 FROM bankruptcy_case WHERE {column} = :v"), {"v": value}
            ).scalar()
        )
        if taken:
            raise _taken(column, value)


@contextmanager
def unique_case_numbers(conn: Connection, numbers: dict[str, str | None]) -> Iterator[None]:
    """A case or application number another case already has: ConflictError (409).

    The look-up before the write (:func:`refuse_taken`) sees only the cases of the
    caller's scope (row-level security): another court's case with the same number shows
    up only here, as the unique constraint. The write runs in a savepoint, so the
    transaction stays usable.
    """
    try:
        with conn.begin_nested():
            yield
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        column = {
            "bankruptcy_case_case_no_key": "case_no",
            "bankruptcy_case_application_no_key": "application_no",
        }.get(str(constraint))
        if column is None:
            raise
        raise _taken(column, numbers.get(column)) from None


def _taken(column: str, value: str | None) -> ConflictError:
    return ConflictError(
        message=f"案号 {value} 已存在（全角、半角和空格不同的写法视为同一案号）",
        message_en=f"{value} already exists (spellings differing in width or spaces are one)",
        field=column,
        found=value,
    )
