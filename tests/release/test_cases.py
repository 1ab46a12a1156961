"""Bankruptcy cases end to end on a hand-made park: stages, blocking tasks, release."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, text

from parkgis.errors import ConflictError, StaleVersionError, ValidationError
from parkgis.release import cases, pipeline
from tests.release.helpers import advance, bankrupt_park, finish_tasks, to_first_meeting


def test_case_created_at_application(conn: Connection) -> None:
    p = bankrupt_park(conn)
    case = p["case"]
    assert case["stage"] == "application" and case["allowed_next"] == ["accepted", "closed"]
    assert case["deadlines"][0]["due_on"] == date(2024, 3, 16)
    allocated = next(x for x in case["parcels"] if x["plot_no"] == "LS-02")
    assert allocated["in_estate"] is False and "划拨" in allocated["outside_estate_reason"]
    assert case["expected_release_on"] is not None


def test_bad_case_numbers_refused(conn: Connection) -> None:
    p = bankrupt_park(conn)
    with pytest.raises(ValidationError):
        cases.create_case(
            conn,
            debtor_firm_id=p["firm"],
            court="x",
            procedure="liquidation",
            applied_on=date(2024, 1, 1),
            application_no="(2024)皖0604破4号",
        )
    with pytest.raises(ValidationError) as exc:
        advance(conn, p["case"]["id"], "accepted", date(2024, 3, 10))
    assert exc.value.field == "case_no"


def test_acceptance_creates_tasks_and_marks_estate(conn: Connection) -> None:
    p = bankrupt_park(conn)
    case = advance(
        conn, p["case"]["id"], "accepted", date(2024, 3, 10), case_no="(2024)皖0604破3号"
    )
    assert case["case_no"] == "(2024)皖0604破3号" and case["accepted_on"] == date(2024, 3, 10)
    assert len(case["tasks"]) >= 8
    status = dict(conn.execute(text("SELECT plot_no, status FROM parcel")).all())
    assert status == {"LS-01": "bankruptcy_estate", "LS-02": "in_use"}
    ann = next(d for d in case["deadlines"] if d["key"] == "announcement")
    assert ann["due_on"] == date(2024, 4, 4)


def test_illegal_transition_and_stale_version(conn: Connection) -> None:
    p = bankrupt_park(conn)
    cid = p["case"]["id"]
    with pytest.raises(ConflictError) as exc:
        advance(conn, cid, "asset_disposal", date(2024, 3, 10))
    assert exc.value.expected == ["accepted", "closed"]
    with pytest.raises(StaleVersionError) as stale:
        cases.advance_case(
            conn, cid, "accepted", date(2024, 3, 10), 99, {"case_no": "(2024)皖0604破3号"}
        )
    assert stale.value.expected == p["case"]["version"]


def test_claims_deadline_outside_art45_refused(conn: Connection) -> None:
    p = bankrupt_park(conn)
    cid = p["case"]["id"]
    advance(conn, cid, "accepted", date(2024, 3, 10), case_no="(2024)皖0604破3号")
    with pytest.raises(ValidationError) as exc:
        advance(conn, cid, "claims_period", date(2024, 3, 25), claims_deadline_on=date(2024, 7, 1))
    assert exc.value.expected == ["2024-04-24", "2024-06-25"]


def test_blocking_task_holds_case_back(conn: Connection) -> None:
    p = bankrupt_park(conn)
    cid = p["case"]["id"]
    to_first_meeting(conn, cid)
    with pytest.raises(ConflictError) as exc:
        advance(conn, cid, "asset_disposal", date(2024, 8, 1))
    assert "解除查封" in exc.value.message
    assert {d["kind"] for d in exc.value.details} >= {"lift_seizure", "worker_resettlement"}
    before = pipeline.refresh_expected_release(conn, cid, date(2024, 8, 1))
    finish_tasks(conn, cid, date(2024, 8, 20))
    after = pipeline.refresh_expected_release(conn, cid, date(2024, 8, 20))
    assert before is not None and after is not None and after <= before
    case = advance(conn, cid, "asset_disposal", date(2024, 8, 21))
    assert case["stage"] == "asset_disposal"


def test_closing_with_land_sold_releases_it_with_history(conn: Connection) -> None:
    p = bankrupt_park(conn)
    cid = p["case"]["id"]
    to_first_meeting(conn, cid)
    finish_tasks(conn, cid, date(2024, 8, 20))
    advance(conn, cid, "asset_disposal", date(2024, 8, 21))
    advance(conn, cid, "distribution", date(2024, 12, 1))
    conn.execute(text("SELECT set_config('parkgis.actor', 'court-clerk', true)"))
    case = advance(conn, cid, "closed", date(2025, 1, 10), closing_outcome="sold")
    assert case["expected_release_on"] == date(2025, 1, 10)
    assert case["allowed_next"] == []
    rows = conn.execute(text("SELECT status, status_since FROM parcel ORDER BY plot_no")).all()
    assert rows[0] == ("released", date(2025, 1, 10))
    actor = conn.execute(
        text(
            "SELECT actor FROM history WHERE table_name = 'parcel' AND after->>'status' = "
            "'released' AND (row_key->>'id')::bigint = :p"
        ),
        {"p": p["granted"]},
    ).scalar()
    assert actor == "court-clerk"
    events = [e["stage_to"] for e in case["events"]]
    assert events[0] == "application" and events[-1] == "closed"
