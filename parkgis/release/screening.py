"""Zombie-firm screening (僵尸企业甄别): signals with their evidence, a score, a ranked list.

DOMAIN.md §4: losses three or more years running (State Council 2015) [?]; local signals
(electricity near zero, no tax or arrears, social-insurance arrears, enforcement cases,
双停); the OECD test (age >= 10 years and interest coverage < 1 for three years) where the
data allows. A result is never a bare label: each signal carries the figures and years.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import NotFoundError
from parkgis.release._common import rules, rules_version, today

SIGNAL_LABELS: dict[str, tuple[str, str]] = {
    "consecutive_losses": ("连续亏损", "Losses in consecutive years"),
    "electricity_near_zero": ("用电量接近零", "Electricity use near zero"),
    "no_tax": ("无纳税", "No tax paid"),
    "tax_arrears": ("欠税", "Tax arrears"),
    "social_insurance": ("社保欠缴或无参保人", "Social-insurance arrears or no payers"),
    "enforcement": ("被执行/失信/经营异常", "Enforcement cases, defaulting debtor or abnormal"),
    "production_stopped": ("停产停建", "Production or construction stopped"),
    "interest_coverage": ("利息保障倍数<1（OECD）", "Interest coverage below 1 (OECD)"),
}


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _signal(code: str, evidence: dict[str, Any], weight: float) -> dict[str, Any]:
    zh, en = SIGNAL_LABELS[code]
    return {"code": code, "label_zh": zh, "label_en": en, "weight": weight, "evidence": evidence}


def firm_signals(
    years: dict[int, dict[str, Any]], year: int, established_on: date | None
) -> list[dict[str, Any]]:
    """The zombie signals of one firm in ``year`` from its indicators by year."""
    cfg = rules("zombie_screening")
    w = cfg["weights"]
    cur = years.get(year)
    out: list[dict[str, Any]] = []
    if cur is None:
        return out
    n = int(cfg["loss_years_in_row"])
    run = [y for y in range(year - n + 1, year + 1)]
    profits = {y: _num(years.get(y, {}).get("profit_yuan")) for y in run}
    if all(p is not None and p < 0 for p in profits.values()):
        out.append(
            _signal(
                "consecutive_losses",
                {"years": run, "profit_yuan": profits},
                w["consecutive_losses"],
            )
        )
    kwh = _num(cur.get("electricity_kwh"))
    if kwh is not None:
        best = max(
            (_num(v.get("electricity_kwh")) or 0.0 for y, v in years.items() if y < year),
            default=0.0,
        )
        near_zero = kwh < float(cfg["electricity_near_zero_kwh"])
        collapsed = best > 0 and kwh < float(cfg["electricity_drop_share"]) * best
        if near_zero or collapsed:
            ev = {
                "year": year,
                "electricity_kwh": kwh,
                "threshold_kwh": cfg["electricity_near_zero_kwh"],
            }
            if best:
                ev["best_earlier_kwh"] = best
            out.append(_signal("electricity_near_zero", ev, w["electricity_near_zero"]))
    tax = _num(cur.get("tax_paid_yuan"))
    if tax is not None and tax <= 0:
        out.append(_signal("no_tax", {"year": year, "tax_paid_yuan": tax}, w["no_tax"]))
    arrears = _num(cur.get("tax_arrears_yuan")) or 0.0
    if arrears > 0:
        out.append(
            _signal("tax_arrears", {"year": year, "tax_arrears_yuan": arrears}, w["tax_arrears"])
        )
    payers = cur.get("social_insurance_payers")
    si_arrears = _num(cur.get("social_insurance_arrears_yuan")) or 0.0
    if si_arrears > 0 or payers == 0:
        ev = {
            "year": year,
            "social_insurance_payers": payers,
            "social_insurance_arrears_yuan": si_arrears,
        }
        out.append(_signal("social_insurance", ev, w["social_insurance"]))
    cases = int(cur.get("enforcement_cases") or 0)
    if cases > 0 or cur.get("defaulting_debtor") or cur.get("abnormal_operation"):
        ev = {
            "year": year,
            "enforcement_cases": cases,
            "defaulting_debtor": bool(cur.get("defaulting_debtor")),
            "abnormal_operation": bool(cur.get("abnormal_operation")),
        }
        out.append(_signal("enforcement", ev, w["enforcement"]))
    if cur.get("production_stopped") or cur.get("construction_stopped"):
        ev = {
            "year": year,
            "production_stopped": bool(cur.get("production_stopped")),
            "construction_stopped": bool(cur.get("construction_stopped")),
            "double_stop": bool(cur.get("production_stopped") and cur.get("construction_stopped")),
        }
        out.append(_signal("production_stopped", ev, w["production_stopped"]))
    oecd = _oecd_test(years, year, established_on, cfg)
    if oecd is not None:
        out.append(_signal("interest_coverage", oecd, w["interest_coverage"]))
    return out


def _oecd_test(
    years: dict[int, dict[str, Any]], year: int, established_on: date | None, cfg: dict[str, Any]
) -> dict[str, Any] | None:
    """OECD zombie test: age >= 10 years and EBIT / interest < 1 for 3 years (data allowing)."""
    n = int(cfg["interest_coverage_years"])
    run = list(range(year - n + 1, year + 1))
    coverage: dict[int, float] = {}
    for y in run:
        ebit = _num(years.get(y, {}).get("ebit_yuan"))
        interest = _num(years.get(y, {}).get("interest_paid_yuan"))
        if ebit is None or not interest:
            return None  # the data does not allow the test
        coverage[y] = round(ebit / interest, 3)
    if not all(c < float(cfg["interest_coverage_below"]) for c in coverage.values()):
        return None
    age = None if established_on is None else year - established_on.year
    if age is not None and age < int(cfg["oecd_min_age_years"]):
        return None
    return {"years": run, "interest_coverage": coverage, "firm_age_years": age}


def _latest_year(conn: Connection) -> int:
    year = conn.execute(text("SELECT max(year) FROM firm_indicator")).scalar()
    if year is None:
        raise NotFoundError(
            message="没有企业年度指标，无法甄别",
            message_en="no firm indicators: nothing to screen",
            field="year",
        )
    return int(year)


def _indicators(conn: Connection, first: int, last: int) -> dict[int, dict[int, dict[str, Any]]]:
    rows = conn.execute(
        text("SELECT * FROM firm_indicator WHERE year BETWEEN :a AND :b"), {"a": first, "b": last}
    ).mappings()
    out: dict[int, dict[int, dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(int(r["firm_id"]), {})[int(r["year"])] = dict(r)
    return out


def screen_firms(
    conn: Connection, year: int | None = None, as_of: date | None = None, *, store: bool = False
) -> dict[str, Any]:
    """Screen every firm with indicators for ``year`` (default: the latest); rank by score.

    Computing writes nothing; ``store=True`` (``POST /screening/firms``, ``parkgis screen
    firms --store``) records the run (screening_run / screening_result) with its date and
    rules version and returns its ``run_id``.
    """
    cfg = rules("zombie_screening")
    year = year or _latest_year(conn)
    span = max(int(cfg["loss_years_in_row"]), int(cfg["interest_coverage_years"]))
    data = _indicators(conn, year - span - 5, year)
    firms = conn.execute(
        text(
            "SELECT f.id, f.name, f.uscc, f.status, f.established_on, "
            "coalesce(sum(p.area_mu), 0) AS land_mu "
            "FROM firm f LEFT JOIN parcel p ON p.holder_firm_id = f.id GROUP BY f.id"
        )
    ).mappings()
    total_weight = float(sum(cfg["weights"].values()))
    results = []
    for f in firms:
        years = data.get(int(f["id"]))
        if not years or year not in years:
            continue
        signals = firm_signals(years, year, f["established_on"])
        score = round(100.0 * sum(s["weight"] for s in signals) / total_weight, 1)
        if score >= cfg["likely_zombie_score"]:
            verdict = "likely_zombie"
        elif score >= cfg["watch_score"]:
            verdict = "watch"
        else:
            verdict = "none"
        results.append(
            {
                "firm_id": int(f["id"]),
                "name": f["name"],
                "uscc": f["uscc"],
                "firm_status": f["status"],
                "land_mu": float(f["land_mu"]),
                "score": score,
                "class": verdict,
                "signals": signals,
            }
        )
    results.sort(key=lambda r: (-r["score"], -r["land_mu"], r["firm_id"]))
    for i, r in enumerate(results, start=1):
        r["rank"] = i
    run: dict[str, Any] = {
        "kind": "zombie",
        "year": year,
        "as_of": today(as_of).isoformat(),
        "rules_version": rules_version("zombie_screening"),
        "run_id": None,
        "results": results,
    }
    if store:
        run["run_id"] = store_run(conn, "zombie", year, run["rules_version"], run["as_of"], results)
    return run


def store_run(
    conn: Connection,
    kind: str,
    year: int,
    version: str,
    as_of: str,
    results: list[dict[str, Any]],
) -> int:
    """Store a screening or efficiency run with its results; return the run id."""
    run_id = int(
        conn.execute(
            text(
                "INSERT INTO screening_run (kind, year, rules_version, params) "
                "VALUES (:k, :y, :v, CAST(:p AS jsonb)) RETURNING id"
            ),
            {"k": kind, "y": year, "v": version, "p": json.dumps({"as_of": as_of})},
        ).scalar_one()
    )
    if results:
        conn.execute(
            text(
                "INSERT INTO screening_result (run_id, firm_id, score, rank, class, signals) "
                "VALUES (:run, :firm, :score, :rank, :cls, CAST(:sig AS jsonb))"
            ),
            [
                {
                    "run": run_id,
                    "firm": r["firm_id"],
                    "score": r["score"],
                    "rank": r["rank"],
                    "cls": r["class"],
                    "sig": json.dumps(r.get("signals", r.get("indicators", [])), default=str),
                }
                for r in results
            ],
        )
    return run_id


def compare_runs(conn: Connection, old_run: int, new_run: int) -> list[dict[str, Any]]:
    """Per firm: score and class in two stored runs, and the change (largest change first)."""
    rows = conn.execute(
        text(
            "SELECT coalesce(n.firm_id, o.firm_id) AS firm_id, f.name, o.score AS old_score, "
            "n.score AS new_score, o.class AS old_class, n.class AS new_class "
            "FROM (SELECT * FROM screening_result WHERE run_id = :new) n "
            "FULL JOIN (SELECT * FROM screening_result WHERE run_id = :old) o "
            "ON o.firm_id = n.firm_id JOIN firm f ON f.id = coalesce(n.firm_id, o.firm_id)"
        ),
        {"old": old_run, "new": new_run},
    ).mappings()
    out = []
    for r in rows:
        d = dict(r)
        old, new = _num(d["old_score"]), _num(d["new_score"])
        d["old_score"], d["new_score"] = old, new
        d["change"] = None if old is None or new is None else round(new - old, 1)
        out.append(d)
    out.sort(key=lambda d: -abs(d["change"] or 0))
    return out
