"""What an enquiry asks must change the answer or be refused (issue 14 items 8, 9).

On the park of tests/matching/sites.py P-PIPE's sewer runs M1 -> M2 -> M3, an outfall
with no treatment plant; a plant (poi 'wwtp') is then built beside M3.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text

from parkgis.errors import ValidationError
from parkgis.matching import match
from parkgis.matching.enquiry import create_enquiry, validate_enquiry
from tests import park
from tests.matching.sites import build_park, manhole

AS_OF = dt.date(2026, 6, 1)
LAND = {"investor_name": "化工公司", "industry_code": "C34", "site_kind": "land",
        "land_mu_min": 10, "land_mu_max": 20}  # fmt: skip


@pytest.fixture
def ids(conn: Connection) -> dict[str, int]:
    return build_park(conn, AS_OF)


def _labelled(result: object, group: str) -> dict[str, dict]:
    return {s["label"]: s for s in getattr(result, group)}


def _wwtp(conn: Connection, x: float, y: float) -> None:
    park.insert(conn, "poi", {"zone_code": "340604", "kind": "wwtp", "name": "园区污水处理厂",
                              "geom": park.point(x, y)})  # fmt: skip


def test_industrial_wastewater_needs_a_sewer_ending_at_a_treatment_plant(
    conn: Connection, ids: dict[str, int]
) -> None:
    plain = match(conn, LAND, "promotion", as_of=AS_OF)
    assert "P-PIPE" in _labelled(plain, "fits")
    industrial = match(conn, {**LAND, "industrial_wastewater": True}, "promotion", as_of=AS_OF)
    near = _labelled(industrial, "near_misses")["P-PIPE"]
    assert near["failed"] == ["industrial_wastewater"]
    check = next(c for c in near["checks"] if c["name"] == "industrial_wastewater")
    assert "工业废水" in check["message"] and "第45条" in check["message"]
    assert "industrial wastewater" in check["message_en"]
    _wwtp(conn, 900, -5)  # 300 m from the outfall M3: not its plant
    far = match(conn, {**LAND, "industrial_wastewater": True}, "promotion", as_of=AS_OF)
    assert "P-PIPE" in _labelled(far, "near_misses")
    _wwtp(conn, 640, -5)  # 40 m from M3: the sewer ends at the plant
    treated = match(conn, {**LAND, "industrial_wastewater": True}, "promotion", as_of=AS_OF)
    fit = _labelled(treated, "fits")["P-PIPE"]
    assert next(c for c in fit["checks"] if c["name"] == "industrial_wastewater")["passed"]


def test_a_combined_sewer_does_not_take_industrial_wastewater(
    conn: Connection, ids: dict[str, int]
) -> None:
    _wwtp(conn, 640, -5)
    combined = manhole(conn, "MC", 720, -5, system="combined", is_outfall=True)
    _wwtp(conn, 720, 30)
    conn.execute(
        text("UPDATE parcel SET sewage_manhole_id = :m WHERE id = :p"),
        {"m": combined, "p": ids["p_small1"]},
    )
    result = match(
        conn, {**LAND, "land_mu_min": 5, "industrial_wastewater": True}, "promotion", as_of=AS_OF
    )
    assert "P-PIPE" in _labelled(result, "fits")
    small = _labelled(result, "near_misses")["P-SMALL1"]
    assert small["failed"] == ["industrial_wastewater"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"wanted_by": AS_OF - dt.timedelta(days=1)}, "wanted_by", "期望落地日期"),
        ({"preferred_zones": ["340604K99"]}, "preferred_zones", "意向园区"),
    ],
    ids=["wanted-by-in-the-past", "unknown-zone"],
)
def test_an_enquiry_that_could_match_nothing_is_refused(
    conn: Connection, ids: dict[str, int], change: dict, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as err:
        match(conn, {**LAND, **change}, "promotion", as_of=AS_OF)
    assert err.value.field == field
    assert words in err.value.message and field in err.value.message_en
    stored_change = change
    if field == "wanted_by":  # storing compares with the day it is stored
        stored_change = {"wanted_by": dt.date.today() - dt.timedelta(days=1)}
    with pytest.raises(ValidationError) as stored:
        create_enquiry(conn, validate_enquiry(conn, {**LAND, **stored_change}))
    assert stored.value.field == field


def test_a_wanted_by_date_from_the_day_on_and_a_known_zone_are_accepted(
    conn: Connection, ids: dict[str, int]
) -> None:
    result = match(
        conn, {**LAND, "wanted_by": AS_OF, "preferred_zones": ["340604"]}, "promotion", as_of=AS_OF
    )
    assert result.fits or result.near_misses
