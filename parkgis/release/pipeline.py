"""The release pipeline: every parcel on its way back to the market, with its expected date.

Two roads back: idle land recovered by the land bureau (MLR Order 53 Art. 14) and estate land
sold by the court (Enterprise Bankruptcy Law Art. 112). The expected date of a case is kept
in ``bankruptcy_case.expected_release_on`` (refreshed on every change of the case, its tasks
or auctions) so that other services, matching first, read it from the table.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import ConflictError, NotFoundError
from parkgis.release._common import check_version, rules, today
from parkgis.release.idle import clock

_STAGE_DATE = """
SELECT coalesce(
    (SELECT max(e.occurred_on) FROM case_event e WHERE e.case_id = c.id AND e.stage_to = c.stage),
    CASE c.stage WHEN 'accepted' THEN c.accepted_on WHEN 'claims_period' THEN c.announced_on
                 WHEN 'first_meeting' THEN c.first_meeting_on WHEN 'closed' THEN c.closed_on END,
    c.applied_on)
"""


def open_blocking_tasks(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """Open joint tasks of a case that block a later stage (with the stage they block)."""
    rows = conn.execute(
        text(
            "SELECT t.id, t.kind, t.title, t.department_code, t.deadline_on, t.blocks_stage, "
            "t.status FROM joint_task t JOIN task_status s ON s.code = t.status "
            "JOIN bankruptcy_case c ON c.id = t.case_id "
            "JOIN case_stage bs ON bs.code = t.blocks_stage "
            "JOIN case_stage cs ON cs.code = c.stage "
            "WHERE t.case_id = :id AND s.is_open AND bs.seq > cs.seq ORDER BY t.deadline_on, t.id"
        ),
        {"id": case_id},
    ).mappings()
    return [dict(r) for r in rows]


def estimate_release(
    case: dict[str, Any], stage_entered_on: date, blocking: list[dict[str, Any]], as_of: date
) -> date | None:
    """Expected release date from the stage reached and the open blocking tasks [?] estimate.

    stage entry + typical days from that stage (release.toml); never before an open
    blocking task's deadline (or today, when it is overdue) plus the days from the stage it
    blocks. A closed case released its land on closing, if sold or recovered.
    """
    days = rules("release_pipeline")["days_from_stage"]
    if case["stage"] == "closed":
        return case["closed_on"] if case["closing_outcome"] in ("sold", "recovered") else None
    est = stage_entered_on + timedelta(days=int(days[case["stage"]]))
    for task in blocking:
        after = max(task["deadline_on"], as_of) + timedelta(days=int(days[task["blocks_stage"]]))
        est = max(est, after)
    return est


def refresh_expected_release(
    conn: Connection, case_id: int, as_of: date | None = None
) -> date | None:
    """Recompute and store ``bankruptcy_case.expected_release_on``; return it."""
    case = (
        conn.execute(
            text(
                f"SELECT c.*, ({_STAGE_DATE}) AS stage_entered_on "
                "FROM bankruptcy_case c WHERE c.id = :id"
            ),
            {"id": case_id},
        )
        .mappings()
        .first()
    )
    if case is None:
        raise NotFoundError(
            message=f"没有编号为 {case_id} 的案件",
            message_en=f"no case {case_id}",
            field="case_id",
            found=case_id,
        )
    est = estimate_release(
        dict(case), case["stage_entered_on"], open_blocking_tasks(conn, case_id), today(as_of)
    )
    # Through a SECURITY DEFINER function (postgis/sql/70_security.sql): a department or
    # the land bureau closing a task moves the date but may not update the case row.
    conn.execute(
        text("SELECT logic.set_expected_release(:id, :d)"),
        {"d": est, "id": case_id},
    )
    return est


def upcoming_supply(
    conn: Connection, as_of: date | None = None, dates_only: bool = False
) -> list[dict[str, Any]]:
    """Parcels on their way back to the market, for matching (earliest expected first).

    Keys: parcel_id, plot_no, reason ('idle_recovery' | 'bankruptcy_estate'), case_id,
    case_no, stage, expected_release_on, open_blocking_tasks; also area_m2, area_mu,
    land_use_code, in_estate (False for allocated land, which the government takes back).

    Estate land comes from the cases the caller may see (row-level security). With
    ``dates_only`` it comes from ``logic.case_release_dates()`` instead: every open case's
    parcels with their date and nothing of the case (case_id, case_no, stage, in_estate
    None), for the public pipeline.
    """
    day = today(as_of)
    out: list[dict[str, Any]] = []
    if dates_only:
        rows = conn.execute(
            text(
                "SELECT p.id AS parcel_id, p.plot_no, p.area_m2, p.area_mu, p.land_use_code, "
                "NULL AS case_id, NULL AS case_no, NULL AS stage, d.expected_release_on, "
                "NULL AS in_estate FROM logic.case_release_dates() d "
                "JOIN parcel p ON p.id = d.parcel_id ORDER BY p.plot_no"
            )
        ).mappings()
    else:
        rows = conn.execute(
            text(
                "SELECT p.id AS parcel_id, p.plot_no, p.area_m2, p.area_mu, p.land_use_code, "
                "c.id AS case_id, c.case_no, c.stage, c.expected_release_on, "
                "coalesce(t.in_bankruptcy_estate, true) AS in_estate "
                "FROM case_parcel cp JOIN bankruptcy_case c ON c.id = cp.case_id "
                "JOIN parcel p ON p.id = cp.parcel_id LEFT JOIN tenure t ON t.code = p.tenure "
                "WHERE c.stage <> 'closed' AND p.status <> 'released' ORDER BY c.id, p.plot_no"
            )
        ).mappings()
    blocking: dict[int, int] = {}
    for r in rows:
        if r["case_id"] is not None and r["case_id"] not in blocking:
            blocking[r["case_id"]] = len(open_blocking_tasks(conn, r["case_id"]))
        out.append(
            {
                **dict(r),
                "reason": "bankruptcy_estate",
                "open_blocking_tasks": blocking.get(r["case_id"], 0),
            }
        )
    in_case = {r["parcel_id"] for r in out}
    idle_cfg = rules("release_pipeline")["idle_recovery"]
    idle = conn.execute(
        text(
            "SELECT id AS parcel_id, plot_no, area_m2, area_mu, land_use_code, status, "
            "idle_since, agreed_start_on, actual_start_on, government_cause, land_price_yuan "
            "FROM parcel WHERE status = 'idle' ORDER BY plot_no"
        )
    ).mappings()
    for r in idle:
        if r["parcel_id"] in in_case:
            continue
        c = clock(dict(r), day)
        start = c["recovery_eligible_from"] or day
        key = (
            "days_with_government_cause"
            if c["government_cause_applies"]
            else "days_after_recovery_eligible"
        )
        expected = max(start, day) + timedelta(days=int(idle_cfg[key]))
        out.append(
            {
                "parcel_id": r["parcel_id"],
                "plot_no": r["plot_no"],
                "area_m2": r["area_m2"],
                "area_mu": r["area_mu"],
                "land_use_code": r["land_use_code"],
                "reason": "idle_recovery",
                "case_id": None,
                "case_no": None,
                "stage": None,
                "expected_release_on": expected,
                "open_blocking_tasks": 0,
                "in_estate": None,
                "recovery_eligible": c["recovery_eligible"],
                "government_cause": r["government_cause"],
            }
        )
    out.sort(key=lambda d: (d["expected_release_on"] or date.max, d["plot_no"]))
    return out


PUBLIC_KEYS = ("plot_no", "area_mu", "expected_available_from")
PROMOTION_KEYS = (
    "parcel_id",
    "plot_no",
    "area_m2",
    "area_mu",
    "land_use_code",
    "reason",
    "expected_available_from",
)


def pipeline_for(conn: Connection, role: str, as_of: date | None = None) -> list[dict[str, Any]]:
    """The pipeline as ``role`` may see it: the public only 'expected available from <date>'.

    Roles that see the cases get the supply of the cases they see; the others (public,
    infrastructure, departments) the dates of every open case, without the cases.
    """
    detailed = role in ("land_bureau", "court", "admin", "promotion")
    rows = upcoming_supply(conn, as_of, dates_only=not detailed)
    for r in rows:
        r["expected_available_from"] = r["expected_release_on"]
    if role in ("land_bureau", "court", "admin"):
        return rows
    keys = PROMOTION_KEYS if role == "promotion" else PUBLIC_KEYS
    return [{k: r[k] for k in keys} for r in rows if r["expected_release_on"] is not None]


def release_idle_parcel(
    conn: Connection, parcel_id: int, on: date, expected_version: int
) -> dict[str, Any]:
    """Mark recovered idle land as released (MLR Order 53 Art. 14); history records who."""
    check_version(conn, "parcel", parcel_id, expected_version)
    row = (
        conn.execute(
            text(
                "SELECT status, idle_since, agreed_start_on, actual_start_on, government_cause, "
                "land_price_yuan FROM parcel WHERE id = :id"
            ),
            {"id": parcel_id},
        )
        .mappings()
        .one()
    )
    if row["status"] != "idle":
        raise ConflictError(
            message=f"地块状态为 {row['status']}，只有闲置土地可收回释放",
            message_en=f"parcel status is {row['status']}; only idle land is recovered here",
            field="status",
            expected="idle",
            found=row["status"],
        )
    new = conn.execute(
        text(
            "UPDATE parcel SET status = 'released', status_since = :on WHERE id = :id "
            "AND version = :v RETURNING version"
        ),
        {"on": on, "id": parcel_id, "v": expected_version},
    ).scalar()
    return {"parcel_id": parcel_id, "status": "released", "status_since": on, "version": new}


__all__ = [
    "estimate_release",
    "pipeline_for",
    "refresh_expected_release",
    "release_idle_parcel",
    "upcoming_supply",
]
