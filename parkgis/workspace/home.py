"""The staff workspace's home (工作台): what a signed-in user must do today, in words.

Three sections, each shown only to the roles that may see its data (the layer catalogue's
roles for joint tasks, cases and enquiries, the same rule the API applies):

- joint tasks (府院联动) overdue or due within ``task_due_soon_days``: a department its own
  department's, a court or the land bureau those of the cases it may see;
- statutory deadlines (Enterprise Bankruptcy Law Arts. 10, 14, 45, 62, 79, computed by
  ``parkgis.release.deadlines``) open and due within ``deadline_window_days``, or overdue;
- new investor enquiries (status ``submitted`` or ``open``).

Every value is a formatted string from ``parkgis.labels.format`` and the code tables'
labels, in Chinese or English; the windows are policy in ``parkgis/rules/serving.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.access import User, case_scope, role_of
from parkgis.catalogue import get_layer
from parkgis.config import get_rules
from parkgis.labels import format as fmt
from parkgis.labels.format import Lang
from parkgis.release import cases, tasks

#: Enquiry statuses that count as new for the promotion office.
NEW_ENQUIRY_STATUSES = ("submitted", "open")


@dataclass
class Item:
    """One line of a section: a heading, facts in words, an urgency, an optional link."""

    title: str
    facts: list[str]
    urgent: bool = False
    link: str | None = None


@dataclass
class Section:
    """A section of the home page with its count (``count`` may exceed the items shown)."""

    id: str
    title: str
    count: int
    empty: str
    items: list[Item] = field(default_factory=list)


def _tr(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _windows() -> dict[str, int]:
    return {k: int(v) for k, v in get_rules()["workspace"].items()}


def user_card(conn: Connection, user: User, lang: Lang = "zh") -> dict[str, str | None]:
    """Who is signed in, in words: name, role, and the department or court."""
    row = conn.execute(
        text(
            "SELECT r.label_zh AS role_zh, r.label_en AS role_en, "
            "d.label_zh AS dep_zh, d.label_en AS dep_en "
            "FROM role r LEFT JOIN department d ON d.code = :dep WHERE r.code = :role"
        ),
        {"role": user.role, "dep": user.department_code},
    ).first()
    role = (row.role_zh if lang == "zh" else row.role_en) if row else fmt.missing(lang)
    unit = None
    if user.court:
        unit = user.court
    elif row is not None and row.dep_zh:
        unit = row.dep_zh if lang == "zh" else row.dep_en
    return {"name": user.name, "role": role, "unit": unit}


def _task_item(task: dict[str, Any], lang: Lang) -> Item:
    case_no = task["case_no"] or task["application_no"] or fmt.missing(lang)
    title = task["title"] if lang == "zh" else task["kind_en"]
    return Item(
        title=f"{title} · {case_no}",
        facts=[
            fmt.days_left(task["days_left"], lang),
            _tr(lang, "期限 ", "due ") + fmt.date(task["deadline_on"], lang),
            task["department_zh"] if lang == "zh" else task["department_en"],
            _tr(lang, "债务人 ", "debtor ") + task["debtor_name"],
        ],
        urgent=bool(task["overdue"]),
        link=f"/staff/cases/{task['case_id']}",
    )


def task_section(conn: Connection, user: User, day: date, lang: Lang) -> Section:
    """Open joint tasks overdue or due soon, most overdue first."""
    department = user.department_code if role_of(conn, user).department_scoped else None
    soon = _windows()["task_due_soon_days"]
    rows = tasks.list_tasks(conn, department=department, as_of=day, open_only=True, user=user)
    due = [t for t in rows if t["days_left"] is not None and t["days_left"] <= soon]
    labels: dict[str, str] = {
        r.code: r.label_en for r in conn.execute(text("SELECT code, label_en FROM department"))
    }
    for t in due:
        t["department_en"] = labels.get(t["department_code"], t["department_zh"])
    overdue = sum(t["overdue"] for t in due)
    return Section(
        id="tasks",
        title=_tr(
            lang,
            f"联动任务：逾期 {overdue} 项，{soon} 天内到期 {len(due) - overdue} 项",
            f"Joint tasks: {overdue} overdue, {len(due) - overdue} due within {soon} days",
        ),
        count=len(due),
        empty=_tr(
            lang, f"没有逾期或 {soon} 天内到期的任务", f"No task overdue or due in {soon} days"
        ),
        items=[_task_item(t, lang) for t in due],
    )


def deadline_section(conn: Connection, user: User, day: date, lang: Lang) -> Section:
    """Statutory deadlines of the user's cases due within the window, or overdue."""
    window = _windows()["deadline_window_days"]
    where, params = case_scope(conn, user)
    ids = conn.execute(
        text(f"SELECT c.id FROM bankruptcy_case c WHERE {where} ORDER BY c.id"), params
    ).scalars()
    found: list[tuple[int, Item]] = []
    for case_id in ids:
        case = cases.get_case(conn, int(case_id), day)
        case_no = case["case_no"] or case["application_no"] or fmt.missing(lang)
        for d in case["deadlines"]:
            if d["days_left"] is None or d["days_left"] > window:
                continue
            label = d["label_zh"] if lang == "zh" else d["label_en"]
            item = Item(
                title=f"{label} · {case_no}",
                facts=[
                    fmt.days_left(d["days_left"], lang),
                    _tr(lang, "期限 ", "due ") + fmt.date(d["due_on"], lang),
                    _tr(lang, "《企业破产法》", "Enterprise Bankruptcy Law ")
                    + d[f"article_{lang}"],
                    _tr(lang, "债务人 ", "debtor ") + case["debtor_name"],
                ],
                urgent=d["days_left"] < 0,
                link=f"/staff/cases/{case_id}",
            )
            found.append((int(d["days_left"]), item))
    found.sort(key=lambda pair: pair[0])
    return Section(
        id="deadlines",
        title=_tr(
            lang,
            f"法定期限：{window} 天内到期或已逾期 {len(found)} 项",
            f"Statutory deadlines: {len(found)} due within {window} days or overdue",
        ),
        count=len(found),
        empty=_tr(
            lang, f"{window} 天内没有到期的法定期限", f"No deadline in the next {window} days"
        ),
        items=[item for _, item in found],
    )


