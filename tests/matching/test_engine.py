"""Matching on a hand-built park where the right answers are known (issue 5 §8)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text

from parkgis.errors import ValidationError
from parkgis.matching import match
from parkgis.release.returns import PUBLIC_FIELDS
from tests.matching.sites import build_park

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def ids(conn: Connection) -> dict[str, int]:
    return build_park(conn, AS_OF)


def _by_label(sites: list[dict]) -> dict[str, dict]:
    return {s["label"]: s for s in sites}


def test_unit_failing_only_on_floor_load_is_a_near_miss_with_the_figures(
    conn: Connection, ids: dict[str, int]
) -> None:
    result = match(
        conn,
        {"investor_name": "甲公司", "industry_code": "C34", "site_kind": "building",
         "floor_area_m2_min": 1200, "floor_area_m2_max": 2000, "floor_load_kn_m2_min": 15},
        role="promotion", as_of=AS_OF,
    )  # fmt: skip
    near = _by_label(result.near_misses)
    assert "U-LOAD" in near
    site = near["U-LOAD"]
    assert site["failed"] == ["floor_load"]
    check = next(c for c in site["checks"] if c["name"] == "floor_load")
    assert check["message_en"] == "floor load 8 kN/m² < 15 kN/m² required"
    assert "8" in check["message"] and "15" in check["message"]
    assert "U-LOAD" not in _by_label(result.fits)


def test_two_adjacent_units_fit_only_together(conn: Connection, ids: dict[str, int]) -> None:
    result = match(
        conn,
        {"investor_name": "乙公司", "industry_code": "C34", "site_kind": "building",
         "floor_area_m2_min": 1000, "floor_area_m2_max": 1400},
        role="promotion", as_of=AS_OF,
    )  # fmt: skip
    fits = _by_label(result.fits)
    assert "U-A+U-B" in fits
    combo = fits["U-A+U-B"]
    assert combo["kind"] == "units"
    assert sorted(combo["members"]) == sorted([ids["u_a"], ids["u_b"]])
    assert combo["area_m2"] == 1200
    assert "相邻" in combo["combination"]["message"]
    assert "U-A" not in fits and "U-B" not in fits  # each alone is too small
    assert "U-LET" not in fits and "U-LET" not in _by_label(result.near_misses)


def test_site_that_fits_but_drains_through_a_grade_iv_pipe_is_blocked(
    conn: Connection, ids: dict[str, int]
) -> None:
    result = match(
        conn,
        {"investor_name": "丙公司", "industry_code": "C34", "site_kind": "land",
         "land_mu_min": 10, "land_mu_max": 20},
        role="promotion", as_of=AS_OF,
    )  # fmt: skip
    fits = _by_label(result.fits)
    site = fits["P-PIPE"]
    drainage = [b for b in site["blockers"] if b["kind"] == "drainage"]
    assert len(drainage) == 1
    seg = drainage[0]["segments"][0]
    assert seg["code"] == "S1" and seg["ri_grade"] == 4 and seg["ri"] > 7
    assert drainage[0]["cost_yuan"] > 0 and drainage[0]["who"] == "housing"
    assert all(b["kind"] != "road_access" for b in site["blockers"])
    assert next(p for p in site["score_parts"] if p["criterion"] == "drainage")["score"] == 0.0


def test_bankruptcy_parcel_releasing_next_month(conn: Connection, ids: dict[str, int]) -> None:
    enquiry = {"investor_name": "丁公司", "industry_code": "C34", "site_kind": "land",
               "land_mu_min": 10, "land_mu_max": 20}  # fmt: skip
    later = match(
        conn, {**enquiry, "wanted_by": AS_OF + dt.timedelta(days=60)}, "promotion", as_of=AS_OF
    )
    site = _by_label(later.fits)["P-BANK"]
    assert site["available_from"] == AS_OF + dt.timedelta(days=30)
    bank = next(b for b in site["blockers"] if b["kind"] == "bankruptcy")
    assert bank["case_no"] == "(2025)皖0604破3号"
    assert bank["stage"] == "asset_disposal"
    assert bank["expected_release_on"] == AS_OF + dt.timedelta(days=30)
    soon = match(
        conn, {**enquiry, "wanted_by": AS_OF + dt.timedelta(days=7)}, "promotion", as_of=AS_OF
    )
    near = _by_label(soon.near_misses)["P-BANK"]
    assert near["failed"] == ["wanted_by"]
    # Visitors see of land in the release pipeline a parcel and its date (README): the
    # public fields of land on its way back, never its status, name, holder or case.
    public = match(
        conn, {**enquiry, "wanted_by": AS_OF + dt.timedelta(days=60)}, "public", as_of=AS_OF
    )
    seen = _by_label(public.sites)["P-BANK"]
    assert seen["available_from"] == AS_OF + dt.timedelta(days=30)
    assert set(seen["properties"]) <= set(PUBLIC_FIELDS) and "plot_no" in seen["properties"]
    assert [b["kind"] for b in seen["blockers"]] == ["expected"]
    assert "2026年7月1日" in seen["blockers"][0]["message"]
    assert all(b["kind"] == "expected" for s in public.sites for b in s["blockers"])


def test_adjacent_parcels_combined_when_each_is_too_small(
    conn: Connection, ids: dict[str, int]
) -> None:
    result = match(
        conn,
        {"investor_name": "戊公司", "industry_code": "C34", "site_kind": "land", "land_mu_min": 12,
         "land_mu_max": 20},
        role="promotion", as_of=AS_OF,
    )  # fmt: skip
    fits = _by_label(result.fits)
    assert "P-SMALL1+P-SMALL2" in fits
    assert fits["P-SMALL1+P-SMALL2"]["kind"] == "parcels"


def test_heavy_industry_needs_class_3_land(conn: Connection, ids: dict[str, int]) -> None:
    result = match(
        conn,
        {"investor_name": "化工公司", "industry_code": "C26", "site_kind": "land",
         "land_mu_min": 10, "land_mu_max": 20},
        role="promotion", as_of=AS_OF,
    )  # fmt: skip
    assert not result.fits
    site = _by_label(result.near_misses)["P-PIPE"]
    assert site["failed"] == ["land_use"]
    msg = next(c for c in site["checks"] if c["name"] == "land_use")["message"]
    assert "三类工业用地" in msg and "100103" not in msg


def test_impossible_enquiry_returns_nothing_with_reasons_counted(
    conn: Connection, ids: dict[str, int]
) -> None:
    result = match(
        conn,
        {"investor_name": "X", "industry_code": "C26", "site_kind": "either", "land_mu_min": 10,
         "land_mu_max": 20, "floor_area_m2_min": 1000, "floor_area_m2_max": 2000,
         "floor_load_kn_m2_min": 60, "fire_class": "甲", "land_budget_yuan_per_mu": 1000,
         "rent_budget_yuan_m2_month": 1, "highway_within_km": 1},
        role="promotion", as_of=AS_OF,
    )  # fmt: skip
    assert result.fits == [] and result.near_misses == []
    assert result.rejected["count"] >= 4
    assert result.rejected["reasons"]["highway"] >= 4
    assert result.rejected["reasons"]["land_budget"] >= 1


def test_weights_must_sum_to_100(conn: Connection, ids: dict[str, int]) -> None:
    enquiry = {"investor_name": "X", "industry_code": "C34", "land_mu_min": 10}
    with pytest.raises(ValidationError) as err:
        match(conn, enquiry, "promotion", weights={"size_fit": 50, "price": 20}, as_of=AS_OF)
    assert err.value.field == "weights"
    result = match(conn, enquiry, "promotion", weights={"size_fit": 60, "price": 40}, as_of=AS_OF)
    parts = result.fits[0]["score_parts"]
    assert sum(p["weight"] for p in parts) == 100


def test_facts_are_marked_stale_by_a_change_and_refreshed_by_the_next_match(
    conn: Connection, ids: dict[str, int]
) -> None:
    enquiry = {
        "investor_name": "X",
        "industry_code": "C34",
        "site_kind": "land",
        "land_mu_min": 10,
        "land_mu_max": 20,
    }
    match(conn, enquiry, "promotion", as_of=AS_OF)
    assert conn.execute(text("SELECT stale FROM logic.site_facts_state")).scalar() is False
    conn.execute(
        text("UPDATE road_segment SET status = 'planned' WHERE id = :i"), {"i": ids["road"]}
    )
    assert conn.execute(text("SELECT stale FROM logic.site_facts_state")).scalar() is True
    site = _by_label(match(conn, enquiry, "promotion", as_of=AS_OF).fits)["P-PIPE"]
    road = next(b for b in site["blockers"] if b["kind"] == "road_access")
    assert road["road_code"] == "R-1" and road["road_status"] == "planned"


def _offer(conn: Connection, kind: str, site_id: int) -> dict | None:
    row = conn.execute(
        text("SELECT * FROM logic.site_offer WHERE kind = :k AND site_id = :i"),
        {"k": kind, "i": site_id},
    ).mappings().first()  # fmt: skip
    return dict(row) if row else None


def _stale(conn: Connection) -> bool:
    return bool(conn.execute(text("SELECT stale FROM logic.site_facts_state")).scalar())


def test_offer_follows_everyday_edits_without_a_full_refresh(
    conn: Connection, ids: dict[str, int]
) -> None:
    """Status, price, units let and case dates change logic.site_offer row by row; only
    changes the spatial facts depend on (geometry, networks) mark the facts stale."""
    enquiry = {"investor_name": "庚公司", "industry_code": "C34", "site_kind": "building",
               "floor_area_m2_min": 1000, "floor_area_m2_max": 1400}  # fmt: skip
    assert "U-A+U-B" in _by_label(match(conn, enquiry, "promotion", as_of=AS_OF).fits)
    assert not _stale(conn)
    assert _offer(conn, "unit", ids["u_a"]) is not None
    vacant_on_floor = _offer(conn, "unit", ids["u_b"])["floor_vacant"]  # type: ignore[index]
    # A unit let: its offer row goes, the building's "all vacant" row too, and its floor
    # neighbours count one vacant unit less; no refresh needed.
    conn.execute(text("UPDATE building_unit SET status = 'let' WHERE id = :i"), {"i": ids["u_a"]})
    assert not _stale(conn)
    assert _offer(conn, "unit", ids["u_a"]) is None
    assert _offer(conn, "unit", ids["u_b"])["floor_vacant"] == vacant_on_floor - 1  # type: ignore[index]
    assert "U-A+U-B" not in _by_label(match(conn, enquiry, "promotion", as_of=AS_OF).sites)
    # A price change reaches the offer at once.
    conn.execute(
        text("UPDATE parcel SET list_price_yuan_per_mu = 99000 WHERE id = :i"), {"i": ids["p_pipe"]}
    )
    assert not _stale(conn)
    assert _offer(conn, "parcel", ids["p_pipe"])["price_yuan_per_mu"] == 99000  # type: ignore[index]
    # A court moving the expected release date moves the parcel's availability.
    new_date = AS_OF + dt.timedelta(days=90)
    conn.execute(
        text("UPDATE bankruptcy_case SET expected_release_on = :d WHERE id = :i"),
        {"d": new_date, "i": ids["case"]},
    )
    assert not _stale(conn)
    assert _offer(conn, "parcel", ids["p_bank"])["case_release_on"] == new_date  # type: ignore[index]
    land = {"investor_name": "辛公司", "industry_code": "C34", "site_kind": "land",
            "land_mu_min": 10, "land_mu_max": 20}  # fmt: skip
    site = _by_label(match(conn, land, "promotion", as_of=AS_OF).fits)["P-BANK"]
    assert site["available_from"] == new_date
    # A parcel's outline does change the spatial facts: stale until the next match.
    conn.execute(
        text("UPDATE parcel SET geom = ST_Translate(geom, 1, 0) WHERE id = :i"),
        {"i": ids["p_small2"]},
    )
    assert _stale(conn)
    match(conn, land, "promotion", as_of=AS_OF)
    assert not _stale(conn)
    # So does a unit's outline (logic.unit_adjacency); its rent does not.
    conn.execute(text("UPDATE building_unit SET rent_yuan_m2_month = 11 WHERE id = :i"),
                 {"i": ids["u_b"]})  # fmt: skip
    assert not _stale(conn)
    conn.execute(
        text("UPDATE building_unit SET geom = ST_Translate(geom, 0, 40) WHERE id = :i"),
        {"i": ids["u_b"]},
    )
    assert _stale(conn)
    pair = text("SELECT count(*) FROM logic.unit_adjacency WHERE unit_id = :a AND other_id = :b")
    assert conn.execute(pair, {"a": ids["u_a"], "b": ids["u_b"]}).scalar() == 1
    match(conn, enquiry, "promotion", as_of=AS_OF)  # refreshes: U-B moved away from U-A
    assert conn.execute(pair, {"a": ids["u_a"], "b": ids["u_b"]}).scalar() == 0


def test_totals_count_every_fit_and_near_miss_while_top_limits_the_list(
    conn: Connection, ids: dict[str, int]
) -> None:
    enquiry = {"investor_name": "壬公司", "industry_code": "C34", "site_kind": "either",
               "land_mu_min": 1, "land_mu_max": 100, "floor_area_m2_min": 100,
               "floor_area_m2_max": 5000}  # fmt: skip
    full = match(conn, enquiry, "promotion", as_of=AS_OF)
    one = match(conn, enquiry, "promotion", top=1, as_of=AS_OF)
    assert full.totals["fits"] == len(full.fits) >= 2
    assert one.totals == {**full.totals, "listed_per_group": 1}
    assert [s["key"] for s in one.fits] == [full.fits[0]["key"]]
    assert [s["rank"] for s in full.fits] == list(range(1, len(full.fits) + 1))
    assert [s["score"] for s in full.fits] == sorted((s["score"] for s in full.fits), reverse=True)


def test_pipe_blocker_grade_is_the_rule_of_repairs_toml(
    conn: Connection, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grade from which a downstream pipe blocks is [land_unlock] blocking_ri_grade,
    in the facts' SQL and in the blocker alike (no second literal)."""
    from parkgis.config import get_rules
    from parkgis.matching import refresh_site_facts

    enquiry = {"investor_name": "丙公司", "industry_code": "C34", "site_kind": "land",
               "land_mu_min": 10, "land_mu_max": 20}  # fmt: skip
    monkeypatch.setitem(get_rules()["land_unlock"], "blocking_ri_grade", 5)  # above grade IV
    refresh_site_facts(conn)
    site = _by_label(match(conn, enquiry, role="promotion", as_of=AS_OF).fits)["P-PIPE"]
    assert all(b["kind"] != "drainage" for b in site["blockers"])
    monkeypatch.setitem(get_rules()["land_unlock"], "blocking_ri_grade", 4)
    refresh_site_facts(conn)
    site = _by_label(match(conn, enquiry, role="promotion", as_of=AS_OF).fits)["P-PIPE"]
    assert [b["kind"] for b in site["blockers"]].count("drainage") == 1
