"""Joint tasks of the court-government mechanism (府院联动, 发改财金规〔2021〕274号).

The government side owes each case a set of tasks (lift seizures, tax clearance, utility
arrears, worker resettlement, property transfer, credit repair, re-planning, environmental
assessment, ...), each with a department, a deadline, a status and evidence. A task with
``blocks_stage`` holds the case back from that stage while it is open.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.access import User, case_scope, may_update_task
from parkgis.calendar import add_days
from parkgis.errors import NotFoundError, PermissionDeniedError, ValidationError
from parkgis.release._common import check_version, rules, today

#: Which department's tasks a non-department role may update (admin: all).

_SELECT = """
SELECT t.id, t.case_id, c.case_no, c.application_no, f.name AS debtor_name, t.kind,
       k.label_zh AS kind_zh, k.label_en AS kind_en, t.department_code, d.label_zh AS department_zh,
       t.title, t.deadline_on, t.status, s.is_open, t.blocks_stage, t.evidence, t.evidence_ref,
       t.completed_on, t.version
  FROM joint_task t
  JOIN bankruptcy_case c ON c.id = t.case_id
  JOIN firm f ON f.id = c.debtor_firm_id
  JOIN task_kind k ON k.code = t.kind
  JOIN department d ON d.code = t.department_code
  JOIN task_status s ON s.code = t.status
