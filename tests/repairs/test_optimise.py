"""The optimiser is optimal (brute force on small random instances) and never over budget."""

from __future__ import annotations

import itertools
import random

import pytest

from parkgis.repairs.model import Enquiry, Problem, Site, Work
from parkgis.repairs.optimise import feasible, greedy, objective_value, plan_cost, solve


def _random_problem(rng: random.Random, n: int) -> Problem:
    works = []
    for i in range(n):
        street = rng.choice([None, "A路", "B路"])
        works.append(
            Work(
                key=f"w{i}",
                kind="pipe_repair",
                code=f"w{i}",
                cost_yuan=float(rng.randrange(50_000, 900_000, 10_000)),
                risk_reduction=round(rng.uniform(0, 10), 3),
                street=street,
            )
        )
    # one road work requiring two pipes
    works.append(
        Work("road", "road_complete", "R", 600_000.0, 0.0, street="A路", requires=("w0", "w1"))
    )
    keys = [w.key for w in works]
    sites = [
        Site(1, "P1", 30.0, all_of=(rng.choice(keys[:-1]),), any_of=("road",)),
        Site(2, "P2", 12.5, all_of=tuple(rng.sample(keys[:-1], 2))),
        Site(3, "P3", 8.0, all_of=(rng.choice(keys[:-1]),)),
    ]
    enquiries = [Enquiry(1, "E1", "某投资方", (2, 3))]
    return Problem(works, sites, enquiries, mobilisation_yuan=40_000, enquiry_mu_equivalent=20)


def _brute_force(problem: Problem, budget: float, objective: str) -> float:
    keys = [w.key for w in problem.works]
    best = 0.0
    for r in range(len(keys) + 1):
        for subset in itertools.combinations(keys, r):
            chosen = dict.fromkeys(subset, 1)
            if feasible(problem, chosen, budget, [budget]):
                best = max(best, objective_value(problem, chosen, objective))
    return best


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("objective", ["risk", "land", "blend"])
def test_milp_matches_brute_force(seed: int, objective: str) -> None:
    rng = random.Random(seed)
    problem = _random_problem(rng, 9)
    budget = float(rng.randrange(300_000, 3_000_000, 50_000))
    solution = solve(problem, budget, [budget], objective)
    assert solution.status == "optimal"
    assert solution.cost_yuan <= budget
    assert feasible(problem, solution.chosen, budget, [budget])
    assert solution.objective == pytest.approx(_brute_force(problem, budget, objective), rel=1e-6)
    base = greedy(problem, budget, [budget])
    assert base.cost_yuan <= budget
    assert objective_value(problem, base.chosen, objective) <= solution.objective + 1e-9


def test_multi_year_respects_yearly_budgets_and_order() -> None:
    rng = random.Random(7)
    problem = _random_problem(rng, 12)
    yearly = [800_000.0, 800_000.0, 800_000.0]
    solution = solve(problem, 2_000_000, yearly, "land")
    assert solution.status == "optimal"
    assert feasible(problem, solution.chosen, 2_000_000, yearly)
    assert plan_cost(problem, solution.chosen) <= 2_000_000
    if "road" in solution.chosen:
        assert solution.chosen["w0"] <= solution.chosen["road"]
        assert solution.chosen["w1"] <= solution.chosen["road"]


def test_grouping_on_one_street_saves_mobilisation() -> None:
    works = [
        Work("a", "pipe_repair", "a", 100_000, 5.0, street="S"),
        Work("b", "pipe_repair", "b", 100_000, 5.0, street="S"),
        Work("c", "pipe_repair", "c", 130_000, 5.5),  # mobilisation already in its cost
    ]
    problem = Problem(works, mobilisation_yuan=40_000)
    # a + b on one street = 240 000 (one mobilisation) beats any pair with c
    solution = solve(problem, 250_000, [250_000], "risk")
    assert set(solution.chosen) == {"a", "b"} and solution.cost_yuan == 240_000
