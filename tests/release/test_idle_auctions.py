"""Idle-land clocks (MLR Order 53) and auction rules on hand-made parcels."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, text

from parkgis.errors import ConflictError, ValidationError
from parkgis.release import auctions, idle, pipeline
from tests import park
from tests.release.helpers import advance, bankrupt_park, finish_tasks, to_first_meeting


def _clocks(conn: Connection, on: date) -> dict[str, dict]:
    return {c["plot_no"]: c for c in idle.idle_clocks(conn, on)}


def test_idle_fee_and_recovery(conn: Connection) -> None:
    # Found idle months after the year from the agreed start was up: the clocks run
    # from the contract (Art. 2, 14), not from the day it was found idle.
    found = {"idle_since": date(2023, 5, 10), "agreed_start_on": date(2022, 2, 28)}
    park.parcel(conn, "I-1", 0, 0, status="idle", land_price_yuan=2_000_000, **found)
    park.parcel(
        conn,
        "I-2",
        200,
        0,
        status="idle",
        land_price_yuan=2_000_000,
        government_cause="规划调整（第八条）",
        **found,
    )
    park.parcel(conn, "I-3", 400, 0, status="in_use", agreed_start_on=date(2023, 1, 1))
    park.parcel(
        conn,
        "OK-1",
        600,
        0,
        status="in_use",
        agreed_start_on=date(2023, 1, 1),
        actual_start_on=date(2023, 2, 1),
    )
    c = _clocks(conn, date(2023, 2, 27))
    assert not c["I-1"]["fee_due"] and c["I-1"]["fee_due_from"] == date(2023, 2, 28)
    c = _clocks(conn, date(2023, 2, 28))
    assert c["I-1"]["fee_due"] and c["I-1"]["fee_yuan"] == 400000.0
    assert not c["I-1"]["recovery_eligible"]
    assert not c["I-2"]["fee_due"] and c["I-2"]["government_cause_applies"]
    assert "I-3" not in c  # agreed start 2023-01-01: not yet a year
    c = _clocks(conn, date(2024, 2, 29))
    assert c["I-1"]["recovery_eligible"] and c["I-1"]["recovery_eligible_from"] == date(2024, 2, 28)
    assert not c["I-2"]["recovery_eligible"]
    assert c["I-3"]["candidate"] and c["I-3"]["clock_start_on"] == date(2023, 1, 1)
    assert c["I-3"]["idle_since"] is None  # not yet found idle: a fact of record
    assert c["I-3"]["fee_due"] and c["I-3"]["fee_yuan"] is None  # no land price on record
    assert "OK-1" not in c
    xlsx = idle.ledger_xlsx(conn, list(c.values()), date(2024, 2, 29))
    assert xlsx[:2] == b"PK"


def test_disposal_rate_and_release_of_idle_land(conn: Connection) -> None:
    old = {
        "status": "idle",
        "idle_since": date(2021, 1, 1),
        "status_since": date(2021, 1, 1),
        "agreed_start_on": date(2019, 10, 1),
    }
    a = park.parcel(conn, "D-1", 0, 0, 100, **old)
    park.parcel(conn, "D-2", 200, 0, 100, **old)
    park.parcel(
        conn, "D-3", 400, 0, 200, status="approved_unsupplied", status_since=date(2020, 1, 1)
    )
    supply = {s["plot_no"]: s for s in pipeline.upcoming_supply(conn, date(2024, 6, 1))}
    assert supply["D-1"]["reason"] == "idle_recovery" and supply["D-1"]["recovery_eligible"]
    assert supply["D-1"]["expected_release_on"] == date(2024, 11, 28)  # today + 180 days
    out = pipeline.release_idle_parcel(conn, a, date(2024, 6, 1), 1)
    assert out["status"] == "released" and out["version"] == 2
    rate = idle.disposal_rate(conn, 2024)
    assert rate["disposed_parcels"] == 1
    assert rate["rate"] == pytest.approx(15 / (15 + 15 + 60), abs=1e-3)
    assert rate["meets_target"] is True
    assert "D-1" not in {s["plot_no"] for s in pipeline.upcoming_supply(conn, date(2024, 6, 2))}


def test_auction_rules(conn: Connection) -> None:
    p = bankrupt_park(conn)
    cid = p["case"]["id"]
    lot = {
        "parcel_id": p["granted"],
        "appraisal_yuan": 1_000_000,
        "starting_price_yuan": 700_000,
        "announced_on": date(2024, 9, 1),
        "auction_on": date(2024, 10, 1),
    }
    with pytest.raises(ConflictError):  # not in asset disposal yet
        auctions.add_auction(conn, cid, lot)
    to_first_meeting(conn, cid)
    finish_tasks(conn, cid, date(2024, 8, 20))
    advance(conn, cid, "asset_disposal", date(2024, 8, 21))
    with pytest.raises(ValidationError) as exc:
        auctions.add_auction(conn, cid, {**lot, "starting_price_yuan": 690_000})
    assert exc.value.expected == 700000.0
    with pytest.raises(ValidationError):
        auctions.add_auction(conn, cid, {**lot, "auction_on": date(2024, 9, 20)})
    with pytest.raises(ConflictError):  # allocated land is outside the estate
        auctions.add_auction(conn, cid, {**lot, "parcel_id": p["allocated"]})
    auctions.add_auction(conn, cid, {**lot, "result": "failed"})
    second = {**lot, "announced_on": date(2024, 10, 5), "auction_on": date(2024, 11, 5)}
    with pytest.raises(ValidationError) as exc:
        auctions.add_auction(conn, cid, {**second, "starting_price_yuan": 550_000})
    assert exc.value.expected == 560000.0
    auctions.add_auction(conn, cid, {**second, "starting_price_yuan": 560_000, "result": "failed"})
    third = {
        **second,
        "announced_on": date(2024, 11, 10),
        "auction_on": date(2024, 12, 20),
        "starting_price_yuan": 500_000,
    }
    with pytest.raises(ValidationError) as exc:
        auctions.add_auction(conn, cid, third)
    assert exc.value.field == "mode"
    sold = auctions.add_auction(
        conn,
        cid,
        {
            **third,
            "mode": "negotiated",
            "result": "sold",
            "sold_price_yuan": 520_000,
            "buyer": "新材料公司",
        },
    )
    assert sold["round"] == 3
    rounds = conn.execute(
        text("SELECT count(*) FROM auction WHERE case_id = :c"), {"c": cid}
    ).scalar()
    assert rounds == 3
