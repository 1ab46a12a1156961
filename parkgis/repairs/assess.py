"""Store the CJJ 181-2012 assessment with each inspection, and keep it current.

Choice (issue 7, "recomputed when defects change"): the computation lives in one place,
:mod:`parkgis.repairs.cjj181` (Python, tested on hand-computed segments). Every write
path here (:func:`record_defects`) recomputes at once; for any other writer, the SQL
triggers of ``postgis/sql/40_repairs.sql`` mark the inspection stale
(``assessed_at = NULL``) when a defect or the segment's diameter, soil or area class
changes, and :func:`assess_all` (``parkgis repairs assess``) recomputes the stale ones.
A trigger refuses every score, grade or ``assessed_at`` written other than by
:func:`_store` (``logic.store_assessment``): computed scores cannot be typed in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import NotFoundError, ValidationError
from parkgis.repairs.cjj181 import Assessment, Defect, assess

_LOAD = """
SELECT i.id AS inspection_id, s.length_m, s.diameter_mm, a.k_score, so.t_score
  FROM inspection i
  JOIN pipe_segment s ON s.id = i.pipe_segment_id
  JOIN area_class a ON a.code = s.area_class
  JOIN soil_class so ON so.code = s.soil_class
 WHERE {where}
"""
_DEFECTS = """
SELECT d.inspection_id, d.code, c.kind, ds.score, d.distance_m, coalesce(d.length_m, 0) AS len
  FROM defect d
  JOIN defect_code c ON c.code = d.code
  JOIN defect_score ds ON ds.code = d.code AND ds.grade = d.grade
 WHERE d.inspection_id = ANY(:ids)
"""


def _compute(conn: Connection, where: str, params: Mapping[str, Any]) -> dict[int, Assessment]:
    heads = conn.execute(text(_LOAD.format(where=where)), dict(params)).all()
    if not heads:
        return {}
    ids = [int(h.inspection_id) for h in heads]
    defects: dict[int, list[Defect]] = defaultdict(list)
    for d in conn.execute(text(_DEFECTS), {"ids": ids}):
        defects[int(d.inspection_id)].append(
            Defect(d.code, d.kind, float(d.score), float(d.distance_m), float(d.len))
        )
    return {
        int(h.inspection_id): assess(
            defects[int(h.inspection_id)],
            float(h.length_m),
            float(h.diameter_mm),
            float(h.k_score),
            float(h.t_score),
        )
        for h in heads
    }


def _store(conn: Connection, results: Mapping[int, Assessment]) -> int:
    """Write the assessments through logic.store_assessment, the columns' only writer.

    The trigger ``logic.guard_assessment`` (postgis/sql/40_repairs.sql) refuses any other
    write to these columns; the call must stay a top-level statement (see its design note).
    """
    if not results:
        return 0
    rows = [{"id": i, **a.columns()} for i, a in results.items()]
    return int(
        conn.execute(
            text("SELECT logic.store_assessment(CAST(:rows AS jsonb))"), {"rows": json.dumps(rows)}
        ).scalar_one()
    )


def assess_inspection(conn: Connection, inspection_id: int) -> Assessment:
    """Compute and store the assessment of one inspection."""
    results = _compute(conn, "i.id = :id", {"id": inspection_id})
    if not results:
        raise NotFoundError(
            message=f"没有检测记录 {inspection_id}",
            message_en=f"no inspection {inspection_id}",
            field="inspection_id",
            found=inspection_id,
        )
    _store(conn, results)
    return results[inspection_id]


def assess_all(conn: Connection, stale_only: bool = True) -> dict[str, int]:
    """Assess every stale (or every) inspection; return counts."""
    where = "i.assessed_at IS NULL" if stale_only else "true"
    results = _compute(conn, where, {})
    stored = _store(conn, results)
    total = conn.execute(text("SELECT count(*) FROM inspection")).scalar_one()
    return {"assessed": stored, "inspections": int(total)}


def record_defects(
    conn: Connection, inspection_id: int, defects: Iterable[Mapping[str, Any]]
) -> Assessment:
    """Add defects (code, grade, distance_m, length_m, clock_from/to) and reassess at once."""
    rows = [dict(d) for d in defects]
    for n, row in enumerate(rows, start=1):
        known = conn.execute(
            text("SELECT 1 FROM defect_score WHERE code = :c AND grade = :g"),
            {"c": row.get("code"), "g": row.get("grade")},
        ).scalar()
        if not known:
            raise ValidationError(
                message=f"第 {n} 条缺陷：代码 {row.get('code')} 没有等级 {row.get('grade')}",
                message_en=f"defect {n}: code {row.get('code')} has no grade {row.get('grade')}"
                " (CJJ 181-2012 Tables 8.2.1/8.2.2)",
                field="grade",
                row=n,
                expected="a (code, grade) of defect_score",
                found=[row.get("code"), row.get("grade")],
            )
        conn.execute(
            text(
                "INSERT INTO defect (inspection_id, code, grade, distance_m, length_m, "
                "clock_from, clock_to, remark) VALUES (:i, :code, :grade, :distance_m, "
                ":length_m, :clock_from, :clock_to, :remark)"
            ),
            {
                "i": inspection_id,
                "code": row["code"],
                "grade": row["grade"],
                "distance_m": row.get("distance_m", 0),
                "length_m": row.get("length_m"),
                "clock_from": row.get("clock_from"),
                "clock_to": row.get("clock_to"),
                "remark": row.get("remark"),
            },
        )
    return assess_inspection(conn, inspection_id)
