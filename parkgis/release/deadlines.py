"""Case numbers, the stage machine and the statutory deadlines of a bankruptcy case.

Enterprise Bankruptcy Law 2006 (企业破产法), DOMAIN.md §5. Periods are counted by
:mod:`parkgis.calendar` (Civil Code Arts 201-202, Civil Procedure Law Art. 85: the first
day is not counted), so "within 15 days of the application" on 2024-03-01 is 2024-03-16;
months end on the corresponding day or the month's last (3 months from 2024-11-30 is
2025-02-28). Not applied: the roll-over of a period ending on a public holiday (no
holiday calendar yet).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from parkgis.calendar import add_days, add_months
from parkgis.errors import ConflictError, ValidationError
from parkgis.labels import codes
from parkgis.labels.format import Lang
from parkgis.release._common import rules
from parkgis.release.case_numbers import parse_case_number

__all__ = ["parse_case_number"]  # kept here for callers of the former home

_LINEAR = {
    "application": ("accepted", "closed"),  # closed = application rejected or withdrawn
    "accepted": ("claims_period",),
    "claims_period": ("first_meeting",),
    "first_meeting": ("plan_or_declaration",),
    "asset_disposal": ("distribution",),
    "distribution": ("closed",),
    "closed": (),
}
#: Legal transitions by procedure. Liquidation: declaration (Art. 107) then disposal (Art.
#: 111-112); reorganisation: an approved plan closes the case (Art. 86), a failed one ends
#: in declaration and disposal (Art. 88, 93); conciliation likewise (Art. 98, 99, 104).
#: Art. 43 para. 4 / Art. 120: an estate that cannot pay the costs is closed early.
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "liquidation": {**_LINEAR, "plan_or_declaration": ("asset_disposal", "closed")},
    "reorganisation": {**_LINEAR, "plan_or_declaration": ("closed", "asset_disposal")},
    "conciliation": {**_LINEAR, "plan_or_declaration": ("closed", "asset_disposal")},
}


def allowed_next(procedure: str, stage: str) -> list[str]:
    """Stages a case of ``procedure`` may move to from ``stage``."""
    return list(TRANSITIONS[procedure][stage])


def check_transition(conn: Connection, procedure: str, stage: str, target: str) -> None:
    """Refuse an illegal stage transition, listing the allowed ones (stages as words)."""
    stages = codes.code_list(conn, "case_stage")
    if stages.get(target) is None:
        raise ValidationError(
            message=f"未知阶段 {target}",
            message_en=f"unknown stage {target!r}",
            field="stage",
            expected=list(stages.codes),
            found=target,
        )
    allowed = allowed_next(procedure, stage)
    if target not in allowed:
        procedures = codes.code_list(conn, "case_procedure")

        def words(lang: Lang) -> tuple[str, str, str, str]:
            sep = "、" if lang == "zh" else ", "
            listed = sep.join(stages.label(a, lang) for a in allowed)
            return (
                stages.label(stage, lang),
                stages.label(target, lang),
                procedures.label(procedure, lang),
                listed,
            )

        here, there, proc, listed = words("zh")
        here_en, there_en, proc_en, listed_en = words("en")
        raise ConflictError(
            message=f"不能从“{here}”转到“{there}”（{proc}）；允许的下一阶段："
            f"{listed or '无（案件已终结）'}",
            message_en=f"illegal transition {here_en} -> {there_en} for {proc_en}; "
            f"allowed: {listed_en or 'none (case closed)'}",
            field="stage",
            expected=allowed,
            found=target,
        )


def claims_window(announced_on: date) -> tuple[date, date]:
    """Earliest and latest end of the claims period (Art. 45: 30 days to 3 months)."""
    cfg = rules("bankruptcy")
    return (
        add_days(announced_on, int(cfg["claims_min_days"])),
        add_months(announced_on, int(cfg["claims_max_months"])),
    )


def check_claims_deadline(announced_on: date, claims_deadline_on: date) -> None:
    """Refuse a claims deadline outside Art. 45's window."""
    lo, hi = claims_window(announced_on)
    if not lo <= claims_deadline_on <= hi:
        raise ValidationError(
            message=f"债权申报期限 {claims_deadline_on} 不符合《企业破产法》第四十五条："
            f"应在公告之日起30日至3个月内（{lo} 至 {hi}）",
            message_en=f"claims deadline {claims_deadline_on} outside Art. 45: {lo} to {hi}",
            field="claims_deadline_on",
            expected=[lo.isoformat(), hi.isoformat()],
            found=claims_deadline_on.isoformat(),
        )