def enquiry_section(conn: Connection, user: User, day: date, lang: Lang) -> Section:
    """New investor enquiries (submitted or open), newest first."""
    rows = conn.execute(
        text(
            "SELECT e.code, e.investor_name, e.project_name, e.received_on, e.land_mu_min, "
            "e.land_mu_max, e.floor_area_m2_min, e.floor_area_m2_max, s.label_zh, s.label_en "
            "FROM investor_enquiry e JOIN enquiry_status s ON s.code = e.status "
            "WHERE e.status = ANY(:st) ORDER BY e.received_on DESC, e.code"
        ),
        {"st": list(NEW_ENQUIRY_STATUSES)},
    ).mappings()
    items = []
    for e in rows:
        facts = [e["label_zh"] if lang == "zh" else e["label_en"]]
        facts.append(_tr(lang, "收到于 ", "received ") + fmt.date(e["received_on"], lang))
        if e["land_mu_min"] is not None or e["land_mu_max"] is not None:
            low = fmt.number(e["land_mu_min"] or e["land_mu_max"], 2, lang)
            facts.append(_tr(lang, f"用地约 {low} 亩起", f"land from about {low} mu"))
        if e["floor_area_m2_min"] is not None or e["floor_area_m2_max"] is not None:
            need = fmt.m2(e["floor_area_m2_min"] or e["floor_area_m2_max"], lang)
            facts.append(_tr(lang, f"厂房约 {need} 起", f"floor space from about {need}"))
        project = e["project_name"] or e["investor_name"]
        items.append(Item(title=f"{project} · {e['code']}", facts=facts))
    return Section(
        id="enquiries",
        title=_tr(lang, f"新的投资意向 {len(items)} 条", f"New enquiries: {len(items)}"),
        count=len(items),
        empty=_tr(lang, "没有新的投资意向", "No new enquiry"),
        items=items,
    )


#: Sections in page order, each with the catalogue layer whose roles may see it.
SECTIONS = (
    ("joint_tasks", task_section),
    ("cases", deadline_section),
    ("enquiries", enquiry_section),
)


def staff_home(
    conn: Connection, user: User, as_of: date | None = None, lang: Lang = "zh"
) -> list[Section]:
    """The sections of ``user``'s home page, for the day ``as_of`` (default today)."""
    day = as_of or date.today()
    return [
        build(conn, user, day, lang)
        for layer, build in SECTIONS
        if get_layer(layer).can_see(user.role)
    ]
