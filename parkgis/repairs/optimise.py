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

from parkgis.repairs.model import Problem
from parkgis.rules import current as current_rules

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
    blend = current_rules().plan.blend_risk_weight
    a_r, a_l = {"risk": (1.0, _TIE), "land": (_TIE, 1.0), "blend": (blend, 1 - blend)}[objective]
    return a_r / r_max, a_l / l_max


def _discount(year: int) -> float:
    return 1.0 - current_rules().plan.year_discount * (year - 1)


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


@dataclass(frozen=True)
class _Layout:
    """Where each variable sits in the MILP's vector: x, then z, then u, then v."""

    problem: Problem
    years: int
    streets: tuple[str, ...]

    @property
    def n_x(self) -> int:
        return len(self.problem.works) * self.years

    @property
    def n_z(self) -> int:
        return len(self.streets) * self.years

    @property
    def size(self) -> int:
        return self.n_x + self.n_z + len(self.problem.sites) + len(self.problem.enquiries)

    def x(self, work: int, year: int) -> int:
        return work * self.years + year

    def z(self, street: int, year: int) -> int:
        return self.n_x + street * self.years + year

    def u(self, site: int) -> int:
        return self.n_x + self.n_z + site

    def v(self, enquiry: int) -> int:
        return self.n_x + self.n_z + len(self.problem.sites) + enquiry


class _Rows:
    """The constraint matrix as sparse rows ``sum(coefficient * variable) <= upper``."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.upper: list[float] = []

    def add(self, entries: list[tuple[int, float]], ub: float) -> None:
        r = len(self.upper)
        for col, val in entries:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(val)
        self.upper.append(ub)

    def constraint(self, size: int) -> LinearConstraint:
        matrix = coo_array((self.vals, (self.rows, self.cols)), shape=(len(self.upper), size))
        return LinearConstraint(matrix.tocsr(), -np.inf, np.array(self.upper))


def _objective_vector(lay: _Layout, objective: str) -> np.ndarray:
    """Costs to minimise: minus weighted risk reduction (discounted) and land unlocked."""
    problem = lay.problem
    w_r, w_l = _weights(problem, objective)
    c = np.zeros(lay.size)
    for i, w in enumerate(problem.works):
        for y in range(lay.years):
            c[lay.x(i, y)] = -w_r * w.risk_reduction * _discount(y + 1)
    for j, s in enumerate(problem.sites):
        c[lay.u(j)] = -w_l * s.area_mu
    for e in range(len(problem.enquiries)):
        c[lay.v(e)] = -w_l * problem.enquiry_mu_equivalent
    return c


#: Budgets in 10 000 yuan keep the matrix well conditioned.
_SCALE = 1e-4


def _budget_rows(lay: _Layout, rows: _Rows, budget: float, yearly: Sequence[float]) -> None:
    """Each work at most once; each year's budget; the total budget."""
    works = lay.problem.works
    for i in range(len(works)):
        rows.add([(lay.x(i, y), 1.0) for y in range(lay.years)], 1.0)
    mob = lay.problem.mobilisation_yuan * _SCALE
    total: list[tuple[int, float]] = []
    for y in range(lay.years):
        year_row = [(lay.x(i, y), w.cost_yuan * _SCALE) for i, w in enumerate(works)]
        year_row += [(lay.z(s, y), mob) for s in range(len(lay.streets))]
        rows.add(year_row, yearly[y] * _SCALE)
        total += year_row
    rows.add(total, budget * _SCALE)


def _order_rows(lay: _Layout, rows: _Rows) -> None:
    """A work's street is mobilised in its year; what it requires is done by then."""
    works = lay.problem.works
    index = {w.key: i for i, w in enumerate(works)}
    street_of = {w.key: lay.streets.index(w.street) for w in works if w.street is not None}
    for i, w in enumerate(works):
        for y in range(lay.years):
            if w.key in street_of:
                rows.add([(lay.x(i, y), 1.0), (lay.z(street_of[w.key], y), -1.0)], 0.0)
            for q in w.requires:
                if q in index:
                    earlier = [(lay.x(index[q], t), -1.0) for t in range(y + 1)]
                    rows.add([(lay.x(i, y), 1.0), *earlier], 0.0)


def _unlock_rows(lay: _Layout, rows: _Rows) -> None:
    """A site is ready once its blockers are done; an enquiry once one of its sites is."""
    problem = lay.problem
    index = {w.key: i for i, w in enumerate(problem.works)}
    site_index = {s.parcel_id: j for j, s in enumerate(problem.sites)}
    every_year = range(lay.years)
    for j, s in enumerate(problem.sites):
        for k in s.all_of:
            rows.add([(lay.u(j), 1.0)] + [(lay.x(index[k], y), -1.0) for y in every_year], 0.0)
        if s.any_of:
            done = [(lay.x(index[k], y), -1.0) for k in s.any_of for y in every_year]
            rows.add([(lay.u(j), 1.0), *done], 0.0)
    for e, enq in enumerate(problem.enquiries):
        sites = [(lay.u(site_index[p]), -1.0) for p in enq.sites]
        rows.add([(lay.v(e), 1.0), *sites], 0.0)


def solve(
    problem: Problem,
    budget: float,
    yearly: Sequence[float],
    objective: str = "blend",
    time_limit_s: float | None = None,
) -> Solution:
    """The optimal choice of works for ``budget`` over ``len(yearly)`` years (HiGHS MILP)."""
    streets = tuple(sorted({w.street for w in problem.works if w.street is not None}))
    lay = _Layout(problem, len(yearly), streets)
    if lay.size == 0 or not problem.works:
        return Solution({}, 0.0, 0.0, "empty")
    rows = _Rows()
    _budget_rows(lay, rows, budget, yearly)
    _order_rows(lay, rows)
    _unlock_rows(lay, rows)
    limit = time_limit_s if time_limit_s is not None else current_rules().plan.time_limit_s
    res = milp(
        _objective_vector(lay, objective),
        constraints=rows.constraint(lay.size),
        integrality=np.ones(lay.size),
        bounds=Bounds(0, 1),
        options={"time_limit": limit, "mip_rel_gap": 1e-9},
    )
    if res.x is None:
        return Solution({}, 0.0, 0.0, f"no solution: {res.message}")
    chosen = {
        w.key: y + 1
        for i, w in enumerate(problem.works)
        for y in range(lay.years)
        if res.x[lay.x(i, y)] > 0.5
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
