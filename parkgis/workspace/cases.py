"""The court's case pages (法院案件): the case list with filters and one case, in words.

Reads ``parkgis.release.cases`` (scoped to the user: a court its own court's cases, a
department those of its tasks, the land bureau and admin all) and returns labelled,
formatted values: stages, procedures, tenures and outcomes from the code lists, dates as
2026年12月3日, money in 万元, land in 亩, every statutory deadline with its days left and
its article of the Enterprise Bankruptcy Law. ``transitions`` lists only the stages the
procedure allows next (``parkgis.release.deadlines.allowed_next``) with the facts each
one needs (case number on acceptance, Art. 45 claims deadline, closing outcome).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.access import User, can
from parkgis.labels import codes
from parkgis.labels import format as fmt
from parkgis.labels.format import Lang
from parkgis.release import cases, dossier
from parkgis.workspace import auctions

#: Roles that record stage transitions and auctions (the court of the case; admin).
#: Facts a transition to a stage needs besides its date (form field, input kind).
STAGE_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "accepted": (("case_no", "text"), ("administrator", "text")),
    "claims_period": (("claims_deadline_on", "date"),),
    "closed": (("closing_outcome", "select"),),
}
FIELD_WORDS = {
    "case_no": ("“破”字案号，如 (2026)皖0604破1号", "Case number, e.g. (2026)皖0604破1号"),
    "administrator": ("管理人", "Administrator"),
    "claims_deadline_on": (
        "债权申报期限（第四十五条：公告之日起三十日至三个月）",
        "Claims deadline (Art. 45: 30 days to 3 months after the announcement)",
    ),
    "closing_outcome": ("终结结果", "Outcome"),
}


def _tr(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


@dataclass
class CaseRow:
    """One line of the case list."""

    link: str
    title: str
    facts: list[str]
    urgent: bool


@dataclass
class Transition:
    """A stage the case may move to next, with the fields its form asks for."""

    stage: str
    label: str
    fields: list[dict[str, Any]] = field(default_factory=list)


def _case_title(case: dict[str, Any], lang: Lang) -> str:
    return str(case["case_no"] or case["application_no"] or fmt.missing(lang))


def _deadline_words(deadline: dict[str, Any] | None, lang: Lang) -> str:
    if deadline is None:
        return _tr(lang, "没有待办的法定期限", "No statutory deadline pending")
    label = deadline["label_zh"] if lang == "zh" else deadline["label_en"]
    return (
        f"{label}：{fmt.days_left(deadline['days_left'], lang)}"
        if lang == "zh"
        else (f"{label}: {fmt.days_left(deadline['days_left'], lang)}")
    )


def case_list(
    conn: Connection,
    user: User,
    day: date,
    lang: Lang,
    stage: str | None = None,
    court: str | None = None,
    overdue_only: bool = False,
) -> dict[str, Any]:
    """The cases ``user`` may see, filtered, with the filters' options in words."""
    stages = codes.code_list(conn, "case_stage")
    procedures = codes.code_list(conn, "case_procedure")
    every = cases.list_cases(conn, day, user)
    courts = sorted({c["court"] for c in every})
    rows = []
    for c in every:
        late = c["overdue_deadlines"] + c["overdue_tasks"]
        if (stage and c["stage"] != stage) or (court and c["court"] != court):
            continue
        if overdue_only and not late:
            continue
        area = fmt.mu(float(c["area_mu"]) * fmt.M2_PER_MU, lang)
        facts = [
            stages.label(c["stage"], lang),
            procedures.label(c["procedure"], lang),
            c["court"],
            _tr(lang, "债务人 ", "debtor ") + c["debtor_name"],
            _deadline_words(c["next_deadline"], lang),
            _tr(lang, f"地块 {c['parcels']} 宗，共 {area}", f"{c['parcels']} parcels, {area}"),
        ]
        if late:
            facts.insert(0, _tr(lang, f"逾期 {late} 项", f"{late} overdue"))
        rows.append(CaseRow(f"/staff/cases/{c['id']}", _case_title(c, lang), facts, bool(late)))
    return {
        "rows": rows,
        "total": len(every),
        "stage_options": [(s.code, s.label(lang)) for s in stages.entries],
        "court_options": courts,
    }