"""


def _decorate(row: dict[str, Any], as_of: date) -> dict[str, Any]:
    row = dict(row)
    days_left = (row["deadline_on"] - as_of).days
    row["overdue"] = bool(row["is_open"] and days_left < 0)
    row["days_left"] = days_left if row["is_open"] else None
    row["days_overdue"] = -days_left if row["overdue"] else 0
    return row


def create_default_tasks(conn: Connection, case_id: int, accepted_on: date) -> list[int]:
    """Create the standard joint tasks of a newly accepted case (deadlines in release.toml)."""
    deadlines = rules("joint_tasks")["deadline_days"]
    kinds = conn.execute(
        text("SELECT code, label_zh, default_department, blocks_stage FROM task_kind ORDER BY code")
    ).mappings()
    ids = []
    for k in kinds:
        if k["code"] not in deadlines:
            continue
        ids.append(
            int(
                conn.execute(
                    text(
                        "INSERT INTO joint_task (case_id, kind, department_code, title, "
                        "deadline_on, "
                        "blocks_stage) VALUES (:c, :k, :d, :t, :dl, :b) RETURNING id"
                    ),
                    {
                        "c": case_id,
                        "k": k["code"],
                        "d": k["default_department"],
                        "t": k["label_zh"],
                        "dl": add_days(accepted_on, int(deadlines[k["code"]])),
                        "b": k["blocks_stage"],
                    },
                ).scalar_one()
            )
        )
    return ids


def add_task(
    conn: Connection,
    case_id: int,
    kind: str,
    deadline_on: date,
    department_code: str | None = None,
    title: str | None = None,
) -> int:
    """Add one joint task to a case (department and blocking stage default from its kind)."""
    k = (
        conn.execute(text("SELECT * FROM task_kind WHERE code = :k"), {"k": kind})
        .mappings()
        .first()
    )
    if k is None:
        codes = list(conn.execute(text("SELECT code FROM task_kind ORDER BY code")).scalars())
        raise ValidationError(
            message=f"未知任务类型 {kind}",
            message_en=f"unknown task kind {kind!r}",
            field="kind",
            expected=codes,
            found=kind,
        )
    return int(
        conn.execute(
            text(
                "INSERT INTO joint_task (case_id, kind, department_code, title, "
                "deadline_on, "
                "blocks_stage) VALUES (:c, :k, :d, :t, :dl, :b) RETURNING id"
            ),
            {
                "c": case_id,
                "k": kind,
                "d": department_code or k["default_department"],
                "t": title or k["label_zh"],
                "dl": deadline_on,
                "b": k["blocks_stage"],
            },
        ).scalar_one()
    )


def list_tasks(
    conn: Connection,
    department: str | None = None,
    case_id: int | None = None,
    as_of: date | None = None,
    open_only: bool = False,
    user: User | None = None,
) -> list[dict[str, Any]]:
    """The task board: overdue tasks first (most overdue first), then by deadline.

    ``user``: only tasks of the cases that user may see (a court: its own court's).
    """
    day = today(as_of)
    where: list[str] = ["true"]
    params: dict[str, Any] = {}
    if user is not None:
        scope, scope_params = case_scope(conn, user)
        where.append(scope)
        params.update(scope_params)
    if department:
        where.append("t.department_code = :dep")
        params["dep"] = department
    if case_id is not None:
        where.append("t.case_id = :case")
        params["case"] = case_id
    if open_only:
        where.append("s.is_open")
    rows = conn.execute(
        text(_SELECT + " WHERE " + " AND ".join(where) + " ORDER BY t.deadline_on, t.id"), params
    ).mappings()
    tasks = [_decorate(dict(r), day) for r in rows]
    tasks.sort(key=lambda t: (not t["overdue"], not t["is_open"], t["deadline_on"], t["id"]))
    return tasks


def get_task(conn: Connection, task_id: int, as_of: date | None = None) -> dict[str, Any]:
    """One task with its days left or overdue."""
    row = conn.execute(text(_SELECT + " WHERE t.id = :id"), {"id": task_id}).mappings().first()
    if row is None:
        check_version(conn, "joint_task", task_id, 0)  # raises NotFound
    assert row is not None
    return _decorate(dict(row), today(as_of))


_EDITABLE = ("status", "evidence", "evidence_ref", "completed_on", "deadline_on")


def update_task(
    conn: Connection,
    task_id: int,
    expected_version: int,
    user: User,
    changes: dict[str, Any],
    as_of: date | None = None,
) -> dict[str, Any]:
    """Update a task's status/evidence/deadline with optimistic concurrency; refresh the case."""
    from parkgis.release.pipeline import refresh_expected_release

    task = get_task(conn, task_id, as_of)
    scope, params = case_scope(conn, user)
    if not conn.execute(
        text(f"SELECT {scope} FROM bankruptcy_case c WHERE c.id = :case_id"),
        {**params, "case_id": task["case_id"]},
    ).scalar():
        # As for a missing task: a task of a case out of scope is not confirmed to exist.
        raise NotFoundError(
            message=f"没有编号为 {task_id} 的记录（joint_task）",
            message_en=f"no joint_task with id {task_id}",
            field="id",
            found=task_id,
        )
    if not may_update_task(conn, user, task["department_code"]):
        raise PermissionDeniedError(
            message=f"您（{user.role}/{user.department_code or '-'}）无权修改"
            f"{task['department_zh']}的任务",
            message_en=f"{user.name} may not update tasks of department {task['department_code']}",
            field="department_code",
            expected=task["department_code"],
            found=user.department_code,
        )
    unknown = sorted(set(changes) - set(_EDITABLE))
    if unknown:
        raise ValidationError(
            message=f"不可修改的字段：{', '.join(unknown)}",
            message_en=f"fields not editable: {', '.join(unknown)}",
            field=unknown[0],
            expected=list(_EDITABLE),
            found=unknown,
        )
    merged = {k: task[k] for k in _EDITABLE} | changes
    statuses = list(conn.execute(text("SELECT code FROM task_status ORDER BY code")).scalars())
    if merged["status"] not in statuses:
        raise ValidationError(
            message=f"未知任务状态 {merged['status']}",
            message_en=f"unknown task status {merged['status']!r}",
            field="status",
            expected=statuses,
            found=merged["status"],
        )
    if merged["status"] == "done":
        if not merged.get("evidence"):
            raise ValidationError(
                message="任务办结必须提供证明材料（evidence）",
                message_en="a done task needs evidence",
                field="evidence",
                expected="text describing the evidence",
                found=None,
            )
        merged["completed_on"] = merged.get("completed_on") or today(as_of)
    else:
        merged["completed_on"] = None
    check_version(conn, "joint_task", task_id, expected_version)
    sets = ", ".join(f"{k} = :{k}" for k in _EDITABLE)
    done = conn.execute(
        text(f"UPDATE joint_task SET {sets} WHERE id = :id AND version = :v RETURNING id"),
        {**merged, "id": task_id, "v": expected_version},
    ).scalar()
    if done is None:
        check_version(conn, "joint_task", task_id, expected_version)
    refresh_expected_release(conn, task["case_id"], as_of)
    return get_task(conn, task_id, as_of)
