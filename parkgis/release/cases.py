"""Bankruptcy cases (破产案件): create, link the estate's parcels, move through the stages.

Enterprise Bankruptcy Law 2006. The stage machine and the deadlines are in
``parkgis.release.deadlines``; joint tasks in ``tasks``; the expected release date in
``pipeline``. Allocated (划拨) land is listed with a case but flagged outside the estate
(its tenure's ``in_bankruptcy_estate`` is false): the government takes it back.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.access import User, case_scope, role_of
from parkgis.config import get_settings
from parkgis.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from parkgis.inputs import parse_date
from parkgis.labels import codes
from parkgis.labels import format as fmt
from parkgis.labels.format import Lang
from parkgis.release._common import check_version, today
from parkgis.release.case_numbers import (
    checked_case_number,
    parse_case_number,
    refuse_taken,
    unique_case_numbers,
)
from parkgis.release.deadlines import (
    allowed_next,
    case_deadlines,
    check_claims_deadline,
    check_transition,
)
from parkgis.release.pipeline import refresh_expected_release
from parkgis.release.tasks import create_default_tasks, list_tasks

OUTCOMES = ("sold", "recovered", "reorganised", "other")

#: Date columns a stage transition may set (whitelist: the only names put into SQL).
_DATE_FIELDS = (
    "accepted_on",
    "announced_on",
    "claims_deadline_on",
    "first_meeting_on",
    "reorganisation_ruled_on",
    "plan_submitted_on",
    "declared_on",
    "closed_on",
)
_OTHER_FIELDS = (
    "case_no",
    "administrator",
    "closing_outcome",
    "acceptance_extended",
    "plan_extended",
)


def _not_found(case_id: int) -> NotFoundError:
    return NotFoundError(
        message=f"没有编号为 {case_id} 的案件",
        message_en=f"no case {case_id}",
        field="case_id",
        found=case_id,
    )


def check_case_scope(conn: Connection, case_id: int, user: User) -> None:
    """NotFoundError, as for a missing case, unless ``user`` may see case ``case_id``.

    404 rather than 403: a court must not learn that another court's case exists.
    """
    where, params = case_scope(conn, user)
    seen = conn.execute(
        text(f"SELECT 1 FROM bankruptcy_case c WHERE c.id = :id AND {where}"),
        {"id": case_id, **params},
    ).scalar()
    if seen is None:
        raise _not_found(case_id)


def court_for_new_case(conn: Connection, user: User, court: str | None, default: str) -> str:
    """The court a new case is registered at: a court's user's own (others refused, 403)."""
    if not role_of(conn, user).court_scoped:
        return court or default
    if court and court != user.court:
        raise PermissionDeniedError(
            message=f"法院用户只能登记本院（{user.court}）的案件，不能登记 {court} 的案件",
            message_en=f"a court user registers cases of its own court ({user.court}) only, "
            f"not of {court}",
            field="court",
            expected=user.court,
            found=court,
        )
    return str(user.court)


def create_case(
    conn: Connection,
    *,
    debtor_firm_id: int,
    court: str,
    procedure: str,
    applied_on: date,
    application_no: str | None = None,
    case_no: str | None = None,
    applicant_kind: str = "debtor",
    administrator: str | None = None,
    parcel_ids: list[int] | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Register a case at application (破申 number) or already accepted (破 number)."""
    procedures = codes.codes(conn, "case_procedure")
    if procedure not in procedures:
        raise ValidationError(
            message=f"未知程序 {procedure}",
            message_en=f"unknown procedure {procedure!r}",
            field="procedure",
            expected=list(procedures),
            found=procedure,
        )
    applicant_kinds = codes.codes(conn, "applicant_kind")
    if applicant_kind not in applicant_kinds:
        raise ValidationError(
            message=f"未知申请人类型 {applicant_kind}",
            message_en=f"unknown applicant kind {applicant_kind!r}",
            field="applicant_kind",
            expected=list(applicant_kinds),
            found=applicant_kind,
        )
    application_no = checked_case_number(conn, application_no, "application", court)
    case_no = checked_case_number(conn, case_no, "case", court)
    if not application_no and not case_no:
        raise ValidationError(
            message="必须填写破申案号或破产案号",
            message_en="an application number (破申) or case number (破) is required",
            field="application_no",
            expected="(2024)皖0604破申1号",
            found=None,
        )
    firm = conn.execute(
        text("SELECT zone_code FROM firm WHERE id = :id"), {"id": debtor_firm_id}
    ).scalar()
    if firm is None:
        raise NotFoundError(
            message=f"没有编号为 {debtor_firm_id} 的企业",
            message_en=f"no firm {debtor_firm_id}",
            field="debtor_firm_id",
            found=debtor_firm_id,
        )
    numbers = {"case_no": case_no, "application_no": application_no}
    refuse_taken(conn, numbers)
    with unique_case_numbers(conn, numbers):
        case_id = int(
            conn.execute(
                text(
                    "INSERT INTO bankruptcy_case (zone_code, case_no, application_no, court, "
                    "debtor_firm_id, "
                    "administrator, procedure, stage, applicant_kind, applied_on) "
                    "VALUES (:z, :cn, :an, "
                    ":court, :firm, :adm, :proc, 'application', :kind, :applied) RETURNING id"
                ),
                {
                    "z": firm or get_settings().zone_code,
                    "cn": case_no,
                    "an": application_no,
                    "court": court,
                    "firm": debtor_firm_id,
                    "adm": administrator,
                    "proc": procedure,
                    "kind": applicant_kind,
                    "applied": applied_on,
                },
            ).scalar_one()
        )
    conn.execute(
        text(
            "INSERT INTO case_event (case_id, kind, occurred_on, stage_to, note) "
            "VALUES (:c, 'stage', :d, 'application', :n)"
        ),
        {"c": case_id, "d": applied_on, "n": "破产申请 application filed"},
    )
    if parcel_ids:
        link_parcels(conn, case_id, parcel_ids)
    refresh_expected_release(conn, case_id, as_of)
    return get_case(conn, case_id, as_of)


