"""Assessments stored with the inspection, recomputed when defects change, never typed in."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from parkgis.errors import ValidationError
from parkgis.repairs.assess import assess_all, record_defects
from tests.repairs.net import inspect, manhole, pipe


def _segment(conn: Connection) -> int:
    a = manhole(conn, "A", 0, 0, 10)
    b = manhole(conn, "B", 40, 0, 9, outfall=True)
    return pipe(conn, "S1", a, b, diameter=1200, area_class="centre", soil_class="loess_3")


def _row(conn: Connection, inspection: int) -> dict:
    return dict(
        conn.execute(text("SELECT * FROM inspection WHERE id = :i"), {"i": inspection})
        .mappings()
        .one()
    )


def test_write_path_assesses_at_once(conn: Connection) -> None:
    i = inspect(conn, _segment(conn))
    a = record_defects(conn, i, [{"code": "PL", "grade": 4, "distance_m": 12}])
    row = _row(conn, i)
    assert row["assessed_at"] is not None
    # F = 10, K = 10 (centre, F >= 4), E = 6 (DN 1200), T = 8 (loess III)
    assert float(row["f_score"]) == 10 and row["structural_grade"] == 4
    assert float(row["ri"]) == pytest.approx(0.7 * 10 + 0.1 * 10 + 0.05 * 6 + 0.15 * 8)
    assert row["ri_grade"] == 4 and a.ri_grade == 4


def test_defect_change_marks_stale_and_assess_all_recomputes(conn: Connection) -> None:
    i = inspect(conn, _segment(conn))
    record_defects(conn, i, [{"code": "PL", "grade": 4, "distance_m": 12}])
    conn.execute(text("UPDATE defect SET grade = 1 WHERE inspection_id = :i"), {"i": i})
    assert _row(conn, i)["assessed_at"] is None
    done = assess_all(conn)
    assert done["assessed"] == 1
    row = _row(conn, i)
    assert float(row["f_score"]) == 0.5 and float(row["k_score"]) == 0  # K zeroed: F < 4
    assert float(row["ri"]) == pytest.approx(0.7 * 0.5 + 0.05 * 6 + 0.15 * 8)  # 1.85
    assert row["ri_grade"] == 2
    conn.execute(text("UPDATE pipe_segment SET diameter_mm = 1600 WHERE code = 'S1'"))
    assert _row(conn, i)["assessed_at"] is None
    assert assess_all(conn)["assessed"] == 1


def test_demo_style_inserts_are_assessed_by_assess_all(conn: Connection) -> None:
    i = inspect(conn, _segment(conn))
    conn.execute(
        text("INSERT INTO defect (inspection_id, code, grade, distance_m) VALUES (:i,'CJ',3,5)"),
        {"i": i},
    )
    assess_all(conn)
    row = _row(conn, i)
    assert float(row["g_score"]) == 5 and row["functional_grade"] == 3
    # view for the map
    pipes = conn.execute(text("SELECT mi_grade, assessment_stale FROM logic.pipes")).one()
    assert pipes.mi_grade == 3 and pipes.assessment_stale is False


def test_scores_cannot_be_typed_in(conn: Connection) -> None:
    i = inspect(conn, _segment(conn))
    with pytest.raises(DBAPIError), conn.begin_nested():
        conn.execute(
            text("UPDATE inspection SET ri = 9, assessed_at = now() WHERE id = :i"), {"i": i}
        )


def test_unknown_grade_is_a_validation_error(conn: Connection) -> None:
    i = inspect(conn, _segment(conn))
    with pytest.raises(ValidationError) as err:
        record_defects(conn, i, [{"code": "FS", "grade": 4, "distance_m": 1}])
    assert err.value.field == "grade" and err.value.row == 1
