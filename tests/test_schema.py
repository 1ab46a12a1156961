"""The schema: migrations from empty, constraints that refuse bad rows, history."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DataError, IntegrityError, InternalError

from tests import park

BAD = (IntegrityError, InternalError, DataError)


def test_every_geometry_column_is_typed_indexed_and_checked(conn: Connection) -> None:
    rows = conn.execute(
        text(
            "SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns "
            "WHERE f_table_schema = 'public'"
        )
    ).all()
    assert len(rows) >= 8
    for table, column, srid, _type in rows:
        assert srid == 4548, (table, column)
        has_gist = conn.execute(
            text(
                "SELECT 1 FROM pg_indexes WHERE tablename = :t AND indexdef ILIKE '%gist%' "
                "AND indexdef LIKE '%' || :c || '%'"
            ),
            {"t": table, "c": column},
        ).scalar()
        assert has_gist, f"{table}.{column} has no GiST index"
        has_check = conn.execute(
            text(
                "SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(:t) AND contype = 'c' "
                "AND pg_get_constraintdef(oid) ILIKE '%st_isvalid(' || :c || ')%'"
            ),
            {"t": table, "c": column},
        ).scalar()
        assert has_check, f"{table}.{column} has no ST_IsValid check"


def test_every_core_table_keeps_history(conn: Connection) -> None:
    tracked = set(conn.execute(text("SELECT table_name FROM logic.tracked_tables")).scalars())
    for table in (
        "parcel",
        "building",
        "building_unit",
        "road_segment",
        "manhole",
        "pipe_segment",
        "inspection",
        "defect",
        "firm",
        "firm_indicator",
        "bankruptcy_case",
        "joint_task",
        "investor_enquiry",
        "encumbrance",
        "case_event",
        "auction",
        "app_user",
    ):
        assert table in tracked


def _refused(conn: Connection, sql: str, params: dict | None = None) -> None:
    with pytest.raises(BAD), conn.begin_nested():
        conn.execute(text(sql), params or {})


def test_constraints_refuse_bad_rows(conn: Connection) -> None:
    park.zone(conn)
    base = (
        "INSERT INTO parcel (zone_code, plot_no, land_use_code, status, geom) "
        "VALUES ('340604', :p, :lu, :st, ST_GeomFromText(:g, :srid))"
    )
    ok = {"p": "A-1", "lu": "100102", "st": "available", "g": park.square(0, 0, 50), "srid": 4548}
    conn.execute(text(base), ok)
    bowtie = (
        f"MULTIPOLYGON((({park.ORIGIN_X} {park.ORIGIN_Y},{park.ORIGIN_X + 10} "
        f"{park.ORIGIN_Y + 10},{park.ORIGIN_X + 10} {park.ORIGIN_Y},{park.ORIGIN_X} "
        f"{park.ORIGIN_Y + 10},{park.ORIGIN_X} {park.ORIGIN_Y})))"
    )
    _refused(conn, base, {**ok, "p": "A-2", "g": bowtie})  # invalid geometry
    _refused(conn, base, {**ok, "p": "A-3", "srid": 4326})  # wrong SRID
    _refused(conn, base, {**ok, "p": "A-4", "lu": "9999"})  # unknown code
    _refused(conn, base, {**ok, "p": "A-5", "st": "lost"})  # bad status
    _refused(conn, base, ok)  # duplicate code
    _refused(conn, "UPDATE parcel SET registered_area_m2 = -5 WHERE plot_no = 'A-1'")
    _refused(conn, "UPDATE parcel SET parcel_code = '34060400100' WHERE plot_no = 'A-1'")
    _refused(conn, "UPDATE parcel SET plot_ratio_min = 2, plot_ratio_max = 1 WHERE plot_no = 'A-1'")
    _refused(conn, "UPDATE parcel SET status = 'idle' WHERE plot_no = 'A-1'")  # idle needs a date
    area = conn.execute(text("SELECT area_m2, area_mu FROM parcel WHERE plot_no = 'A-1'")).one()
    assert float(area.area_m2) == pytest.approx(2500.0)
    assert float(area.area_mu) == pytest.approx(2500 / (10000 / 15), abs=1e-4)


def test_defect_grade_must_exist_for_its_code(conn: Connection) -> None:
    park.zone(conn)
    m1 = park.insert(
        conn,
        "manhole",
        {
            "zone_code": "340604",
            "code": "Y1",
            "system": "storm",
            "ground_level_m": 30,
            "invert_depth_m": 2,
            "geom": park.point(0, 0),
        },
    )
    m2 = park.insert(
        conn,
        "manhole",
        {
            "zone_code": "340604",
            "code": "Y2",
            "system": "storm",
            "ground_level_m": 30,
            "invert_depth_m": 2.2,
            "geom": park.point(40, 0),
        },
    )
    seg = park.insert(
        conn,
        "pipe_segment",
        {
            "zone_code": "340604",
            "code": "Y1-Y2",
            "system": "storm",
            "from_manhole_id": m1,
            "to_manhole_id": m2,
            "diameter_mm": 600,
            "material": "rc",
            "up_invert_level_m": 28,
            "down_invert_level_m": 27.8,
            "geom": park.line((0, 0), (40, 0)),
        },
    )
    insp = park.insert(
        conn,
        "inspection",
        {"pipe_segment_id": seg, "inspected_on": "2026-05-01", "direction": "downstream"},
    )
    park.insert(conn, "defect", {"inspection_id": insp, "code": "PL", "grade": 4, "distance_m": 3})
    _refused(
        conn,
        "INSERT INTO defect (inspection_id, code, grade, distance_m) VALUES (:i, 'FS', 4, 1)",
        {"i": insp},
    )  # FS has 3 grades
    _refused(
        conn,
        "INSERT INTO defect (inspection_id, code, grade, distance_m) VALUES (:i, 'XX', 1, 1)",
        {"i": insp},
    )


def test_history_records_who_and_what(conn: Connection) -> None:
    conn.execute(text("SELECT set_config('parkgis.actor', 'clerk-wang', true)"))
    pid = park.parcel(conn, "H-1", 0, 0)
    conn.execute(text("UPDATE parcel SET status = 'in_use' WHERE id = :i"), {"i": pid})
    conn.execute(text("UPDATE parcel SET status = 'in_use' WHERE id = :i"), {"i": pid})  # no-op
    rows = conn.execute(
        text(
            "SELECT op, actor, before ->> 'status' AS b, after ->> 'status' AS a "
            "FROM history WHERE table_name = 'parcel' AND row_key = jsonb_build_object('id', :i) "
            "ORDER BY id"
        ),
        {"i": pid},
    ).all()
    assert [(r.op, r.actor, r.b, r.a) for r in rows] == [
        ("INSERT", "clerk-wang", None, "available"),
        ("UPDATE", "clerk-wang", "available", "in_use"),
    ]
    version = conn.execute(text("SELECT version FROM parcel WHERE id = :i"), {"i": pid}).scalar()
    assert version == 2
