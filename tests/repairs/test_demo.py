"""The demo park (seed 42): every inspection gets assessed and a plan keeps to its budget."""

from __future__ import annotations

from sqlalchemy import Connection, text

from parkgis.repairs.assess import assess_all
from parkgis.repairs.network import check_network
from parkgis.repairs.plan import make_plan


def test_demo_park_assess_check_and_plan(demo_conn: Connection) -> None:
    counts = assess_all(demo_conn)
    stale = demo_conn.execute(text("SELECT count(*) FROM inspection WHERE assessed_at IS NULL"))
    assert stale.scalar_one() == 0 and counts["inspections"] > 0
    report = check_network(demo_conn)
    assert report["segments"] > 0
    plan = make_plan(demo_conn, budget=5_000_000, objective="blend")
    assert plan["totals"]["cost_yuan"] <= 5_000_000
    assert plan["totals"]["greedy"]["cost_yuan"] <= 5_000_000
