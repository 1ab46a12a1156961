"""The demo park: one date of return for every idle parcel, and names without firms.

The release pipeline, the idle-land ledger, matching (its offer and a real match) and
the site page must give each idle parcel of the demo the same expected date (issue 14
§4); the public sees the dated ones, and no parcel name carries a firm's name (§12).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from parkgis.access import ANONYMOUS
from parkgis.demo import DEMO_TODAY
from parkgis.matching import match
from parkgis.matching.engine import ensure_fresh
from parkgis.matching.offer import current_offer, day_of
from parkgis.matching.site import site_detail
from parkgis.release import idle, pipeline
from parkgis.release.returns import PUBLIC_FIELDS


def test_every_idle_parcel_has_one_date_everywhere(demo_conn: Connection) -> None:
    conn = demo_conn
    idle_ids = list(conn.execute(text("SELECT id FROM parcel WHERE status = 'idle'")).scalars())
    assert len(idle_ids) >= 5
    supply = {s["parcel_id"]: s["expected_release_on"]
              for s in pipeline.upcoming_supply(conn, DEMO_TODAY)}  # fmt: skip
    ledger = {c["parcel_id"]: c["expected_available_from"]
              for c in idle.idle_clocks(conn, DEMO_TODAY)}  # fmt: skip
    ensure_fresh(conn)
    offer = current_offer(conn)
    expected, _, _ = offer.returns(DEMO_TODAY)
    rows = offer.row_of["parcel"]
    offered = {pid: day_of(expected[rows[pid]]) for pid in idle_ids}
    page = {pid: site_detail(conn, "parcel", pid, "promotion", DEMO_TODAY)["available_from"]
            for pid in idle_ids}  # fmt: skip
    for pid in idle_ids:
        assert supply[pid] == ledger[pid] == offered[pid] == page[pid], pid
    dated = {pid: d for pid, d in page.items() if d is not None}
    assert dated and all(d > DEMO_TODAY for d in dated.values())  # never in the past
    gov = set(conn.execute(text(
        "SELECT id FROM parcel WHERE status = 'idle' AND government_cause IS NOT NULL"
    )).scalars())  # fmt: skip
    assert gov and all(page[pid] is None for pid in gov)
    # Matching itself (the ranked sites a promotion officer sees) gives the same dates.
    result = match(
        conn, {"investor_name": "核对公司", "industry_code": "C34", "site_kind": "land",
               "land_mu_min": 0.5, "land_mu_max": 500}, "promotion", top=5000, as_of=DEMO_TODAY,
    )  # fmt: skip
    listed = {s["id"]: s["available_from"] for s in result.fits + result.near_misses
              if s["kind"] == "parcel" and s["id"] in page}  # fmt: skip
    assert listed and all(listed[pid] == page[pid] for pid in listed)
    # The public: the dated ones, as a parcel and its date (pipeline and site page).
    public = {r["plot_no"]: r["expected_available_from"]
              for r in pipeline.pipeline_for(conn, ANONYMOUS, DEMO_TODAY)}  # fmt: skip
    for pid, day in dated.items():
        seen = site_detail(conn, "parcel", pid, "public", DEMO_TODAY)
        assert set(seen["properties"]) <= set(PUBLIC_FIELDS)
        assert seen["available_from"] == day == public[seen["properties"]["plot_no"]]


def test_no_parcel_name_carries_a_firm_name(demo_conn: Connection) -> None:
    named = demo_conn.execute(text(
        "SELECT count(*) FROM parcel p JOIN firm f ON strpos(p.name, f.name) > 0"
    )).scalar_one()  # fmt: skip
    assert named == 0
    released = demo_conn.execute(text(
        "SELECT p.name, c.extra->>'debtor_name' AS debtor FROM parcel p "
        "JOIN case_parcel cp ON cp.parcel_id = p.id "
        "JOIN bankruptcy_case c ON c.id = cp.case_id AND c.stage = 'closed' "
        "WHERE p.status = 'released'"
    )).all()  # fmt: skip
    assert released and all(r.name and r.debtor not in r.name for r in released)
