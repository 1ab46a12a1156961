"""Case numbers, the stage machine and the statutory deadlines on known dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection

from parkgis.errors import ConflictError, ValidationError
from parkgis.labels import codes
from parkgis.release.deadlines import (
    TRANSITIONS,
    case_deadlines,
    check_claims_deadline,
    check_transition,
    claims_window,
    parse_case_number,
)


def _case(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "stage": "application",
        "procedure": "liquidation",
        "applicant_kind": "debtor",
        "acceptance_extended": False,
        "applied_on": date(2024, 3, 1),
        "accepted_on": None,
        "announced_on": None,
        "claims_deadline_on": None,
        "first_meeting_on": None,
        "reorganisation_ruled_on": None,
        "plan_extended": False,
        "plan_submitted_on": None,
    }
    base.update(kw)
    return base


def test_case_numbers() -> None:
    assert parse_case_number("(2024)皖0604破1号") == {
        "year": 2024,
        "court_code": "皖0604",
        "kind": "破",
        "number": 1,
        "canonical": "(2024)皖0604破1号",
    }
    assert parse_case_number("（2023）皖0604破申12号", "application")["number"] == 12
    for bad in ("2024皖0604破1号", "(2024)皖0604破1", "(2024)皖0604破01号", "(24)皖0604破1号"):
        with pytest.raises(ValidationError):
            parse_case_number(bad)
    with pytest.raises(ValidationError) as exc:
        parse_case_number("(2024)皖0604破申1号", "case")
    assert "破申" in exc.value.message and exc.value.field == "case_no"
    with pytest.raises(ValidationError):
        parse_case_number("(2024)皖0604破1号", "application")


def test_acceptance_deadline_art10() -> None:
    d = {x["key"]: x for x in case_deadlines(_case(), date(2024, 3, 10))}
    assert d["acceptance"]["due_on"] == date(2024, 3, 16)
    assert d["acceptance"]["days_left"] == 6 and d["acceptance"]["status"] == "open"
    ext = case_deadlines(_case(acceptance_extended=True), date(2024, 4, 5))[0]
    assert ext["due_on"] == date(2024, 3, 31) and ext["status"] == "overdue"
    assert ext["days_overdue"] == 5
    creditor = case_deadlines(_case(applicant_kind="creditor"), date(2024, 3, 1))[0]
    assert creditor["due_on"] == date(2024, 3, 23)  # 5 + 7 + 10 days


def test_announcement_claims_and_first_meeting_with_month_end() -> None:
    case = _case(
        stage="claims_period",
        applied_on=date(2024, 11, 1),
        accepted_on=date(2024, 11, 5),
        announced_on=date(2024, 11, 30),
        case_no="(2024)皖0604破1号",
    )
    d = {x["key"]: x for x in case_deadlines(case, date(2024, 12, 1))}
    assert d["acceptance"]["status"] == "done"
    assert d["announcement"]["due_on"] == date(2024, 11, 30)
    assert d["announcement"]["status"] == "done"
    assert d["claims_period"]["latest_on"] == date(2025, 2, 28)  # 3 months from Nov 30
    assert d["claims_period"]["earliest_on"] == date(2024, 12, 30)
    assert d["claims_period"]["due_on"] == date(2025, 2, 28)
    assert d["first_meeting"]["due_on"] == date(2025, 3, 15)
    assert claims_window(date(2024, 1, 31))[1] == date(2024, 4, 30)
    check_claims_deadline(date(2024, 11, 30), date(2025, 2, 28))
    with pytest.raises(ValidationError):
        check_claims_deadline(date(2024, 11, 30), date(2025, 3, 1))
    with pytest.raises(ValidationError):
        check_claims_deadline(date(2024, 11, 30), date(2024, 12, 29))


def test_late_announcement_is_done_late() -> None:
    case = _case(stage="claims_period", accepted_on=date(2024, 1, 1), announced_on=date(2024, 2, 1))
    d = {x["key"]: x for x in case_deadlines(case, date(2024, 2, 2))}
    assert d["announcement"]["due_on"] == date(2024, 1, 26)
    assert d["announcement"]["status"] == "done_late"


def test_reorganisation_plan_art79_with_extension() -> None:
    case = _case(
        stage="first_meeting",
        procedure="reorganisation",
        accepted_on=date(2024, 8, 31),
        reorganisation_ruled_on=date(2024, 8, 31),
    )
    plan = [x for x in case_deadlines(case, date(2025, 3, 1)) if x["key"] == "reorganisation_plan"]
    assert plan[0]["due_on"] == date(2025, 2, 28) and plan[0]["status"] == "overdue"
    case["plan_extended"] = True
    plan = [x for x in case_deadlines(case, date(2025, 3, 1)) if x["key"] == "reorganisation_plan"]
    assert plan[0]["due_on"] == date(2025, 5, 31) and plan[0]["days_left"] == 91


def test_every_illegal_transition_is_refused_with_the_allowed_ones(conn: Connection) -> None:
    stages = codes.codes(conn, "case_stage")
    assert set(stages) == set(TRANSITIONS["liquidation"]), "a stage without transitions"
    refused = 0
    for procedure, table in TRANSITIONS.items():
        for stage in stages:
            for target in stages:
                if target in table[stage]:
                    check_transition(conn, procedure, stage, target)
                    continue
                with pytest.raises(ConflictError) as exc:
                    check_transition(conn, procedure, stage, target)
                assert exc.value.expected == list(table[stage])
                refused += 1
    assert refused > 150
    with pytest.raises(ConflictError) as exc:
        check_transition(conn, "liquidation", "accepted", "asset_disposal")
    # Stages and procedures read as words: 已受理 -> 财产变价 (破产清算), next 债权申报期.
    assert "已受理" in exc.value.message and "债权申报期" in exc.value.message
    assert "破产清算" in exc.value.message and "claims_period" not in exc.value.message
    assert "Claims declaration period" in exc.value.message_en
    with pytest.raises(ValidationError):
        check_transition(conn, "liquidation", "accepted", "nonsense")
