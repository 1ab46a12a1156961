"""Budget-optimal choice of works: a MILP solved by HiGHS (scipy.optimize.milp), and the
greedy risk/cost ranking it is compared with (issue 7 §5). Pure: no database.

Variables: x[w, y] = work w done in year y; z[s, y] = street s mobilised in year y (one
mobilisation pays for every work on that street that year: grouping saves cost);
u[p] = site p made ready; v[e] = enquiry e unblocked. Constraints: each work at most
once; yearly budgets and the total budget; a work's street is mobilised in its year;
a work's ``requires`` are done the same year or earlier (the pipe under a road first);
u[p] <= each blocker of ``all_of`` and <= the sum over ``any_of``; v[e] <= sum of its sites.
Objective (:func:`objective_value`, the same function the tests' brute force uses):
normalised risk reduction (discounted by year) and land unlocked (mu + enquiries as mu),
weighted by ``objective``: risk, land or blend (``[plan] blend_risk_weight`` of risk, the
rest land, and the yearly discount ``year_discount``: local policy choices, no standard [?]).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from parkgis.config import get_rules
from parkgis.repairs.model import Problem

#: weight of the secondary criterion (tie-break): land in a risk plan, risk in a land plan.
_TIE = 1e-3


@dataclass(frozen=True)
class Solution:
    """Works chosen (key -> year, 1-based), objective value, cost, solver status."""

    chosen: dict[str, int]
    objective: float
    cost_yuan: float
    status: str
    mip_gap: float | None = None


def _weights(problem: Problem, objective: str) -> tuple[float, float]:
    """Multipliers of risk reduction and of land (mu) in the objective."""
    r_max = sum(w.risk_reduction for w in problem.works) or 1.0
    l_max = sum(s.area_mu for s in problem.sites) + problem.enquiry_mu_equivalent * len(
        problem.enquiries
    )
    l_max = l_max or 1.0
    blend = get_rules()["plan"]["blend_risk_weight"]
    a_r, a_l = {"risk": (1.0, _TIE), "land": (_TIE, 1.0), "blend": (blend, 1 - blend)}[objective]
    return a_r / r_max, a_l / l_max


def _discount(year: int) -> float:
    return 1.0 - get_rules()["plan"]["year_discount"] * (year - 1)


def plan_cost(problem: Problem, chosen: Mapping[str, int]) -> float:
    """Cost of the chosen works plus one mobilisation per street and year."""
    works = {w.key: w for w in problem.works}
    streets = {(works[k].street, y) for k, y in chosen.items() if works[k].street is not None}
    return sum(works[k].cost_yuan for k in chosen) + problem.mobilisation_yuan * len(streets)


def objective_value(problem: Problem, chosen: Mapping[str, int], objective: str) -> float:
    """Value of a choice of works under ``objective`` (risk, land or blend)."""
    w_r, w_l = _weights(problem, objective)
    works = {w.key: w for w in problem.works}
    risk = sum(works[k].risk_reduction * _discount(y) for k, y in chosen.items())
    sites, enquiries = problem.unlocked(set(chosen))
    land = sum(s.area_mu for s in sites) + problem.enquiry_mu_equivalent * len(enquiries)
    return w_r * risk + w_l * land


def feasible(
    problem: Problem, chosen: Mapping[str, int], budget: float, yearly: Sequence[float]
) -> bool:
    """Whether a choice keeps to the budgets and the order of dependent works."""
    works = {w.key: w for w in problem.works}
    for k, y in chosen.items():
        for q in works[k].requires:
            if q in works and (q not in chosen or chosen[q] > y):
                return False
    if plan_cost(problem, chosen) > budget + 1e-6:
        return False
    for y, limit in enumerate(yearly, start=1):
        if plan_cost(problem, {k: v for k, v in chosen.items() if v == y}) > limit + 1e-6:
            return False
    return True


def solve(
    problem: Problem,
    budget: float,
    yearly: Sequence[float],
    objective: str = "blend",
    time_limit_s: float | None = None,
) -> Solution:
    """The optimal choice of works for ``budget`` over ``len(yearly)`` years (HiGHS MILP)."""
    works, years = problem.works, len(yearly)
    keys = [w.key for w in works]
    index = {k: i for i, k in enumerate(keys)}
    streets = sorted({w.street for w in works if w.street is not None})
    n_x, n_z = len(works) * years, len(streets) * years
    n_u, n_v = len(problem.sites), len(problem.enquiries)
    n = n_x + n_z + n_u + n_v
    if n == 0 or not works:
        return Solution({}, 0.0, 0.0, "empty")

    def x(i: int, y: int) -> int:
        return i * years + y

    def z(s: int, y: int) -> int:
        return n_x + s * years + y

    site_index = {s.parcel_id: j for j, s in enumerate(problem.sites)}
    w_r, w_l = _weights(problem, objective)
    c = np.zeros(n)
    for i, w in enumerate(works):
        for y in range(years):
            c[x(i, y)] = -w_r * w.risk_reduction * _discount(y + 1)
    for j, s in enumerate(problem.sites):
        c[n_x + n_z + j] = -w_l * s.area_mu
    for e in range(n_v):
        c[n_x + n_z + n_u + e] = -w_l * problem.enquiry_mu_equivalent
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    upper: list[float] = []
    scale = 1e-4  # budgets in 10 000 yuan keep the matrix well conditioned

    def add(entries: list[tuple[int, float]], ub: float) -> None:
        r = len(upper)
        for col, val in entries:
            rows.append(r)
            cols.append(col)
            vals.append(val)
        upper.append(ub)

    street_of = {w.key: streets.index(w.street) for w in works if w.street is not None}
    for i in range(len(works)):
        add([(x(i, y), 1.0) for y in range(years)], 1.0)
    mob = problem.mobilisation_yuan * scale
    total: list[tuple[int, float]] = []
    for y in range(years):
        year_row = [(x(i, y), w.cost_yuan * scale) for i, w in enumerate(works)]
        year_row += [(z(s, y), mob) for s in range(len(streets))]
        add(year_row, yearly[y] * scale)
        total += year_row
    add(total, budget * scale)
    for i, w in enumerate(works):
        for y in range(years):
            if w.key in street_of:
                add([(x(i, y), 1.0), (z(street_of[w.key], y), -1.0)], 0.0)
            for q in w.requires:
                if q in index:
                    add([(x(i, y), 1.0)] + [(x(index[q], t), -1.0) for t in range(y + 1)], 0.0)
    for j, s in enumerate(problem.sites):
        u = n_x + n_z + j
        for k in s.all_of:
            add([(u, 1.0)] + [(x(index[k], y), -1.0) for y in range(years)], 0.0)
        if s.any_of:
            add([(u, 1.0)] + [(x(index[k], y), -1.0) for k in s.any_of for y in range(years)], 0.0)
    for e, enq in enumerate(problem.enquiries):
        v = n_x + n_z + n_u + e
        add([(v, 1.0)] + [(n_x + n_z + site_index[p], -1.0) for p in enq.sites], 0.0)
    matrix = coo_array((vals, (rows, cols)), shape=(len(upper), n)).tocsr()
    limit = time_limit_s if time_limit_s is not None else get_rules()["plan"]["time_limit_s"]
    res = milp(
        c,
        constraints=LinearConstraint(matrix, -np.inf, np.array(upper)),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"time_limit": limit, "mip_rel_gap": 1e-9},
    )
    if res.x is None:
        return Solution({}, 0.0, 0.0, f"no solution: {res.message}")
    chosen = {
        keys[i]: y + 1 for i in range(len(works)) for y in range(years) if res.x[x(i, y)] > 0.5
    }
    status = "optimal" if res.status == 0 else "time limit"
    return Solution(
        chosen,
        objective_value(problem, chosen, objective),
        plan_cost(problem, chosen),
        status,
        getattr(res, "mip_gap", None),
    )


def greedy(problem: Problem, budget: float, yearly: Sequence[float]) -> Solution:
    """Baseline: works ranked by risk reduction per yuan, each with what it requires,
    taken while the money lasts (first year with room)."""
    works = {w.key: w for w in problem.works}
    chosen: dict[str, int] = {}
    spent_year = [0.0] * len(yearly)
    spent = 0.0
    open_streets: set[tuple[str, int]] = set()
    ranked = sorted(problem.works, key=lambda w: (-w.risk_reduction / max(w.cost_yuan, 1.0), w.key))
    for w in ranked:
        if w.key in chosen:
            continue
        bundle = [q for q in w.requires if q in works and q not in chosen] + [w.key]
        for y in range(1, len(yearly) + 1):
            streets = {str(works[k].street) for k in bundle if works[k].street is not None}
            new = {(s, y) for s in streets} - open_streets
            cost = sum(works[k].cost_yuan for k in bundle) + problem.mobilisation_yuan * len(new)
            if spent + cost <= budget + 1e-6 and spent_year[y - 1] + cost <= yearly[y - 1] + 1e-6:
                chosen.update(dict.fromkeys(bundle, y))
                spent += cost
                spent_year[y - 1] += cost
                open_streets |= new
                break
    return Solution(
        chosen, objective_value(problem, chosen, "risk"), plan_cost(problem, chosen), "greedy"
    )
