"""Per-mu efficiency evaluation (亩均效益评价) and the A/B/C/D classes.

Anhui 皖经信运行〔2021〕108号 and county practice (DOMAIN.md §3): firms above designated size
on tax, revenue and technical-upgrade investment per mu, R&D intensity, revenue per unit
energy and labour productivity; smaller firms on tax per mu only. score = sum(min(value /
benchmark, cap) * weight); classes by rank within each group (cut-offs in release.toml).
A firm's land is the sum of ``parcel.area_mu`` it holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.release._common import rules, rules_version, today
from parkgis.release.screening import store_run


def _ratio(num: Any, den: Any) -> float | None:
    if num is None or den is None or float(den) == 0:
        return None
    return float(num) / float(den)


def indicators(row: dict[str, Any]) -> dict[str, float | None]:
    """The per-mu indicators of one firm-year (``land_mu`` included in ``row``)."""
    mu = row["land_mu"]
    return {
        "tax_per_mu": _ratio(row["tax_paid_yuan"], mu),
        "revenue_per_mu": _ratio(row["revenue_yuan"], mu),
        "tech_investment_per_mu": _ratio(row["tech_investment_yuan"], mu),
        "rd_intensity": _ratio(row["rd_spending_yuan"], row["revenue_yuan"]),
        "revenue_per_energy": _ratio(row["revenue_yuan"], row["energy_tce"]),
        "labour_productivity": _ratio(row["revenue_yuan"], row["employees"]),
    }


def score(
    values: dict[str, float | None], weights: dict[str, float]
) -> tuple[float, list[dict[str, Any]]]:
    """Weighted benchmark score and the per-indicator breakdown (missing value scores 0)."""
    cfg = rules("per_mu_efficiency")
    cap = float(cfg["ratio_cap"])
    parts = []
    total = 0.0
    for name, weight in weights.items():
        value = values.get(name)
        bench = float(cfg["benchmarks"][name])
        earned = 0.0 if value is None else min(value / bench, cap) * float(weight)
        total += earned
        parts.append(
            {
                "indicator": name,
                "value": value,
                "benchmark": bench,
                "weight": weight,
                "score": round(earned, 2),
            }
        )
    return round(total, 2), parts


def class_for(rank: int, n: int) -> str:
    """Class A-D of the ``rank``-th of ``n`` firms by the cumulative cut-offs."""
    cutoffs = rules("per_mu_efficiency")["class_cutoffs"]
    share = rank / n
    for cls in ("A", "B", "C"):
        if share <= float(cutoffs[cls]) + 1e-9:
            return cls
    return "D"


def evaluate_efficiency(
    conn: Connection, year: int, as_of: date | None = None, *, store: bool = False
) -> dict[str, Any]:
    """Score and class every firm with indicators for ``year``; D-class firms' land listed.

    Computing writes nothing; ``store=True`` (``POST /screening/efficiency``, ``parkgis
    screen efficiency --store``) records the run and returns its ``run_id``.
    """
    cfg = rules("per_mu_efficiency")
    rows = conn.execute(
        text(
            "SELECT f.id AS firm_id, f.name, f.above_scale, i.*, "
            "(SELECT coalesce(sum(p.area_mu), 0) FROM parcel p WHERE p.holder_firm_id = f.id) "
            "AS land_mu FROM firm f JOIN firm_indicator i ON i.firm_id = f.id AND i.year = :y"
        ),
        {"y": year},
    ).mappings()
    groups: dict[str, list[dict[str, Any]]] = {"above_scale": [], "small": []}
    without_land = []
    for r in rows:
        row = dict(r)
        row["land_mu"] = float(row["land_mu"])
        base = {"firm_id": int(row["firm_id"]), "name": row["name"], "land_mu": row["land_mu"]}
        if row["land_mu"] <= 0:
            without_land.append(base)
            continue
        group = "above_scale" if row["above_scale"] else "small"
        weights = cfg["weights_above_scale"] if group == "above_scale" else cfg["weights_small"]
        total, parts = score(indicators(row), weights)
        groups[group].append({**base, "group": group, "score": total, "indicators": parts})
    results: list[dict[str, Any]] = []
    for members in groups.values():
        members.sort(key=lambda m: (-m["score"], m["firm_id"]))
        for i, m in enumerate(members, start=1):
            m["rank"] = i
            m["class"] = class_for(i, len(members))
        results.extend(members)
    d_firms = [r["firm_id"] for r in results if r["class"] == "D"]
    d_land = (
        [
            dict(p)
            for p in conn.execute(
                text(
                    "SELECT p.id AS parcel_id, p.plot_no, p.holder_firm_id AS firm_id, p.status, "
                    "p.area_m2, p.area_mu FROM parcel p WHERE p.holder_firm_id = ANY(:ids) "
                    "ORDER BY p.area_mu DESC"
                ),
                {"ids": d_firms},
            ).mappings()
        ]
        if d_firms
        else []
    )
    run: dict[str, Any] = {
        "kind": "efficiency",
        "year": year,
        "as_of": today(as_of).isoformat(),
        "rules_version": rules_version("per_mu_efficiency"),
        "run_id": None,
        "results": results,
        "d_class_land": d_land,
        "d_class_land_mu": round(sum(float(p["area_mu"]) for p in d_land), 4),
        "without_land": without_land,
    }
    if store:
        run["run_id"] = store_run(
            conn, "efficiency", year, run["rules_version"], run["as_of"], results
        )
    return run
