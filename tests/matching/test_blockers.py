"""Blockers say who must act and why in the data's own terms (issue 14 items 6, 7).

On the park of tests/matching/sites.py: P-PIPE drains through S1 (grade IV) and, here,
S2 given a grade-III defect; it carries a seizure by the intermediate court; P-BANK's
case is moved to that court.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text

from parkgis.matching import match
from parkgis.repairs.assess import record_defects
from tests import park
from tests.matching.sites import build_park

AS_OF = dt.date(2026, 6, 1)
COURT = "淮北市中级人民法院"
LAND = {"investor_name": "丙公司", "industry_code": "C34", "site_kind": "land",
        "land_mu_min": 10, "land_mu_max": 20}  # fmt: skip


@pytest.fixture
def ids(conn: Connection) -> dict[str, int]:
    ids = build_park(conn, AS_OF)
    insp = park.insert(
        conn, "inspection",
        {"pipe_segment_id": ids["s2"], "inspected_on": AS_OF - dt.timedelta(days=20),
         "direction": "downstream"},
    )  # fmt: skip
    record_defects(conn, insp, [{"code": "PL", "grade": 3, "distance_m": 40.0}])
    park.insert(
        conn, "encumbrance",
        {"parcel_id": ids["p_pipe"], "kind": "seizure", "holder": COURT,
         "reference_no": "(2025)皖06执保12号", "registered_on": AS_OF - dt.timedelta(days=90)},
    )  # fmt: skip
    conn.execute(text("UPDATE bankruptcy_case SET court = :c WHERE id = :i"),
                 {"c": COURT, "i": ids["case"]})  # fmt: skip
    return ids


def _site(role: str, conn: Connection, label: str) -> dict:
    result = match(conn, LAND, role, as_of=AS_OF)
    return next(s for s in result.sites if s["label"] == label)


@pytest.mark.parametrize("role", ["promotion", "land_bureau"])
def test_seizure_and_bankruptcy_name_the_court_on_record(
    conn: Connection, ids: dict[str, int], role: str
) -> None:
    seizure = next(b for b in _site(role, conn, "P-PIPE")["blockers"] if b["kind"] == "seizure")
    assert seizure["who_zh"] == COURT and seizure["court"] == COURT
    case = next(b for b in _site(role, conn, "P-BANK")["blockers"] if b["kind"] == "bankruptcy")
    assert case["who_zh"] == COURT
    assert "烈山区人民法院" not in str(seizure) + str(case)


def test_a_drainage_blocker_states_each_segments_own_grade(
    conn: Connection, ids: dict[str, int]
) -> None:
    drainage = next(
        b for b in _site("promotion", conn, "P-PIPE")["blockers"] if b["kind"] == "drainage"
    )
    grades = {s["code"]: s["ri_grade"] for s in drainage["segments"]}
    assert grades == {"S1": 4, "S2": 3}
    assert "S1（IV级）" in drainage["message"] and "S2（III级）" in drainage["message"]
    assert "S1 (grade IV)" in drainage["message_en"]
    assert "S2 (grade III)" in drainage["message_en"]
