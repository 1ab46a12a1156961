"""Announcement periods of judicial auction rounds of estate land (法释〔2016〕18号)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection

from parkgis.errors import ValidationError
from parkgis.release import auctions
from parkgis.release._common import rules
from tests.release.helpers import advance, bankrupt_park, finish_tasks, to_first_meeting


def _in_disposal(conn: Connection) -> tuple[int, dict[str, Any]]:
    p = bankrupt_park(conn)
    cid = p["case"]["id"]
    to_first_meeting(conn, cid)
    finish_tasks(conn, cid, date(2024, 8, 20))
    advance(conn, cid, "asset_disposal", date(2024, 8, 21))
    lot = {
        "parcel_id": p["granted"],
        "appraisal_yuan": 1_000_000,
        "starting_price_yuan": 700_000,
        "announced_on": date(2024, 9, 1),
        "auction_on": date(2024, 10, 1),
    }
    return cid, lot


def test_rules_carry_the_articles_numbers() -> None:
    cfg = rules("judicial_auction")
    assert cfg["min_start_share_of_appraisal"] == 0.70  # Art. 10
    assert cfg["first_round_notice_days"] == 30  # Art. 12, real estate
    assert cfg["later_round_notice_days"] == 15  # Art. 26, real estate
    assert cfg["max_reduction_per_round"] == 0.20  # Art. 26
    assert cfg["negotiate_after_failed_rounds"] == 2  # Art. 26 para. 2


def test_first_round_needs_thirty_days(conn: Connection) -> None:
    cid, lot = _in_disposal(conn)
    with pytest.raises(ValidationError) as exc:
        auctions.add_auction(conn, cid, {**lot, "announced_on": date(2024, 9, 2)})
    assert exc.value.field == "auction_on" and exc.value.found == 29
    assert "30" in exc.value.message and "第十二条" in exc.value.message


def test_later_round_needs_fifteen_days_only(conn: Connection) -> None:
    cid, lot = _in_disposal(conn)
    auctions.add_auction(conn, cid, {**lot, "result": "failed"})
    second = {
        **lot,
        "starting_price_yuan": 560_000,
        "announced_on": date(2024, 10, 10),
        "auction_on": date(2024, 10, 24),
    }
    with pytest.raises(ValidationError) as exc:  # 14 days
        auctions.add_auction(conn, cid, second)
    assert exc.value.found == 14 and "第二十六条" in exc.value.message
    stored = auctions.add_auction(conn, cid, {**second, "auction_on": date(2024, 10, 25)})
    assert stored["round"] == 2 and (stored["auction_on"] - stored["announced_on"]).days == 15
