"""What anonymous callers of matching must not learn (issue 14 items 10, 11): no pipe
condition in any response, restricted score parts as one total, and stored enquiries
answered alike whether or not they exist."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from parkgis.matching.enquiry import create_enquiry, validate_enquiry
from tests.matching.sites import build_park

ENQUIRY = {"investor_name": "某机械公司", "industry_code": "C34", "site_kind": "either",
           "land_mu_min": 10, "land_mu_max": 20, "floor_area_m2_min": 1000,
           "floor_area_m2_max": 1400}  # fmt: skip
#: Anything that would carry a pipe's condition: grade keys, the RI unit, grade words.
PIPE_CONDITION = re.compile(r"ri_grade|worst_grade|worst_ri|RI级|修复等级|repair grade|\"ri\"")


@pytest.fixture
def client(fresh_db: str) -> Iterator[tuple[TestClient, dict[str, int], dict[str, str]]]:
    """The hand-built park (P-PIPE drains through a grade-IV pipe), committed, with keys."""
    eng = create_engine(fresh_db, poolclass=NullPool)
    with eng.begin() as conn:
        db.set_actor(conn, "pytest")
        ids = build_park(conn, dt.date.today())
        ids["enquiry"] = create_enquiry(conn, validate_enquiry(conn, ENQUIRY))["id"]
        keys = {
            r: access.create_user(conn, f"pv-{r}", r)[1] for r in ("promotion", "infrastructure")
        }
    with TestClient(create_app(engine=eng)) as c:
        yield c, ids, keys
    access.users._cache.clear()
    eng.dispose()


def test_no_anonymous_matching_response_carries_pipe_condition(
    client: tuple[TestClient, dict[str, int], dict[str, str]],
) -> None:
    c, ids, keys = client
    pipe, unit = ids["p_pipe"], ids["u_a"]
    anonymous = [
        c.post("/match", json=ENQUIRY),
        c.get(f"/sites/parcel/{pipe}"),
        c.get(f"/sites/unit/{unit}"),
        c.get(f"/sites/compare?ids=parcel:{pipe},unit:{unit}"),
        c.get(f"/sites/parcel/{pipe}/brochure"),
    ]
    for r in anonymous:
        assert r.status_code == 200, r.text
        assert not PIPE_CONDITION.search(r.text), (r.url, PIPE_CONDITION.search(r.text))
    body = anonymous[0].json()
    site = next(s for s in body["fits"] if s["label"] == "P-PIPE")
    criteria = [p["criterion"] for p in site["score_parts"]]
    assert "drainage" not in criteria and "industry_chain" not in criteria
    total = next(p for p in site["score_parts"] if p["criterion"] == "restricted")
    assert total["weight"] == 20 and set(total) == {"criterion", "label", "label_en", "weight",
                                                   "points"}  # fmt: skip
    assert abs(sum(p["points"] for p in site["score_parts"]) - site["score"]) <= 0.02
    assert anonymous[1].json()["drainage"] is None
    # Not vacuous: the promotion office sees the grade and its score part.
    staff = c.post("/match", json=ENQUIRY, headers={"X-API-Key": keys["promotion"]})
    assert PIPE_CONDITION.search(staff.text)
    staff_site = next(s for s in staff.json()["fits"] if s["label"] == "P-PIPE")
    assert any(p["criterion"] == "drainage" for p in staff_site["score_parts"])


def test_anonymous_callers_cannot_reweigh_the_restricted_criteria(
    client: tuple[TestClient, dict[str, int], dict[str, str]],
) -> None:
    c, _, keys = client
    weights = {"drainage": 100}
    refused = c.post("/match", json={**ENQUIRY, "weights": weights})
    assert refused.status_code == 422 and refused.json()["field"] == "weights.drainage"
    allowed = c.post(
        "/match", json={**ENQUIRY, "weights": weights}, headers={"X-API-Key": keys["promotion"]}
    )
    assert allowed.status_code == 200, allowed.text


def test_stored_enquiries_on_the_map_are_staff_data(
    client: tuple[TestClient, dict[str, int], dict[str, str]],
) -> None:
    c, ids, keys = client
    real, missing = ids["enquiry"], ids["enquiry"] + 1000
    anon = [c.get(f"/map?enquiry={e}") for e in (real, missing)]
    assert [r.status_code for r in anon] == [401, 401]
    assert anon[0].json() == anon[1].json()
    assert "SNTL" not in anon[0].text and "某机械公司" not in anon[0].text
    other = {"X-API-Key": keys["infrastructure"]}
    assert [c.get(f"/map?enquiry={e}", headers=other).status_code for e in (real, missing)] == [
        403,
        403,
    ]
    staff = c.get(f"/map?enquiry={real}", headers={"X-API-Key": keys["promotion"]})
    assert staff.status_code == 200 and "P-PIPE" in staff.text
    assert c.get("/map").status_code == 200  # the public map itself stays open
