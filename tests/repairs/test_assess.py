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


@pytest.mark.parametrize(
    "statement",
    [
        # assessed_at left as it was: accepted before issue 14 item 15
        "UPDATE inspection SET ri = 1.0, ri_grade = 1 WHERE id = :i",
        "UPDATE inspection SET structural_grade = 1, f_score = 0 WHERE id = :i",
        "UPDATE inspection SET mi_grade = NULL WHERE id = :i",
        # the old guard trusted a session flag any client can set
        "SELECT set_config('parkgis.assessing', 'on', false); "
        "UPDATE inspection SET ri = 0.5, ri_grade = 1, assessed_at = now() WHERE id = :i",
        # a DO block or a function of one's own is not the assessment
        "DO $$ BEGIN UPDATE inspection SET ri_grade = 1; END $$",
    ],
)
def test_hand_edit_of_a_computed_column_is_refused(conn: Connection, statement: str) -> None:
    i = inspect(conn, _segment(conn))
    record_defects(conn, i, [{"code": "PL", "grade": 4, "distance_m": 12}])
    before = _row(conn, i)
    with pytest.raises(DBAPIError) as err, conn.begin_nested():
        conn.execute(text(statement), {"i": i})
    diag = err.value.orig.diag  # type: ignore[union-attr]
    assert diag.constraint_name == "inspection_assessment_computed"
    assert "parkgis repairs assess" in diag.message_primary
    assert "不能手工填写" in diag.message_primary
    assert _row(conn, i) == before


def test_inserting_an_inspection_with_scores_is_refused(conn: Connection) -> None:
    seg = _segment(conn)
    with pytest.raises(DBAPIError), conn.begin_nested():
        conn.execute(
            text(
                "INSERT INTO inspection (pipe_segment_id, inspected_on, direction, ri, ri_grade) "
                "VALUES (:s, '2025-01-01', 'downstream', 9, 4)"
            ),
            {"s": seg},
        )


def test_other_columns_and_marking_stale_stay_editable(conn: Connection) -> None:
    i = inspect(conn, _segment(conn))
    record_defects(conn, i, [{"code": "PL", "grade": 4, "distance_m": 12}])
    conn.execute(text("UPDATE inspection SET inspector = '张工' WHERE id = :i"), {"i": i})
    conn.execute(text("UPDATE inspection SET assessed_at = NULL WHERE id = :i"), {"i": i})
    assert assess_all(conn)["assessed"] == 1
    row = _row(conn, i)
    assert row["inspector"] == "张工" and row["assessed_at"] is not None and row["ri_grade"] == 4


def test_unknown_grade_is_a_validation_error(conn: Connection) -> None:
    i = inspect(conn, _segment(conn))
    with pytest.raises(ValidationError) as err:
        record_defects(conn, i, [{"code": "FS", "grade": 4, "distance_m": 1}])
    assert err.value.field == "grade" and err.value.row == 1
