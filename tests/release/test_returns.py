"""Idle-land clocks from the contract (MLR Order 53 Art. 2, 14) and one date of return.

Hand-made parcels whose dates are known: the fee and recovery clocks run from the agreed
start (or the contract's effect, or the day work stopped), never from the day the land
was found idle; the pipeline, the ledger, matching and the site page give one date.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, text

from parkgis.access import ANONYMOUS
from parkgis.matching import match
from parkgis.matching.site import site_detail
from parkgis.release import idle, pipeline
from tests import park


def _clocks(conn: Connection, on: date) -> dict[str, dict]:
    return {c["plot_no"]: c for c in idle.idle_clocks(conn, on)}


def test_clocks_run_from_the_agreed_start_not_from_the_day_found_idle(conn: Connection) -> None:
    park.parcel(
        conn, "C-1", 0, 0, status="idle", agreed_start_on=date(2022, 3, 1),
        idle_since=date(2023, 6, 15), land_price_yuan=1_000_000,
    )  # fmt: skip
    c = _clocks(conn, date(2024, 3, 1))["C-1"]
    assert c["recovery_eligible"]  # by law on 2024-03-01, whatever day it was found idle
    assert c["recovery_eligible_from"] == date(2024, 3, 1)
    assert c["fee_due_from"] == date(2023, 3, 1)
    assert c["clock_start_on"] == date(2022, 3, 1)
    assert c["idle_since"] == date(2023, 6, 15)  # the fact of record is kept as it is
    assert c["idle_days"] == (date(2024, 3, 1) - date(2022, 3, 1)).days


def test_without_an_agreed_start_the_clock_runs_from_the_contract(conn: Connection) -> None:
    park.parcel(
        conn, "C-2", 0, 0, status="idle", supplied_on=date(2022, 1, 10),
        idle_since=date(2023, 4, 1),
    )  # fmt: skip
    c = _clocks(conn, date(2023, 4, 1))["C-2"]
    assert c["clock_start_on"] == date(2022, 1, 10)
    assert c["fee_due"] and c["fee_due_from"] == date(2023, 1, 10)
    assert c["recovery_eligible_from"] == date(2024, 1, 10)


def test_started_land_stopped_a_year_under_a_third_built_is_idle(conn: Connection) -> None:
    stopped = {"agreed_start_on": date(2021, 5, 1), "actual_start_on": date(2021, 6, 1),
               "work_stopped_on": date(2023, 1, 1)}  # fmt: skip
    park.parcel(conn, "S-1", 0, 0, status="in_use", developed_share=0.2, invested_share=0.5,
                **stopped)  # fmt: skip
    park.parcel(conn, "S-2", 200, 0, status="in_use", developed_share=0.6, invested_share=0.2,
                **stopped)  # fmt: skip
    park.parcel(conn, "S-3", 400, 0, status="in_use", developed_share=0.6, invested_share=0.5,
                **stopped)  # fmt: skip
    assert {"S-1", "S-2", "S-3"}.isdisjoint(_clocks(conn, date(2023, 12, 31)))
    c = _clocks(conn, date(2024, 1, 1))
    assert c["S-1"]["candidate"] and c["S-2"]["candidate"] and "S-3" not in c
    assert "中止开发满一年" in c["S-1"]["reason_zh"]
    assert c["S-1"]["clock_start_on"] == date(2023, 1, 1)
    assert c["S-1"]["recovery_eligible_from"] == date(2025, 1, 1)


def test_a_start_agreed_on_a_leap_day_is_listed_the_day_its_year_is_up(conn: Connection) -> None:
    park.parcel(conn, "L-1", 0, 0, status="in_use", agreed_start_on=date(2024, 2, 29))
    assert "L-1" not in _clocks(conn, date(2025, 2, 27))
    c = _clocks(conn, date(2025, 2, 28))  # Civil Code Art. 202: no 29 Feb in 2025
    assert c["L-1"]["candidate"] and c["L-1"]["idle_by_law_from"] == date(2025, 2, 28)
    assert c["L-1"]["fee_due_from"] == date(2025, 2, 28)


def test_the_schema_refuses_a_stop_before_the_start(conn: Connection) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), conn.begin_nested():
        park.parcel(conn, "X-1", 0, 0, status="in_use", work_stopped_on=date(2023, 1, 1))


AS_OF = date(2026, 6, 1)
ENQUIRY = {"investor_name": "丙公司", "industry_code": "C34", "site_kind": "land",
           "land_mu_min": 1, "land_mu_max": 100}  # fmt: skip


def _one_date_park(conn: Connection) -> dict[str, int]:
    """Idle land recoverable later, long recoverable, through a government cause; estate
    land with a future and a past estimate; allocated land in the same case."""
    debtor = park.firm(conn, "淮北某破产企业有限公司")
    ids = {
        "idle_later": park.parcel(conn, "I-LATER", 0, 0, status="idle",
                                  agreed_start_on=date(2024, 9, 30), idle_since=date(2025, 11, 1)),
        "idle_old": park.parcel(conn, "I-OLD", 200, 0, status="idle",
                                agreed_start_on=date(2020, 4, 1), idle_since=date(2021, 6, 1)),
        "idle_gov": park.parcel(conn, "I-GOV", 400, 0, status="idle",
                                agreed_start_on=date(2022, 4, 1), idle_since=date(2023, 6, 1),
                                government_cause="规划调整（第八条第二项）"),
        "estate": park.parcel(conn, "E-1", 0, 200, status="bankruptcy_estate",
                              tenure="transfer", holder_firm_id=debtor),
        "allocated": park.parcel(conn, "E-ALLOC", 200, 200, status="bankruptcy_estate",
                                 tenure="allocation", holder_firm_id=debtor),
        "estate_past": park.parcel(conn, "E-PAST", 400, 200, status="bankruptcy_estate",
                                   tenure="transfer", holder_firm_id=debtor),
    }  # fmt: skip
    for plot, expected in (("estate", date(2026, 9, 1)), ("estate_past", date(2026, 3, 1))):
        case = park.insert(
            conn, "bankruptcy_case",
            {"zone_code": "340604", "case_no": f"(2025)皖0604破{len(plot)}号",
             "court": "烈山区人民法院", "debtor_firm_id": debtor, "procedure": "liquidation",
             "stage": "asset_disposal", "applied_on": date(2025, 1, 5),
             "accepted_on": date(2025, 1, 15), "expected_release_on": expected},
        )  # fmt: skip
        members = [ids[plot]] + ([ids["allocated"]] if plot == "estate" else [])
        for pid in members:
            conn.execute(
                text("INSERT INTO case_parcel (case_id, parcel_id) VALUES (:c, :p)"),
                {"c": case, "p": pid},
            )
    return ids


WANT = {
    "I-LATER": date(2027, 3, 29),  # recoverable 2026-09-30 (Art. 14), + 180 days
    "I-OLD": date(2026, 11, 28),  # recoverable since 2022: today + 180 days
    "I-GOV": None,  # Art. 8: disposed of with the holder (Art. 12), no date
    "E-1": date(2026, 9, 1),
    "E-ALLOC": None,  # allocated: not in the estate, the government takes it back
    "E-PAST": None,  # an estimate in the past is no availability
}


def test_pipeline_ledger_matching_and_site_page_give_one_date(conn: Connection) -> None:
    ids = _one_date_park(conn)
    supply = {s["plot_no"]: s for s in pipeline.upcoming_supply(conn, AS_OF)}
    assert {p: supply[p]["expected_release_on"] for p in WANT} == WANT
    ledger = _clocks(conn, AS_OF)
    for plot in ("I-LATER", "I-OLD", "I-GOV"):
        assert ledger[plot]["expected_available_from"] == WANT[plot]
    by_plot = {p: ids[k] for k, p in (("idle_later", "I-LATER"), ("idle_old", "I-OLD"),
               ("idle_gov", "I-GOV"), ("estate", "E-1"), ("allocated", "E-ALLOC"),
               ("estate_past", "E-PAST"))}  # fmt: skip
    for plot, pid in by_plot.items():
        assert site_detail(conn, "parcel", pid, "promotion", AS_OF)["available_from"] == WANT[plot]
    staff = match(conn, ENQUIRY, role="promotion", as_of=AS_OF)
    listed = {s["label"]: s for s in staff.fits + staff.near_misses}
    for plot, want in WANT.items():
        assert listed[plot]["available_from"] == want, plot
    public = {r["plot_no"]: r for r in pipeline.pipeline_for(conn, ANONYMOUS, AS_OF)}
    assert {p: r["expected_available_from"] for p, r in public.items()} == {
        p: d for p, d in WANT.items() if d is not None
    }


def test_idle_land_with_a_government_cause_is_not_being_recovered(conn: Connection) -> None:
    _one_date_park(conn)
    result = match(conn, ENQUIRY, role="promotion", as_of=AS_OF)
    sites = {s["label"]: s for s in result.fits + result.near_misses}
    gov = [b for b in sites["I-GOV"]["blockers"] if b["kind"].startswith("idle")]
    assert gov and all("第十四条" not in b["message"] and "Art. 14" not in b["message_en"]
                       for b in gov)  # fmt: skip
    assert "第八条" in gov[0]["message"] and "第十二条" in gov[0]["message"]
    old = next(b for b in sites["I-OLD"]["blockers"] if b["kind"] == "idle_recovery")
    assert "第十四条" in old["message"] and "2026年11月28日" in old["message"]
    alloc = [b["kind"] for b in sites["E-ALLOC"]["blockers"]]
    assert "allocated_land" in alloc
