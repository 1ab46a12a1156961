"""The demo park: deterministic, idempotent, realistic enough to demonstrate every service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from parkgis.codes import uscc_is_valid
from parkgis.demo import DEMO_VERSION, load_demo

ROOT = Path(__file__).resolve().parent.parent

CHECKSUM = text("""
    SELECT md5(
      (SELECT string_agg(plot_no || coalesce(parcel_code, '') || status || land_use_code
                         || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY plot_no) FROM parcel)
      || (SELECT string_agg(code || invert_depth_m::text || encode(ST_AsBinary(geom), 'hex'), ','
                            ORDER BY code) FROM manhole)
      || (SELECT string_agg(coalesce(uscc, '') || name, ',' ORDER BY uscc) FROM firm)
      || (SELECT string_agg(code || status || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY code)
            FROM road_segment)
    )
""")


def test_demo_is_deterministic_and_a_second_load_replaces(conn: Connection) -> None:
    first = load_demo(conn, seed=42, progress=False)
    sum_first = conn.execute(CHECKSUM).scalar()
    second = load_demo(conn, seed=42, progress=False)
    assert second == first
    assert conn.execute(CHECKSUM).scalar() == sum_first
    for table in ("parcel", "firm", "manhole", "building_unit", "bankruptcy_case", "joint_task"):
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == first[table]
    assert conn.execute(text("SELECT count(*) FROM zone WHERE code = '340604'")).scalar() == 1
    load_demo(conn, seed=43, progress=False)
    assert conn.execute(CHECKSUM).scalar() != sum_first


def test_counts_meet_the_issue(demo_conn: Connection) -> None:
    def count(sql: str) -> int:
        return int(demo_conn.execute(text(sql)).scalar_one())

    assert count("SELECT count(*) FROM parcel") >= 200
    assert count("SELECT count(*) FROM building WHERE is_standard_factory") >= 30
    assert count("SELECT count(*) FROM firm") >= 150
    assert count("SELECT count(DISTINCT year) FROM firm_indicator") == 3
    assert (
        count(
            "SELECT count(*) FROM firm f WHERE (SELECT count(*) FROM firm_indicator i "
            "WHERE i.firm_id = f.id) <> 3"
        )
        == 0
    )
    assert count("SELECT count(*) FROM investor_enquiry") >= 12
    assert 4 <= count("SELECT count(*) FROM bankruptcy_case") <= 6
    assert count("SELECT count(DISTINCT stage) FROM bankruptcy_case") >= 5
    assert count("SELECT count(*) FROM zone WHERE kind = 'park'") >= 1
    assert count("SELECT count(*) FROM poi WHERE kind = 'highway_entrance'") >= 1
    assert count("SELECT count(DISTINCT status) FROM parcel") == 7


def test_geometries_are_valid_and_inside_lieshan(demo_conn: Connection) -> None:
    for table in (
        "parcel",
        "building",
        "building_unit",
        "road_segment",
        "manhole",
        "pipe_segment",
        "poi",
        "zone",
    ):
        bad = demo_conn.execute(
            text(
                f"SELECT count(*) FROM {table} t, zone d WHERE d.code = '340604' "
                f"AND t.geom IS NOT NULL "
                f"AND NOT (ST_IsValid(t.geom) AND ST_Within(t.geom, d.geom)) "
                f"AND NOT (t.geom = d.geom)"
            )
        ).scalar()
        assert bad == 0, table
    outside = demo_conn.execute(
        text(
            "SELECT count(*) FROM building b JOIN parcel p ON p.id = b.parcel_id "
            "WHERE NOT ST_Within(b.geom, p.geom)"
        )
    ).scalar()
    assert outside == 0
    overlaps = demo_conn.execute(
        text(
            "SELECT count(*) FROM parcel a JOIN parcel b ON a.id < b.id "
            "AND ST_Overlaps(a.geom, b.geom)"
        )
    ).scalar()
    assert overlaps == 0


def test_every_manhole_reaches_its_outfall_downhill(demo_conn: Connection) -> None:
    outfalls = demo_conn.execute(
        text("SELECT zone_code, system, count(*) FROM manhole WHERE is_outfall GROUP BY 1, 2")
    ).all()
    assert outfalls and all(n == 1 for _z, _s, n in outfalls)
    unreached = demo_conn.execute(
        text("""
        WITH RECURSIVE reach(id) AS (
            SELECT id FROM manhole WHERE is_outfall
            UNION
            SELECT p.from_manhole_id FROM pipe_segment p JOIN reach r ON p.to_manhole_id = r.id
        )
        SELECT count(*) FROM manhole m WHERE NOT EXISTS (SELECT 1 FROM reach r WHERE r.id = m.id)
    """)
    ).scalar()
    assert unreached == 0
    uphill = demo_conn.execute(
        text("""
        SELECT count(*) FROM pipe_segment p
          JOIN manhole a ON a.id = p.from_manhole_id JOIN manhole b ON b.id = p.to_manhole_id
         WHERE NOT (a.invert_level_m > b.invert_level_m
                    AND p.up_invert_level_m > p.down_invert_level_m
                    AND a.system = p.system AND b.system = p.system
                    AND b.invert_level_m <= p.down_invert_level_m)
    """)
    ).scalar()
    assert uphill == 0
    one_way_out = demo_conn.execute(
        text(
            "SELECT count(*) FROM (SELECT from_manhole_id FROM pipe_segment GROUP BY 1 "
            "HAVING count(*) > 1) s"
        )
    ).scalar()
    assert one_way_out == 0
    shrinking = demo_conn.execute(
        text(
            "SELECT count(*) FROM pipe_segment up JOIN pipe_segment down "
            "ON down.from_manhole_id = up.to_manhole_id WHERE down.diameter_mm < up.diameter_mm"
        )
    ).scalar()
    assert shrinking == 0
    spacing = demo_conn.execute(
        text(
            "SELECT min(length_m), max(length_m) FROM pipe_segment "
            "WHERE road_segment_id IS NOT NULL"
        )
    ).one()
    assert float(spacing[0]) >= 28 and float(spacing[1]) <= 62


def test_inspections_follow_cjj_181(demo_conn: Connection) -> None:
    share = demo_conn.execute(
        text(
            "SELECT count(DISTINCT pipe_segment_id)::float / (SELECT count(*) FROM pipe_segment) "
            "FROM inspection"
        )
    ).scalar()
    assert 0.12 <= share <= 0.3
    too_high = demo_conn.execute(
        text(
            "SELECT count(*) FROM defect d JOIN defect_code c USING (code) "
            "WHERE d.grade > c.max_grade"
        )
    ).scalar()
    assert too_high == 0
    assert (
        demo_conn.execute(
            text(
                "SELECT count(*) FROM defect d JOIN defect_code c USING (code) "
                "WHERE c.kind = 'structural' AND d.grade = 4"
            )
        ).scalar()
        > 0
    )
    assert (
        demo_conn.execute(
            text(
                "SELECT count(*) FROM defect d JOIN defect_code c USING (code) "
                "WHERE c.kind = 'functional'"
            )
        ).scalar()
        > 0
    )
    beyond = demo_conn.execute(
        text(
            "SELECT count(*) FROM defect d JOIN inspection i ON i.id = d.inspection_id "
            "JOIN pipe_segment p ON p.id = i.pipe_segment_id WHERE d.distance_m > p.length_m"
        )
    ).scalar()
    assert beyond == 0
    # The loader ends by running the CJJ 181 assessment: every inspection is scored.
    assert (
        demo_conn.execute(
            text("SELECT count(*) FROM inspection WHERE f_score IS NULL OR ri IS NULL")
        ).scalar()
        == 0
    )


def test_some_branch_roads_are_unfinished_and_some_parcels_lack_frontage(
    demo_conn: Connection,
) -> None:
    statuses = set(
        demo_conn.execute(
            text("SELECT DISTINCT status FROM road_segment WHERE road_class = 'branch'")
        ).scalars()
    )
    assert {"complete", "dead_end"} <= statuses and statuses & {"planned", "under_construction"}
    landlocked = demo_conn.execute(
        text("""
        SELECT count(*) FROM parcel p WHERE NOT EXISTS (
            SELECT 1 FROM road_segment r WHERE r.status = 'complete'
               AND ST_DWithin(p.geom, r.geom, r.width_m / 2 + 1))
    """)
    ).scalar()
    assert landlocked > 0


def test_about_a_tenth_of_firms_are_zombies_on_locked_land(demo_conn: Connection) -> None:
    rows = demo_conn.execute(
        text("""
        SELECT f.id, f.status,
               EXISTS (SELECT 1 FROM parcel p JOIN land_status s ON s.code = p.status
                        WHERE p.holder_firm_id = f.id AND s.is_locked) AS locked_land
          FROM firm f
         WHERE (SELECT count(*) FROM firm_indicator i
                 WHERE i.firm_id = f.id AND i.profit_yuan < 0) = 3
           AND EXISTS (SELECT 1 FROM firm_indicator i WHERE i.firm_id = f.id AND i.year = 2025
                       AND i.production_stopped AND i.electricity_kwh < 50000
                       AND (i.tax_arrears_yuan > 0 OR i.social_insurance_arrears_yuan > 0))
    """)
    ).all()
    firms = demo_conn.execute(text("SELECT count(*) FROM firm")).scalar_one()
    assert 0.06 <= len(rows) / firms <= 0.16
    assert all(r.locked_land for r in rows if r.status != "deregistered")
    idle = demo_conn.execute(text("SELECT count(*) FROM parcel WHERE status = 'idle'")).scalar_one()
    assert idle >= 5
    # Found idle only once idle by Art. 2: a year after the agreed start (never started)
    # or after work stopped on started land that is under a third built.
    assert (
        demo_conn.execute(
            text(
                "SELECT count(*) FROM parcel WHERE status = 'idle' AND NOT CASE "
                "WHEN actual_start_on IS NULL "
                "THEN agreed_start_on + interval '1 year' <= idle_since "
                "ELSE work_stopped_on + interval '1 year' <= idle_since "
                "AND (developed_share < 1/3.0 OR invested_share < 0.25) END"
            )
        ).scalar()
        == 0
    )
    assert (
        demo_conn.execute(
            text("SELECT count(*) FROM parcel WHERE government_cause IS NOT NULL")
        ).scalar_one()
        >= 1
    )


def test_cases_follow_the_bankruptcy_law(demo_conn: Connection) -> None:
    bad = demo_conn.execute(
        text("""
        SELECT count(*) FROM bankruptcy_case WHERE
            (accepted_on IS NOT NULL AND accepted_on > applied_on + 15)
         OR (announced_on IS NOT NULL AND announced_on > accepted_on + 25)
         OR (claims_deadline_on IS NOT NULL
             AND claims_deadline_on > announced_on + interval '3 months')
         OR (first_meeting_on IS NOT NULL AND first_meeting_on > claims_deadline_on + 15)
         OR (stage = 'application' AND (case_no IS NOT NULL OR application_no IS NULL))
    """)
    ).scalar()
    assert bad == 0
    assert (
        demo_conn.execute(
            text(
                "SELECT count(*) FROM case_parcel cp JOIN parcel p ON p.id = cp.parcel_id "
                "WHERE p.tenure = 'allocation'"
            )
        ).scalar_one()
        >= 1
    )
    assert (
        demo_conn.execute(
            text(
                "SELECT count(*) FROM joint_task t JOIN task_kind k ON k.code = t.kind "
                "WHERE t.blocks_stage IS DISTINCT FROM k.blocks_stage"
            )
        ).scalar()
        == 0
    )
    assert (
        demo_conn.execute(
            text(
                "SELECT count(*) FROM joint_task t JOIN task_status s ON s.code = t.status "
                "WHERE s.is_open AND t.deadline_on < DATE '2026-11-26'"
            )
        ).scalar_one()
        >= 1
    )
    assert (
        demo_conn.execute(
            text("SELECT count(*) FROM encumbrance WHERE kind = 'seizure' AND lifted")
        ).scalar_one()
        >= 1
    )
    assert (
        demo_conn.execute(
            text(
                "SELECT count(*) FROM auction "
                "WHERE round = 1 AND starting_price_yuan >= 0.7 * appraisal_yuan"
            )
        ).scalar_one()
        == 1
    )


def test_unified_social_credit_codes(demo_conn: Connection) -> None:
    rows = demo_conn.execute(text("SELECT uscc, uscc_check_ok FROM firm")).all()
    assert all(uscc_is_valid(code) for code, ok in rows if ok)
    failing = [code for code, ok in rows if ok is False]
    assert 1 <= len(failing) <= 5
    assert not any(uscc_is_valid(code) for code in failing)


def test_units_share_edges_and_two_adjacent_vacant_units_exist(demo_conn: Connection) -> None:
    pairs = demo_conn.execute(
        text("""
        SELECT count(*) FROM building_unit a JOIN building_unit b
          ON a.building_id = b.building_id AND a.floor = b.floor AND a.id < b.id
         WHERE a.status = 'vacant' AND b.status = 'vacant'
           AND ST_Length(ST_Intersection(a.geom, b.geom)) > 1
    """)
    ).scalar_one()
    assert pairs >= 1
    assert (
        demo_conn.execute(text("SELECT count(*) FROM building WHERE height_m > 24")).scalar() == 0
    )


def test_cli_load_if_missing_skips_the_second_time(fresh_db: str) -> None:
    env = {**os.environ, "PARKGIS_DATABASE_URL": fresh_db}
    command = [str(Path(sys.executable).parent / "parkgis"), "demo", "load", "--if-missing"]
    first = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "parcel" in first.stdout and f"demo v{DEMO_VERSION}" in first.stdout
    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "skipped" in second.stdout


@pytest.mark.parametrize("scale", [0, -1])
def test_scale_must_be_positive(conn: Connection, scale: int) -> None:
    with pytest.raises(ValueError, match="scale"):
        load_demo(conn, scale=scale, progress=False)
