"""Matching on the demo park: every returned fit passes every hard constraint, checked
independently in SQL; an impossible enquiry returns nothing with the reasons counted."""

from __future__ import annotations

import datetime as dt

import pytest
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


_LAND_OK = """(lu.is_industrial IS NULL OR (lu.is_industrial
               AND CASE WHEN lu.code = '1001' THEN 2 ELSE coalesce(lu.industrial_class, 2) END
                   >= :need_class))
          AND (cardinality(coalesce(hp.permitted_industries, '{}')) = 0
               OR EXISTS (SELECT 1 FROM unnest(hp.permitted_industries) x
                           WHERE :industry_code LIKE x || '%'))"""
_EVERY_FIT_SQL = f"""
SELECT 'parcel:' || hp.id FROM parcel hp JOIN land_use lu ON lu.code = hp.land_use_code
 WHERE hp.status IN ('available', 'approved_unsupplied', 'released', 'idle', 'bankruptcy_estate')
   AND hp.area_mu BETWEEN :land_mu_min AND :land_mu_max
   AND coalesce(hp.list_price_yuan_per_mu <= :land_budget_yuan_per_mu, true)
   AND coalesce(hp.plot_ratio_max >= 1.0, true)
   AND :total_investment_yuan / hp.area_mu >= 2500000 AND {_LAND_OK}
UNION ALL
SELECT 'unit:' || u.id FROM building_unit u
  JOIN building b ON b.id = u.building_id AND b.status = 'complete'
  JOIN fire_hazard_class fc ON fc.code = b.design_fire_class
  LEFT JOIN logic.site_facts f ON f.site_kind = 'building' AND f.site_id = b.id
  LEFT JOIN parcel hp ON hp.id = f.parcel_id
  LEFT JOIN land_use lu ON lu.code = hp.land_use_code
 WHERE u.status = 'vacant' AND u.area_m2 BETWEEN :floor_area_m2_min AND :floor_area_m2_max
   AND u.floor_load_kn_m2 >= :floor_load_kn_m2_min AND u.clear_height_m >= :clear_height_m_min
   AND fc.hazard_rank <= 3 AND coalesce(u.rent_yuan_m2_month <= :rent_budget_yuan_m2_month, true)
   AND {_LAND_OK}
UNION ALL
SELECT 'building:' || b.id FROM building b
  JOIN fire_hazard_class fc ON fc.code = b.design_fire_class
  LEFT JOIN logic.site_facts f ON f.site_kind = 'building' AND f.site_id = b.id
  LEFT JOIN parcel hp ON hp.id = f.parcel_id
  LEFT JOIN land_use lu ON lu.code = hp.land_use_code
 WHERE b.status = 'complete'
   AND b.total_floor_area_m2 BETWEEN :floor_area_m2_min AND :floor_area_m2_max
   AND fc.hazard_rank <= 3 AND {_LAND_OK}
   AND (SELECT bool_and(u.status = 'vacant') AND min(u.floor_load_kn_m2) >= :floor_load_kn_m2_min
               AND min(u.clear_height_m) >= :clear_height_m_min
               AND coalesce(sum(u.rent_yuan_m2_month * u.area_m2) / sum(u.area_m2)
                            <= :rent_budget_yuan_m2_month, true)
          FROM building_unit u WHERE u.building_id = b.id)
"""


@pytest.mark.parametrize(
    ("industry", "need_class", "m2", "load", "height", "rent"),
    [
        ("C34", 2, (800, 6000), 10, 6, 40.0),
        ("C39", 1, (300, 2000), 10, 6, 12.6),
        # Every bound equal to some demo unit's figure: a strict comparison would drop it.
        ("C39", 1, (300, 1152), 10, 5.5, 12.2),
    ],
    ids=["machinery", "electronics", "electronics-on-the-bounds"],
)
def test_the_fits_are_exactly_the_sites_sql_finds(
    demo_conn: Connection, industry: str, need_class: int, m2: tuple[int, int], load: float,
    height: float, rent: float,
) -> None:  # fmt: skip
    """Completeness as well as soundness: with every fit listed, the single sites that fit
    are exactly those an independent SQL query over the layers selects."""
    enquiry = {
        "investor_name": "演示投资方", "industry_code": industry, "site_kind": "either",
        "land_mu_min": 10, "land_mu_max": 80, "floor_area_m2_min": m2[0],
        "floor_area_m2_max": m2[1], "floor_load_kn_m2_min": load, "clear_height_m_min": height,
        "fire_class": "丙", "land_budget_yuan_per_mu": 400000,
        "rent_budget_yuan_m2_month": rent, "total_investment_yuan": 300_000_000,
    }  # fmt: skip
    result = match(demo_conn, enquiry, "promotion", top=100_000, as_of=AS_OF)
    assert result.totals["fits"] == len(result.fits)
    engine = {s["key"] for s in result.fits if s["kind"] in ("parcel", "unit", "building")}
    params = {k: v for k, v in enquiry.items() if k not in ("investor_name", "fire_class")}
    expected = set(demo_conn.execute(text(_EVERY_FIT_SQL), params | {"need_class": need_class}))
    expected = {k for (k,) in expected}
    assert engine == expected
    assert len(expected) > 5
    if industry == "C39":  # the hosts of the demo's buildings admit electronics
        assert any(k.startswith("unit:") for k in expected)