def link_parcels(conn: Connection, case_id: int, parcel_ids: list[int]) -> None:
    """Link the debtor's parcels to a case; estate land is marked once the case is accepted."""
    for pid in parcel_ids:
        if conn.execute(text("SELECT 1 FROM parcel WHERE id = :id"), {"id": pid}).scalar() is None:
            raise NotFoundError(
                message=f"没有编号为 {pid} 的地块",
                message_en=f"no parcel {pid}",
                field="parcel_ids",
                found=pid,
            )
        conn.execute(
            text(
                "INSERT INTO case_parcel (case_id, parcel_id) VALUES (:c, :p) "
                "ON CONFLICT DO NOTHING"
            ),
            {"c": case_id, "p": pid},
        )
    stage = conn.execute(
        text("SELECT stage FROM bankruptcy_case WHERE id = :id"), {"id": case_id}
    ).scalar()
    if stage is not None and stage not in ("application", "closed"):
        _mark_estate(conn, case_id, None)


def _mark_estate(conn: Connection, case_id: int, on: date | None) -> None:
    """Parcels in the estate (not allocated land) take status bankruptcy_estate (Art. 30)."""
    conn.execute(
        text(
            "UPDATE parcel p SET status = 'bankruptcy_estate', "
            "status_since = coalesce(CAST(:on AS date), c.accepted_on, p.status_since) "
            "FROM case_parcel cp JOIN bankruptcy_case c ON c.id = cp.case_id "
            "WHERE cp.case_id = :c AND cp.parcel_id = p.id AND p.status <> 'bankruptcy_estate' "
            "AND p.status <> 'released' AND coalesce((SELECT in_bankruptcy_estate FROM tenure "
            "WHERE code = p.tenure), true)"
        ),
        {"c": case_id, "on": on},
    )


