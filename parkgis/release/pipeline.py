"""The release pipeline: every parcel on its way back to the market, with its expected date.

Two roads back: idle land recovered by the land bureau (MLR Order 53 Art. 14) and estate land
sold by the court (Enterprise Bankruptcy Law Art. 112). The expected date of a case is kept
in ``bankruptcy_case.expected_release_on`` (refreshed on every change of the case, its tasks
or auctions) so that other services, matching first, read it from the table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.access import User, role_of
from parkgis.calendar import add_days
from parkgis.errors import ConflictError, NotFoundError
from parkgis.release._common import check_version, rules, today
from parkgis.release.returns import INPUTS, expected_returns

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
    est = add_days(stage_entered_on, int(days[case["stage"]]))
    for task in blocking:
        after = add_days(max(task["deadline_on"], as_of), int(days[task["blocks_stage"]]))
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


_SUPPLY_SQL = (
    "SELECT p.id AS parcel_id, p.plot_no, p.area_m2, p.area_mu, p.land_use_code, "
    "p.government_cause AS government_cause_text, "
    + ", ".join(f"r.{c}" for c in INPUTS)
    + " FROM logic.parcel_return_source r JOIN parcel p ON p.id = r.parcel_id "
    "WHERE (r.in_case AND p.status <> 'released') OR p.status = 'idle' ORDER BY p.plot_no"
)
# The case of each parcel as the caller may see it (row-level security): the latest open one.
_CASE_SQL = (
    "SELECT DISTINCT ON (cp.parcel_id) cp.parcel_id, c.id AS case_id, c.case_no, c.stage "
    "FROM case_parcel cp JOIN bankruptcy_case c ON c.id = cp.case_id AND c.stage <> 'closed' "
    "ORDER BY cp.parcel_id, c.applied_on DESC, c.id DESC"
)


def upcoming_supply(
    conn: Connection, as_of: date | None = None, dates_only: bool = False
) -> list[dict[str, Any]]:
    """Parcels on their way back to the market, for matching (earliest expected first).

    Keys: parcel_id, plot_no, reason ('idle_recovery' | 'bankruptcy_estate'), case_id,
    case_no, stage, expected_release_on, basis (parkgis.release.returns.BASIS),
    open_blocking_tasks; also area_m2, area_mu, land_use_code, in_estate (False for
    allocated land, which the government takes back).

    Every parcel in an open case or idle is listed, its date from
    ``parkgis.release.returns`` (the one computation matching and the ledger use too).
    The case (id, number, stage) comes from the cases the caller may see (row-level
    security); with ``dates_only`` nothing of the case is read (the public pipeline).
    """
    day = today(as_of)
    rows = [dict(r) for r in conn.execute(text(_SUPPLY_SQL)).mappings()]
    cases: dict[int, dict[str, Any]] = {}
    if not dates_only:
        cases = {int(r["parcel_id"]): dict(r) for r in conn.execute(text(_CASE_SQL)).mappings()}
    blocking: dict[int, int] = {}
    out: list[dict[str, Any]] = []
    for r, ret in zip(rows, expected_returns(rows, day), strict=True):
        case = cases.get(int(r["parcel_id"]), {})
        case_id = case.get("case_id")
        if case_id is not None and case_id not in blocking:
            blocking[case_id] = len(open_blocking_tasks(conn, case_id))
        out.append(
            {
                "parcel_id": r["parcel_id"],
                "plot_no": r["plot_no"],
                "area_m2": r["area_m2"],
                "area_mu": r["area_mu"],
                "land_use_code": r["land_use_code"],
                "reason": "bankruptcy_estate" if r["in_case"] else "idle_recovery",
                "case_id": case_id,
                "case_no": case.get("case_no"),
                "stage": case.get("stage"),
                "expected_release_on": ret["expected_on"],
                "basis": ret["basis"],
                "basis_zh": ret["basis_zh"],
                "basis_en": ret["basis_en"],
                "open_blocking_tasks": blocking.get(case_id, 0) if case_id else 0,
                "in_estate": (not r["allocated"]) if r["in_case"] and not dates_only else None,
                "recovery_eligible": (
                    None
                    if r["in_case"] or ret["recovery_from"] is None
                    else ret["recovery_from"] <= day and not r["government_cause"]
                ),
                "government_cause": None if dates_only else r["government_cause_text"],
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


def pipeline_for(conn: Connection, user: User, as_of: date | None = None) -> list[dict[str, Any]]:
    """The pipeline as ``user`` may see it (its role's ``pipeline_view``, the role table).

    ``cases``: the supply of the cases the user sees, with the cases; ``sites``: the sites
    and why they come back; ``dates`` (the public, infrastructure, departments): only
    'expected available from <date>' for the parcels of every open case.
    """
    view = role_of(conn, user).pipeline_view
    rows = upcoming_supply(conn, as_of, dates_only=view == "dates")
    for r in rows:
        r["expected_available_from"] = r["expected_release_on"]
    if view == "cases":
        return rows
    keys = PROMOTION_KEYS if view == "sites" else PUBLIC_KEYS
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
