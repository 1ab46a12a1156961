"""Matching on the demo park: every returned fit passes every hard constraint, checked
independently in SQL; an impossible enquiry returns nothing with the reasons counted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from parkgis.matching import match

AS_OF = dt.date(2026, 11, 26)  # the demo's DEMO_TODAY


def _independent_check(conn: Connection, site: dict, enquiry: dict) -> None:
    kind, members = site["kind"], site["members"]
    if kind in ("parcel", "parcels"):
        row = conn.execute(
            text(
                "SELECT sum(p.area_mu) AS mu, bool_and(lu.is_industrial) AS ind, "
                "min(coalesce(lu.industrial_class, 2)) AS cls, "
                "max(p.list_price_yuan_per_mu) AS price, "
                "min(coalesce(p.plot_ratio_max, 99)) AS prmax, "
                "bool_and(s.is_public) AS public "
                "FROM parcel p JOIN land_use lu ON lu.code = p.land_use_code "
                "JOIN land_status s ON s.code = p.status WHERE p.id = ANY(:ids)"
            ),
            {"ids": members},
        ).one()
        assert enquiry["land_mu_min"] <= float(row.mu) <= enquiry["land_mu_max"]
        assert row.ind and row.cls >= 2
        assert row.price is None or float(row.price) <= enquiry["land_budget_yuan_per_mu"]
        assert float(row.prmax) >= 1.0
        assert enquiry["total_investment_yuan"] / float(row.mu) >= 2_500_000
    else:
        table = "building" if kind == "building" else "building_unit"
        col = "building_id" if kind == "building" else "id"
        row = conn.execute(
            text(
                f"SELECT sum(u.area_m2) AS m2, min(u.floor_load_kn_m2) AS load, "
                f"min(u.clear_height_m) AS h, bool_and(u.status = 'vacant') AS vacant, "
                f"max(fc.hazard_rank) AS rank, bool_and(b.status = 'complete') AS done "
                f"FROM building_unit u JOIN building b ON b.id = u.building_id "
                "JOIN fire_hazard_class fc ON fc.code = b.design_fire_class "
                f"WHERE u.{col} = ANY(:ids)"
            ),
            {"ids": members},
        ).one()
        if kind != "building":
            assert enquiry["floor_area_m2_min"] <= float(row.m2) <= enquiry["floor_area_m2_max"]
        assert float(row.load) >= enquiry["floor_load_kn_m2_min"]
        assert float(row.h) >= enquiry["clear_height_m_min"]
        assert row.vacant and row.done and row.rank <= 3  # 丙 process
        _ = table


def test_every_fit_satisfies_every_hard_constraint(demo_conn: Connection) -> None:
    enquiry = {
        "investor_name": "演示投资方", "industry_code": "C34", "site_kind": "either",
        "land_mu_min": 10, "land_mu_max": 80, "floor_area_m2_min": 800, "floor_area_m2_max": 6000,
        "floor_load_kn_m2_min": 10, "clear_height_m_min": 6, "fire_class": "丙",
        "land_budget_yuan_per_mu": 400000, "rent_budget_yuan_m2_month": 40,
        "total_investment_yuan": 300_000_000,
    }  # fmt: skip
    result = match(demo_conn, enquiry, "promotion", as_of=AS_OF)
    assert result.fits, result.rejected
    for site in result.fits:
        assert site["failed"] == []
        _independent_check(demo_conn, site, enquiry)
    for site in result.near_misses:
        assert len(site["failed"]) == 1


def test_impossible_enquiry_on_the_demo(demo_conn: Connection) -> None:
    enquiry = {
        "investor_name": "不可能", "industry_code": "C26", "site_kind": "either",
        "land_mu_min": 5000, "floor_area_m2_min": 900000, "floor_load_kn_m2_min": 99,
        "fire_class": "甲", "highway_within_km": 0.01, "land_budget_yuan_per_mu": 1,
    }  # fmt: skip
    result = match(demo_conn, enquiry, "promotion", as_of=AS_OF)
    assert result.fits == [] and result.near_misses == []
    assert result.rejected["count"] > 0
    assert result.rejected["reasons"]["size"] == result.rejected["count"]