def _case_row(conn: Connection, case_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            text(
                "SELECT c.*, f.name AS debtor_name, f.uscc AS debtor_uscc, s.label_zh AS stage_zh, "
                "s.label_en AS stage_en FROM bankruptcy_case c "
                "JOIN firm f ON f.id = c.debtor_firm_id "
                "JOIN case_stage s ON s.code = c.stage WHERE c.id = :id"
            ),
            {"id": case_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise _not_found(case_id)
    return dict(row)


def case_parcels(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """The case's parcels with tenure, estate flag and open encumbrances."""
    rows = conn.execute(
        text(
            "SELECT p.id AS parcel_id, p.plot_no, p.parcel_code, p.status, p.tenure, "
            "t.label_zh AS tenure_zh, coalesce(t.in_bankruptcy_estate, true) AS in_estate, "
            "p.land_use_code, p.area_m2, p.area_mu, p.plot_ratio_min, p.plot_ratio_max, "
            "p.building_coefficient_min, p.green_ratio_max, p.height_limit_m, p.land_price_yuan "
            "FROM case_parcel cp JOIN parcel p ON p.id = cp.parcel_id "
            "LEFT JOIN tenure t ON t.code = p.tenure WHERE cp.case_id = :c ORDER BY p.plot_no"
        ),
        {"c": case_id},
    ).mappings()
    out = []
    for r in rows:
        d = dict(r)
        d["outside_estate_reason"] = (
            None
            if d["in_estate"]
            else "划拨用地不属于破产财产，由政府依法收回 / allocated land: outside the estate"
        )
        out.append(d)
    return out


def get_case(conn: Connection, case_id: int, as_of: date | None = None) -> dict[str, Any]:
    """A case with its deadlines (days left / overdue), parcels, tasks, auctions and events."""
    day = today(as_of)
    case = _case_row(conn, case_id)
    case["allowed_next"] = allowed_next(case["procedure"], case["stage"])
    case["deadlines"] = case_deadlines(case, day)
    case["parcels"] = case_parcels(conn, case_id)
    case["tasks"] = list_tasks(conn, case_id=case_id, as_of=day)
    case["auctions"] = [
        dict(r)
        for r in conn.execute(
            text(
                "SELECT a.*, p.plot_no FROM auction a LEFT JOIN parcel p ON p.id = a.parcel_id "
                "WHERE a.case_id = :c ORDER BY a.parcel_id, a.round"
            ),
            {"c": case_id},
        ).mappings()
    ]
    case["events"] = [
        dict(r)
        for r in conn.execute(
            text(
                "SELECT id, kind, occurred_on, stage_from, stage_to, note, recorded_by, created_at "
                "FROM case_event WHERE case_id = :c ORDER BY occurred_on, id"
            ),
            {"c": case_id},
        ).mappings()
    ]
    case["late"] = [d["key"] for d in case["deadlines"] if d["status"] == "overdue"] + [
        f"task:{t['id']}" for t in case["tasks"] if t["overdue"]
    ]
    return case


def list_cases(
    conn: Connection, as_of: date | None = None, user: User | None = None
) -> list[dict[str, Any]]:
    """Every case (``user``: those it may see) with its stage, next deadline and overdue counts."""
    day = today(as_of)
    where, params = case_scope(conn, user) if user is not None else ("true", {})
    ids = conn.execute(
        text(f"SELECT c.id FROM bankruptcy_case c WHERE {where} ORDER BY c.applied_on, c.id"),
        params,
    ).scalars()
    out = []
    for cid in ids:
        c = get_case(conn, int(cid), day)
        pending = [d for d in c["deadlines"] if d["status"] in ("open", "overdue")]
        out.append(
            {
                k: c[k]
                for k in (
                    "id",
                    "case_no",
                    "application_no",
                    "court",
                    "debtor_name",
                    "procedure",
                    "stage",
                    "stage_zh",
                    "administrator",
                    "expected_release_on",
                    "version",
                )
            }
            | {
                "next_deadline": min(pending, key=lambda d: d["due_on"]) if pending else None,
                "overdue_deadlines": sum(d["status"] == "overdue" for d in c["deadlines"]),
                "overdue_tasks": sum(t["overdue"] for t in c["tasks"]),
                "parcels": len(c["parcels"]),
                "area_mu": round(sum(float(p["area_mu"]) for p in c["parcels"]), 4),
            }
        )
    return out


def blocking_tasks(conn: Connection, case_id: int, target: str) -> list[dict[str, Any]]:
    """Open tasks that forbid the case to reach ``target`` (blocks_stage at or before it)."""
    rows = conn.execute(
        text(
            "SELECT t.id, t.title, t.kind, t.department_code, t.deadline_on, t.blocks_stage "
            "FROM joint_task t JOIN task_status s ON s.code = t.status "
            "JOIN case_stage b ON b.code = t.blocks_stage "
            "WHERE t.case_id = :c AND s.is_open AND b.seq <= :seq ORDER BY t.deadline_on, t.id"
        ),
        {"c": case_id, "seq": codes.code_list(conn, "case_stage").column("seq")[target]},
    ).mappings()
    return [dict(r) for r in rows]


def _blocker_words(conn: Connection, blockers: list[dict[str, Any]], lang: Lang) -> str:
    """Open blocking tasks in words: title, department and deadline."""
    kinds, departments = codes.code_list(conn, "task_kind"), codes.code_list(conn, "department")
    if lang == "zh":
        return "；".join(
            f"{b['title']}（{departments.label(b['department_code'])}，"
            f"期限 {fmt.date(b['deadline_on'])}）"
            for b in blockers
        )
    return "; ".join(
        f"{kinds.label(b['kind'], 'en')} ({departments.label(b['department_code'], 'en')}, "
        f"due {fmt.date(b['deadline_on'], 'en')})"
        for b in blockers
    )


def advance_case(
    conn: Connection,
    case_id: int,
    stage: str,
    on: date,
    expected_version: int,
    details: dict[str, Any] | None = None,
    note: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Move a case to ``stage`` on date ``on`` (illegal transitions and open blockers refused)."""
    details = dict(details or {})
    unknown = sorted(set(details) - set(_DATE_FIELDS) - set(_OTHER_FIELDS))
    if unknown:
        raise ValidationError(
            message=f"未知字段：{', '.join(unknown)}",
            message_en=f"unknown fields: {', '.join(unknown)}",
            field=unknown[0],
            expected=list(_DATE_FIELDS + _OTHER_FIELDS),
            found=unknown,
        )
    case = _case_row(conn, case_id)
    check_version(conn, "bankruptcy_case", case_id, expected_version)
    check_transition(conn, case["procedure"], case["stage"], stage)
    if "case_no" in details:
        details["case_no"] = checked_case_number(conn, details["case_no"], "case", case["court"])
    if on < case["applied_on"]:
        raise ValidationError(
            message=f"日期 {on} 早于申请日 {case['applied_on']}",
            message_en=f"{on} is before the application date {case['applied_on']}",
            field="on",
            expected=f">= {case['applied_on']}",
            found=on.isoformat(),
        )
    blockers = blocking_tasks(conn, case_id, stage)
    if blockers:
        raise ConflictError(
            message=f"以下联动任务未完成，案件不能进入“{codes.label(conn, 'case_stage', stage)}”："
            + _blocker_words(conn, blockers, "zh"),
            message_en="open joint tasks block the stage "
            f"{codes.label(conn, 'case_stage', stage, 'en')}: "
            + _blocker_words(conn, blockers, "en"),
            field="stage",
            expected="blocking tasks done",
            found=stage,
            details=[
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in b.items()}
                for b in blockers
            ],
        )
    updates = _stage_updates(case, stage, on, details)
    sets = ", ".join(f"{k} = :{k}" for k in updates)
    with unique_case_numbers(conn, {"case_no": updates.get("case_no")}):
        done = conn.execute(
            text(
                f"UPDATE bankruptcy_case SET stage = :stage{', ' + sets if sets else ''} "
                "WHERE id = :id AND version = :v RETURNING id"
            ),
            {**updates, "stage": stage, "id": case_id, "v": expected_version},
        ).scalar()
    if done is None:
        check_version(conn, "bankruptcy_case", case_id, expected_version)
    conn.execute(
        text(
            "INSERT INTO case_event (case_id, kind, occurred_on, stage_from, stage_to, note) "
            "VALUES (:c, 'stage', :d, :f, :t, :n)"
        ),
        {"c": case_id, "d": on, "f": case["stage"], "t": stage, "n": note},
    )
    if stage == "accepted":
        create_default_tasks(conn, case_id, on)
        _mark_estate(conn, case_id, on)
    if stage == "closed" and updates.get("closing_outcome") in ("sold", "recovered"):
        conn.execute(
            text(
                "UPDATE parcel p SET status = 'released', status_since = :on FROM case_parcel cp "
                "WHERE cp.case_id = :c AND cp.parcel_id = p.id AND p.status <> 'released'"
            ),
            {"c": case_id, "on": on},
        )
    refresh_expected_release(conn, case_id, as_of)
    return get_case(conn, case_id, as_of)


def _stage_updates(  # noqa: C901 - one branch per stage of the Enterprise Bankruptcy Law's procedure
    case: dict[str, Any], stage: str, on: date, details: dict[str, Any]
) -> dict[str, Any]:
    """The columns a transition sets, validated against the law."""
    upd: dict[str, Any] = dict(details)
    for k in _DATE_FIELDS:
        if isinstance(upd.get(k), str):
            upd[k] = parse_date(upd[k], k)
    if stage == "accepted":
        case_no = upd.get("case_no") or case["case_no"]
        if not case_no:
            raise ValidationError(
                message="受理时必须填写“破”字案号，如 (2024)皖0604破1号",
                message_en="acceptance needs the case number (破), e.g. (2024)皖0604破1号",
                field="case_no",
                expected="(2024)皖0604破1号",
                found=None,
            )
        parse_case_number(case_no, "case")
        upd["case_no"] = case_no
        upd["accepted_on"] = on
        if case["procedure"] == "reorganisation":
            upd.setdefault("reorganisation_ruled_on", on)
    elif stage == "claims_period":
        upd["announced_on"] = upd.get("announced_on") or on
        if upd.get("claims_deadline_on") is None:
            raise ValidationError(
                message="进入债权申报期须填写申报期限 claims_deadline_on（第四十五条）",
                message_en="claims_deadline_on is required (Art. 45)",
                field="claims_deadline_on",
                expected="a date 30 days to 3 months on",
                found=None,
            )
        check_claims_deadline(upd["announced_on"], upd["claims_deadline_on"])
    elif stage == "first_meeting":
        if case["claims_deadline_on"] and on < case["claims_deadline_on"]:
            raise ValidationError(
                message=f"第一次债权人会议应在债权申报期限（{case['claims_deadline_on']}）届满后召开（第六十二条）",
                message_en="the first meeting comes after the claims deadline "
                f"{case['claims_deadline_on']} (Art. 62)",
                field="on",
                expected=f">= {case['claims_deadline_on']}",
                found=on.isoformat(),
            )
        upd["first_meeting_on"] = on
    elif stage == "plan_or_declaration":
        key = "plan_submitted_on" if case["procedure"] == "reorganisation" else "declared_on"
        upd.setdefault(key, on)
    elif stage == "asset_disposal" and case["procedure"] != "liquidation":
        upd.setdefault(
            "declared_on", on
        )  # failed plan or agreement: declared bankrupt (Art. 88, 99)
    elif stage == "closed":
        outcome = upd.get("closing_outcome")
        if outcome not in OUTCOMES:
            raise ValidationError(
                message="终结案件须填写结果 closing_outcome：sold/recovered/reorganised/other",
                message_en="closing needs closing_outcome",
                field="closing_outcome",
                expected=list(OUTCOMES),
                found=outcome,
            )
        upd["closed_on"] = on
    return upd
