"""Zombie screening and per-mu efficiency on firms whose right answer is known."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from parkgis.release.efficiency import class_for, evaluate_efficiency
from parkgis.release.screening import compare_runs, screen_firms
from tests import park
from tests.release.helpers import bankrupt_park

HEALTHY = {
    "revenue_yuan": 5e7,
    "profit_yuan": 3e6,
    "ebit_yuan": 4e6,
    "interest_paid_yuan": 5e5,
    "tax_paid_yuan": 2e6,
    "electricity_kwh": 2e6,
    "employees": 100,
    "social_insurance_payers": 100,
    "energy_tce": 1000,
    "rd_spending_yuan": 1.5e6,
    "tech_investment_yuan": 1e6,
}


def _indicator(conn: Connection, firm: int, year: int, **values: Any) -> None:
    cols = ["firm_id", "year", *values]
    conn.execute(
        text(
            f"INSERT INTO firm_indicator ({', '.join(cols)}) VALUES "
            f"({', '.join(':' + c for c in cols)})"
        ),
        {"firm_id": firm, "year": year, **values},
    )


def test_zombie_screening_known_answers(conn: Connection) -> None:
    healthy = park.firm(conn, "健康机械", established_on="2005-01-01")
    zombie = park.firm(conn, "僵尸陶瓷", established_on="2008-06-01")
    half = park.firm(conn, "欠税纺织", established_on="2020-01-01")
    for y in (2021, 2022, 2023):
        _indicator(conn, healthy, y, **HEALTHY)
        _indicator(
            conn,
            zombie,
            y,
            revenue_yuan=1e5,
            profit_yuan=-2e6,
            ebit_yuan=-1e6,
            interest_paid_yuan=8e5,
            tax_paid_yuan=0,
            electricity_kwh=3000 if y == 2023 else 9e5,
            social_insurance_payers=0,
            social_insurance_arrears_yuan=2e5,
            enforcement_cases=4,
            production_stopped=y == 2023,
            construction_stopped=y == 2023,
        )
    _indicator(conn, half, 2023, **{**HEALTHY, "tax_arrears_yuan": 3e5, "profit_yuan": -1e5})
    park.parcel(conn, "Z-1", 0, 0, 200, holder_firm_id=zombie, status="in_use")
    run = screen_firms(conn, 2023, store=True)
    by = {r["firm_id"]: r for r in run["results"]}
    assert by[zombie]["rank"] == 1 and by[zombie]["score"] == 90.0  # all but tax arrears
    assert by[zombie]["class"] == "likely_zombie"
    codes = {s["code"]: s for s in by[zombie]["signals"]}
    assert codes["consecutive_losses"]["evidence"]["years"] == [2021, 2022, 2023]
    assert codes["electricity_near_zero"]["evidence"]["best_earlier_kwh"] == 9e5
    assert codes["interest_coverage"]["evidence"]["firm_age_years"] == 15
    assert codes["production_stopped"]["evidence"]["double_stop"] is True
    assert by[healthy]["signals"] == [] and by[healthy]["score"] == 0
    assert [s["code"] for s in by[half]["signals"]] == ["tax_arrears"]
    stored = conn.execute(
        text("SELECT year, rules_version FROM screening_run WHERE id = :r"), {"r": run["run_id"]}
    ).one()
    assert stored.year == 2023 and stored.rules_version == run["rules_version"]
    assert (
        conn.execute(
            text("SELECT count(*) FROM screening_result WHERE run_id = :r"), {"r": run["run_id"]}
        ).scalar()
        == 3
    )
    _indicator(conn, half, 2022, **HEALTHY)
    conn.execute(
        text("UPDATE firm_indicator SET tax_arrears_yuan = 0 WHERE firm_id = :f"), {"f": half}
    )
    later = screen_firms(conn, 2023, store=True)
    diff = {d["firm_id"]: d for d in compare_runs(conn, run["run_id"], later["run_id"])}
    assert diff[half]["change"] < 0 and diff[zombie]["change"] == 0


def test_efficiency_classes_and_d_class_land(conn: Connection) -> None:
    firms = []
    for i in range(10):
        f = park.firm(conn, f"企业{i}", above_scale=True)
        park.parcel(conn, f"E-{i}", i * 150, 0, 100, holder_firm_id=f, status="in_use")  # 15 mu
        _indicator(
            conn,
            f,
            2023,
            **{**HEALTHY, "tax_paid_yuan": 1e5 * (i + 1), "revenue_yuan": 1e6 * (i + 1)},
        )
        firms.append(f)
    small = park.firm(conn, "小微企业")
    park.parcel(conn, "S-1", 0, 500, 100, holder_firm_id=small, status="in_use")
    _indicator(conn, small, 2023, tax_paid_yuan=15 * 150000)
    result = evaluate_efficiency(conn, 2023)
    by = {r["firm_id"]: r for r in result["results"]}
    assert by[firms[9]]["class"] == "A" and by[firms[8]]["class"] == "A"
    assert by[firms[7]]["class"] == "B" and by[firms[3]]["class"] == "C"
    assert by[firms[0]]["class"] == "D" and by[firms[0]]["rank"] == 10
    assert by[small]["group"] == "small" and by[small]["score"] == 100.0
    # classes are by rank within each group: the lone small firm is last of its group
    assert sorted(p["plot_no"] for p in result["d_class_land"]) == ["E-0", "S-1"]
    assert abs(result["d_class_land_mu"] - 30.0) < 0.01
    assert [class_for(r, 20) for r in (4, 5, 12, 19, 20)] == ["A", "B", "B", "C", "D"]


def test_firm_without_land_is_reported(conn: Connection) -> None:
    p = bankrupt_park(conn)
    lone = park.firm(conn, "无地企业")
    _indicator(conn, lone, 2023, tax_paid_yuan=1)
    _indicator(conn, p["firm"], 2023, tax_paid_yuan=0)
    result = evaluate_efficiency(conn, 2023, store=False)
    assert [f["firm_id"] for f in result["without_land"]] == [lone]
    assert result["run_id"] is None
