"""The staff home /staff: what each role must do today, in words, with counts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from parkgis import workspace
from parkgis.access import User
from tests.pages.conftest import AS_OF, COURT, StaffPark, sign_in

CLERK = User("court-clerk", "court", court=COURT)
TAX = User("tax-clerk", "department", department_code="tax")


def _sections(conn: Connection, user: User, lang: str = "zh") -> dict[str, workspace.Section]:
    return {s.id: s for s in workspace.staff_home(conn, user, AS_OF, lang)}  # type: ignore[arg-type]


def test_each_role_sees_only_its_sections(demo_conn: Connection) -> None:
    assert set(_sections(demo_conn, CLERK)) == {"tasks", "deadlines"}
    assert set(_sections(demo_conn, TAX)) == {"tasks", "deadlines"}
    assert set(_sections(demo_conn, User("p", "promotion"))) == {"enquiries"}
    everything = {"tasks", "deadlines", "enquiries"}
    assert set(_sections(demo_conn, User("l", "land_bureau"))) == everything
    assert _sections(demo_conn, User("i", "infrastructure")) == {}


def test_tasks_are_the_open_ones_overdue_or_due_within_a_week(demo_conn: Connection) -> None:
    expected = demo_conn.execute(
        text(
            "SELECT count(*) FROM joint_task t JOIN bankruptcy_case c ON c.id = t.case_id "
            "JOIN task_status s ON s.code = t.status WHERE s.is_open AND c.court = :court "
            "AND t.deadline_on <= :day + 7"
        ),
        {"court": COURT, "day": AS_OF},
    ).scalar_one()
    tasks = _sections(demo_conn, CLERK)["tasks"]
    assert expected > 0 and tasks.count == expected == len(tasks.items)
    urgent = [i for i in tasks.items if i.urgent]
    assert urgent and all(i.facts[0].startswith("逾期 ") for i in urgent)
    assert tasks.items[0].urgent  # most overdue first


def test_a_department_sees_its_own_tasks_only(demo_conn: Connection) -> None:
    expected = demo_conn.execute(
        text(
            "SELECT count(*) FROM joint_task t JOIN task_status s ON s.code = t.status "
            "WHERE s.is_open AND t.department_code = 'tax' AND t.deadline_on <= :day + 7"
        ),
        {"day": AS_OF},
    ).scalar_one()
    tasks = _sections(demo_conn, TAX)["tasks"]
    assert tasks.count == expected
    assert all("税务局" in i.facts for i in tasks.items)


def test_deadlines_within_fourteen_days_cite_their_article(demo_conn: Connection) -> None:
    deadlines = _sections(demo_conn, CLERK)["deadlines"]
    assert deadlines.count == len(deadlines.items) > 0
    for item in deadlines.items:
        assert any(f.startswith("《企业破产法》第") and "Art" not in f for f in item.facts)
    english = _sections(demo_conn, CLERK, "en")["deadlines"]
    assert any("Enterprise Bankruptcy Law Art. " in f for f in english.items[0].facts)
    other = _sections(demo_conn, User("o", "court", court="淮北市中级人民法院"))["deadlines"]
    titles = {i.title for i in deadlines.items}
    assert not titles & {i.title for i in other.items}  # each court its own cases


def test_new_enquiries_are_counted(demo_conn: Connection) -> None:
    expected = demo_conn.execute(
        text("SELECT count(*) FROM investor_enquiry WHERE status IN ('submitted', 'open')")
    ).scalar_one()
    enquiries = _sections(demo_conn, User("p", "promotion"))["enquiries"]
    assert expected > 0 and enquiries.count == expected
    assert all(i.facts[0] == "洽谈中" for i in enquiries.items)  # status in words


def test_the_page_shows_the_sections_in_either_language(
    web: TestClient, staff_park: StaffPark
) -> None:
    sign_in(web, staff_park.keys["court-clerk"])
    page = web.get("/staff", params={"as_of": AS_OF.isoformat()}).text
    assert "联动任务" in page and "法定期限" in page and "新的投资意向" not in page
    english = web.get("/staff", params={"as_of": AS_OF.isoformat(), "lang": "en"}).text
    assert "Joint tasks" in english and "Statutory deadlines" in english
    assert "联动任务" not in english and "法定期限" not in english
    # The choice is kept: the next page without ?lang is English too.
    assert "Joint tasks" in web.get("/staff").text
