"""CCTV inspections of about a fifth of the pipe segments, with CJJ 181-2012 defects.

Defect codes and their highest grades come from the database's ``defect_code`` list
(FS, AJ, CR and FZ stop at grade 3, TL at 2). The computed assessment columns of
``inspection`` (S, F, RI, ...) are left empty: ``parkgis.repairs`` computes them.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from parkgis.demo import names
from parkgis.demo.context import Context

#: Share of segments inspected, and of those with a grade-4 structural defect.
INSPECTED_P = 0.2
GRADE4_P = 0.25
_GRADE_P = np.array([0.45, 0.3, 0.17, 0.08])
#: Defects that run along the pipe (the others are point defects).
_CONTINUOUS = {"FS", "JG", "CJ", "FZ", "QF", "SG"}
_CLOCKED = {"PL", "SL", "TJ", "CK", "AJ", "CR", "BX"}


def inspect_pipes(ctx: Context, zone_code: str, first_pipe: int, rng: np.random.Generator) -> None:
    """Inspections of the pipes written for ``zone_code`` from index ``first_pipe`` on."""
    pipes = ctx.rows["pipe_segment"][first_pipe:]
    grades = ctx.defect_grades
    structural = sorted(c for c, (kind, _m) in grades.items() if kind == "structural")
    functional = sorted(c for c, (kind, _m) in grades.items() if kind == "functional")
    severe = sorted(c for c in structural if grades[c][1] == 4)
    inspectors = [names.person(rng) for _ in range(4)]
    for pipe in pipes:
        if rng.random() >= INSPECTED_P:
            continue
        length = float(pipe["geom"].length)
        inspection_id = ctx.next_id("inspection")
        when = date(2024, 3, 1) + timedelta(days=int(rng.integers(0, 960)))
        direction = "downstream" if rng.random() < 0.8 else "upstream"
        ctx.rows["inspection"].append(
            {
                "id": inspection_id,
                "pipe_segment_id": pipe["id"],
                "inspected_on": when,
                "direction": direction,
                "method": "cctv" if rng.random() < 0.9 else "qv",
                "inspector": str(rng.choice(inspectors)),
                "contractor": str(rng.choice(list(names.INSPECTION_CONTRACTORS))),
                "video_ref": f"CCTV/{when.year}/{pipe['code']}.mp4",
                "extra": {},
            }
        )
        found: list[tuple[str, int]] = []
        if rng.random() < GRADE4_P:
            found.append((str(rng.choice(severe)), 4))
        for _ in range(int(min(6, rng.poisson(1.6)))):
            pool = structural if rng.random() < 0.55 else functional
            code = str(rng.choice(pool))
            top = grades[code][1]
            p = _GRADE_P[:top] / _GRADE_P[:top].sum()
            found.append((code, int(rng.choice(np.arange(1, top + 1), p=p))))
        positions = np.sort(rng.uniform(0.3, max(0.6, length - 0.3), len(found)))
        for (code, grade), at in zip(found, positions, strict=True):
            run = None
            if code in _CONTINUOUS:
                run = round(float(min(rng.uniform(0.5, 8.0), max(0.0, length - at))), 2)
            clock_from = clock_to = None
            if code in _CLOCKED:
                clock_from = int(rng.integers(1, 13))
                clock_to = (clock_from + int(rng.integers(0, 4)) - 1) % 12 + 1
            ctx.rows["defect"].append(
                {
                    "inspection_id": inspection_id,
                    "code": code,
                    "grade": grade,
                    "distance_m": round(float(at), 2),
                    "length_m": run,
                    "clock_from": clock_from,
                    "clock_to": clock_to,
                    "remark": f"{code} {grade}级",
                    "photo_ref": f"CCTV/{when.year}/{pipe['code']}_{round(float(at), 1)}.jpg",
                    "extra": {},
                }
            )