def _item(
    key: str,
    article: str,
    zh: str,
    en: str,
    due: date,
    done: date | None,
    as_of: date,
    closed: bool,
) -> dict[str, Any]:
    if done is not None:
        status = "done" if done <= due else "done_late"
        days_left = None
    elif closed:
        status, days_left = "not_applicable", None
    else:
        days_left = (due - as_of).days
        status = "overdue" if days_left < 0 else "open"
    return {
        "key": key,
        "article": article,
        # The article in each language alone, for pages that never mix the two.
        "article_zh": article.partition(" Art.")[0],
        "article_en": "Art." + article.partition(" Art.")[2] if " Art." in article else article,
        "label_zh": zh,
        "label_en": en,
        "due_on": due,
        "done_on": done,
        "status": status,
        "days_left": days_left,
        "days_overdue": -days_left if days_left is not None and days_left < 0 else 0,
    }


def case_deadlines(case: dict[str, Any], as_of: date) -> list[dict[str, Any]]:
    """Every statutory deadline of a case computed from its dates (Art. 10, 14, 45, 62, 79)."""
    cfg = rules("bankruptcy")
    closed = case["stage"] == "closed"
    out = []
    if case["applicant_kind"] == "creditor":
        days = (
            int(cfg["creditor_notice_days"])
            + int(cfg["creditor_objection_days"])
            + int(cfg["creditor_ruling_days"])
        )
    else:
        days = int(cfg["acceptance_days"])
    if case["acceptance_extended"]:
        days += int(cfg["acceptance_extension_days"])
    out.append(
        _item(
            "acceptance",
            "第十条 Art. 10",
            "裁定是否受理",
            "Ruling on acceptance",
            add_days(case["applied_on"], days),
            case["accepted_on"],
            as_of,
            closed,
        )
    )
    accepted = case["accepted_on"]
    if accepted:
        out.append(
            _item(
                "announcement",
                "第十四条 Art. 14",
                "通知债权人并公告",
                "Notify creditors and announce",
                add_days(accepted, int(cfg["announcement_days"])),
                case["announced_on"],
                as_of,
                closed,
            )
        )
    announced = case["announced_on"]
    if announced:
        lo, hi = claims_window(announced)
        end = case["claims_deadline_on"] or hi
        item = _item(
            "claims_period",
            "第四十五条 Art. 45",
            "债权申报期届满",
            "End of the claims period",
            end,
            end if as_of >= end else None,
            as_of,
            closed,
        )
        item["earliest_on"], item["latest_on"] = lo, hi
        out.append(item)
        out.append(
            _item(
                "first_meeting",
                "第六十二条 Art. 62",
                "召开第一次债权人会议",
                "First creditors' meeting",
                add_days(end, int(cfg["first_meeting_days"])),
                case["first_meeting_on"],
                as_of,
                closed,
            )
        )
    ruled = case.get("reorganisation_ruled_on")
    if case["procedure"] == "reorganisation" and ruled:
        months = int(cfg["plan_months"]) + (
            int(cfg["plan_extension_months"]) if case["plan_extended"] else 0
        )
        out.append(
            _item(
                "reorganisation_plan",
                "第七十九条 Art. 79",
                "提交重整计划草案",
                "Submit the reorganisation plan",
                add_months(ruled, months),
                case["plan_submitted_on"],
                as_of,
                closed,
            )
        )
    return out