def _deadlines(case: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    out = []
    for d in case["deadlines"]:
        if d["status"] in ("done", "done_late"):
            state = _tr(lang, "已于 ", "done on ") + fmt.date(d["done_on"], lang)
            if d["status"] == "done_late":
                state += _tr(lang, "（逾期完成）", " (late)")
        elif d["status"] == "not_applicable":
            state = _tr(lang, "案件已终结，不再适用", "case closed: no longer applies")
        else:
            state = fmt.days_left(d["days_left"], lang)
        out.append(
            {
                "label": d["label_zh"] if lang == "zh" else d["label_en"],
                "article": _tr(lang, "《企业破产法》", "Enterprise Bankruptcy Law ")
                + d[f"article_{lang}"],
                "due": fmt.date(d["due_on"], lang),
                "state": state,
                "urgent": d["status"] == "overdue",
            }
        )
    return out


def _events(conn: Connection, case: dict[str, Any], lang: Lang) -> list[dict[str, str]]:
    stages = codes.code_list(conn, "case_stage")
    out = []
    for e in case["events"]:
        if e["stage_to"]:
            what = _tr(lang, "进入“", "moved to ") + stages.label(e["stage_to"], lang)
            what += _tr(lang, "”", "")
        else:
            what = _tr(lang, "记录", "recorded")
        out.append(
            {"date": fmt.date(e["occurred_on"], lang), "what": what, "note": e["note"] or ""}
        )
    return out


def _parcels(conn: Connection, case: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    ids = [p["parcel_id"] for p in case["parcels"]]
    burdens: dict[int, list[str]] = {i: [] for i in ids}
    rows = conn.execute(
        text(
            "SELECT parcel_id, kind, holder, amount_yuan, registered_on FROM encumbrance "
            "WHERE parcel_id = ANY(:ids) AND NOT lifted ORDER BY registered_on, id"
        ),
        {"ids": ids},
    ).mappings()
    for r in rows:
        kind = codes.label(conn, "encumbrance_kind", r["kind"], lang)
        amount = "" if r["amount_yuan"] is None else f" {fmt.money(r['amount_yuan'], lang)}"
        since = _tr(lang, "，登记于 ", ", since ") + fmt.date(r["registered_on"], lang)
        burdens[r["parcel_id"]].append(f"{kind}：{r['holder']}{amount}{since}")
    buildings: dict[int, list[str]] = {i: [] for i in ids}
    for b in conn.execute(
        text(
            "SELECT parcel_id, code, name, storeys, total_floor_area_m2, status FROM building "
            "WHERE parcel_id = ANY(:ids) ORDER BY code"
        ),
        {"ids": ids},
    ).mappings():
        storeys = _tr(lang, f"{b['storeys']} 层", f"{b['storeys']} storeys")
        status = codes.label(conn, "building_status", b["status"], lang)
        area = fmt.m2(b["total_floor_area_m2"], lang)
        buildings[b["parcel_id"]].append(
            f"{b['name'] or b['code']}：{storeys}，{area}，{status}"
            if lang == "zh"
            else f"{b['name'] or b['code']}: {storeys}, {area}, {status}"
        )
    out = []
    for p in case["parcels"]:
        out.append(
            {
                "plot_no": p["plot_no"],
                "area": fmt.land_area(p["area_m2"], lang),
                "status": codes.label(conn, "land_status", p["status"], lang),
                "tenure": codes.label(conn, "tenure", p["tenure"], lang),
                "estate": _tr(lang, "属于破产财产", "in the estate")
                if p["in_estate"]
                else _tr(lang, "划拨用地：不属于破产财产，由政府依法收回",
                         "allocated land: outside the estate, recovered by the government"),
                "burdens": burdens[p["parcel_id"]]
                or [_tr(lang, "无未解除的抵押或查封", "no open mortgage or seizure")],
                "buildings": buildings[p["parcel_id"]]
                or [_tr(lang, "地上无厂房", "no building on it")],
            }
        )  # fmt: skip
    return out


def _tasks(conn: Connection, case: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    departments = codes.code_list(conn, "department")
    statuses = codes.code_list(conn, "task_status")
    seq = codes.code_list(conn, "case_stage").column("seq")
    out = []
    for t in case["tasks"]:
        state = statuses.label(t["status"], lang)
        if t["days_left"] is not None:
            state += " · " + fmt.days_left(t["days_left"], lang)
        out.append(
            {
                "title": t["title"] if lang == "zh" else t["kind_en"],
                "department": departments.label(t["department_code"], lang),
                "due": fmt.date(t["deadline_on"], lang),
                "state": state,
                # An open task holds the case back from a stage it has not reached yet.
                "blocks": codes.label(conn, "case_stage", t["blocks_stage"], lang)
                if t["blocks_stage"]
                and t["is_open"]
                and seq[t["blocks_stage"]] > seq[case["stage"]]
                else None,
                "urgent": bool(t["overdue"]),
            }
        )
    return out


def transitions(conn: Connection, case: dict[str, Any], lang: Lang) -> list[Transition]:
    """The stages the procedure allows next, each with the fields its form needs."""
    stages = codes.code_list(conn, "case_stage")
    outcomes = [(o.code, o.label(lang)) for o in codes.code_list(conn, "closing_outcome").entries]
    out = []
    for stage in case["allowed_next"]:
        fields = []
        for name, kind in STAGE_NEEDS.get(stage, ()):
            zh, en = FIELD_WORDS[name]
            entry: dict[str, Any] = {"name": name, "kind": kind, "label": _tr(lang, zh, en)}
            if kind == "select":
                entry["options"] = outcomes
            fields.append(entry)
        out.append(Transition(stage, stages.label(stage, lang), fields))
    return out


def case_page(conn: Connection, user: User, case_id: int, day: date, lang: Lang) -> dict[str, Any]:
    """Everything the case page shows (404 for a case out of the user's scope)."""
    cases.check_case_scope(conn, case_id, user)
    case = cases.get_case(conn, case_id, day)
    procedure = codes.label(conn, "case_procedure", case["procedure"], lang)
    facts = [
        (_tr(lang, "债务人", "Debtor"), case["debtor_name"]),
        (_tr(lang, "法院", "Court"), case["court"]),
        (_tr(lang, "程序", "Procedure"), procedure),
        (_tr(lang, "当前阶段", "Stage"), codes.label(conn, "case_stage", case["stage"], lang)),
        (_tr(lang, "管理人", "Administrator"), case["administrator"] or fmt.missing(lang)),
        (_tr(lang, "申请日", "Applied on"), fmt.date(case["applied_on"], lang)),
        (_tr(lang, "预计土地释放", "Land back"), fmt.date(case["expected_release_on"], lang)),
    ]
    may_write = can(conn, user, "writes_cases")
    return {
        "id": case_id,
        "title": _case_title(case, lang),
        "version": case["version"],
        "facts": facts,
        "deadlines": _deadlines(case, lang),
        "events": _events(conn, case, lang),
        "parcels": _parcels(conn, case, lang),
        # Inline SVG built from escaped values (release.dossier.map_svg); none without parcels.
        "map_svg": dossier.map_svg(conn, case_id) if case["parcels"] else None,
        "tasks": _tasks(conn, case, lang),
        "auctions": auctions.rounds(conn, case, lang),
        "next_rounds": auctions.next_rounds(conn, case, lang) if may_write else [],
        "result_options": auctions.result_options(conn, lang),
        "transitions": transitions(conn, case, lang) if may_write else [],
        "may_write": may_write,
        "today": day.isoformat(),
    }


#: Confirmations of the auction forms (``?done=round`` / ``?done=result``).
DONE_AUCTION = {
    "round": ("已安排新一轮拍卖。", "The auction round was posted."),
    "result": ("已记录拍卖结果。", "The auction result was recorded."),
}


def done_words(conn: Connection, stage: str | None, lang: Lang) -> str | None:
    """The confirmation after a recorded form (None for no or an unknown one)."""
    if stage in DONE_AUCTION:
        return _tr(lang, *DONE_AUCTION[stage])
    stages = codes.code_list(conn, "case_stage")
    if not stage or stages.get(stage) is None:
        return None
    label = stages.label(stage, lang)
    return _tr(lang, f"已记录：案件进入“{label}”。", f"Recorded: the case moved to {label}.")
