"""Case numbers (案号): one spelling, one pattern, courts from the list (issue 14 item 14)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from parkgis import access, db
from parkgis.errors import ConflictError, ValidationError
from parkgis.release import cases
from parkgis.release.case_numbers import normalise_case_number, parse_case_number, sql_pattern
from tests import park
from tests.release.helpers import advance

DISTRICT = "烈山区人民法院"


def _new_case(conn: Connection, number: str, court: str = DISTRICT, **kw: Any) -> dict[str, Any]:
    serial = conn.execute(text("SELECT count(*) FROM firm")).scalar_one()
    firm = park.firm(conn, f"测试企业{serial}", status="stopped")
    return cases.create_case(
        conn,
        debtor_firm_id=firm,
        court=court,
        procedure="liquidation",
        applied_on=date(2024, 1, 1),
        application_no=number,
        **kw,
    )


@pytest.mark.parametrize(
    "typed",
    [
        "（２０２４）皖０６０４破申７号",  # full-width digits and brackets
        "(2024)皖0604破申7号 ",  # a trailing space
        " (2024) 皖0604 破申 7 号",  # spaces inside
        "（2024）皖0604破申7号",  # full-width brackets only
        "〔2024〕皖0604破申7号",  # 六角括号
        "(2024)皖0604破申7号\u200b",  # a zero-width space pasted from a web page
    ],
)
def test_every_spelling_is_stored_once_in_the_canonical_form(conn: Connection, typed: str) -> None:
    assert normalise_case_number(typed) == "(2024)皖0604破申7号"
    first = _new_case(conn, "(2024)皖0604破申7号")
    assert first["application_no"] == "(2024)皖0604破申7号"
    with pytest.raises(ConflictError) as exc:
        _new_case(conn, typed)
    assert exc.value.field == "application_no" and "已存在" in exc.value.message


def test_a_full_width_number_is_stored_half_width(conn: Connection) -> None:
    case = _new_case(conn, "（２０２４）皖０６０４破申８号 ")
    stored = conn.execute(
        text("SELECT application_no FROM bankruptcy_case WHERE id = :i"), {"i": case["id"]}
    ).scalar()
    assert stored == "(2024)皖0604破申8号"
    accepted = advance(
        conn, case["id"], "accepted", date(2024, 1, 10), case_no="（2024）皖0604破８号"
    )
    assert accepted["case_no"] == "(2024)皖0604破8号"


def test_leading_zero_refused_by_python_and_database_alike(conn: Connection) -> None:
    with pytest.raises(ValidationError):
        parse_case_number("(2024)皖0604破01号")
    firm = park.firm(conn, "零号企业")
    with pytest.raises(DBAPIError) as exc, conn.begin_nested():
        conn.execute(
            text(
                "INSERT INTO bankruptcy_case (zone_code, case_no, court, debtor_firm_id, "
                "procedure, stage, applied_on, accepted_on) VALUES ('340604', "
                "'(2024)皖0604破01号', :court, :f, 'liquidation', 'accepted', '2024-01-01', "
                "'2024-01-05')"
            ),
            {"court": DISTRICT, "f": firm},
        )
    assert exc.value.orig.diag.constraint_name == "bankruptcy_case_case_no_check"  # type: ignore[union-attr]


def test_the_database_checks_are_the_python_pattern(conn: Connection) -> None:
    for column, kind in (("case_no", "case"), ("application_no", "application")):
        definition = conn.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = :n AND conrelid = 'bankruptcy_case'::regclass"
            ),
            {"n": f"bankruptcy_case_{column}_check"},
        ).scalar_one()
        assert f"'{sql_pattern(kind)}'" in definition


def test_unknown_court_code_is_refused_with_the_list(conn: Connection) -> None:
    with pytest.raises(ValidationError) as exc:
        _new_case(conn, "(2024)皖9999破申1号")
    assert exc.value.field == "application_no" and exc.value.found == "皖9999"
    assert "皖0604 烈山区人民法院" in exc.value.message and "皖06" in exc.value.expected
    firm = park.firm(conn, "外地企业")
    with pytest.raises(DBAPIError) as db_exc, conn.begin_nested():  # and by the database
        conn.execute(
            text(
                "INSERT INTO bankruptcy_case (zone_code, application_no, court, debtor_firm_id, "
                "procedure, stage, applied_on) VALUES ('340604', '(2024)皖9999破申1号', :c, :f, "
                "'liquidation', 'application', '2024-01-01')"
            ),
            {"c": DISTRICT, "f": firm},
        )
    assert db_exc.value.orig.diag.constraint_name == (  # type: ignore[union-attr]
        "bankruptcy_case_application_court_code_fkey"
    )


def test_court_code_must_be_the_court_of_the_case(conn: Connection) -> None:
    with pytest.raises(ValidationError) as exc:
        _new_case(conn, "(2024)皖0604破申2号", court="淮北市中级人民法院")
    assert "属于烈山区人民法院" in exc.value.message and exc.value.expected == "皖06"
    case = _new_case(conn, "(2024)皖06破申2号", court="淮北市中级人民法院")
    assert case["application_no"] == "(2024)皖06破申2号"


def test_api_twice_in_two_spellings_is_409_not_500(fresh_db: str) -> None:
    from api.app import create_app

    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        park.zone(conn)
        firm = park.firm(conn, "重复登记企业", status="stopped")
        key = access.create_user(conn, "clerk", "court", court=DISTRICT)[1]
    body = {"debtor_firm_id": firm, "procedure": "liquidation", "applied_on": "2024-01-01"}
    headers = {"X-API-Key": key}
    with TestClient(create_app(engine=engine)) as client:
        first = client.post(
            "/cases",
            json={**body, "application_no": "（２０２４）皖０６０４破申５号 "},
            headers=headers,
        )
        assert first.status_code == 201, first.text
        assert first.json()["application_no"] == "(2024)皖0604破申5号"
        again = client.post(
            "/cases", json={**body, "application_no": "(2024)皖0604破申5号"}, headers=headers
        )
        assert again.status_code == 409 and again.json()["field"] == "application_no"
        bad = client.post(
            "/cases", json={**body, "application_no": "(2024)皖0604破申05号"}, headers=headers
        )
        assert bad.status_code == 422 and bad.json()["field"] == "application_no"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bankruptcy_case")).scalar() == 1
    engine.dispose()


def test_case_parcel_feature_ids_do_not_collide_past_a_million(conn: Connection) -> None:
    """The old id case_id * 1000000 + parcel_id made (1, 1000001) and (2, 1) one feature."""
    one = _new_case(conn, "(2024)皖0604破申11号")["id"]
    two = _new_case(conn, "(2024)皖0604破申12号")["id"]
    small = park.parcel(conn, "CP-S", 0, 0, 50)
    big = park.parcel(conn, "CP-B", 100, 0, 50, id=small + 1_000_000)
    pairs = {(one, big), (two, small), (one, small)}
    for case_id, parcel_id in pairs:
        conn.execute(
            text("INSERT INTO case_parcel (case_id, parcel_id) VALUES (:c, :p)"),
            {"c": case_id, "p": parcel_id},
        )
    rows = conn.execute(
        text("SELECT id, case_id, parcel_id FROM logic.case_parcels WHERE case_id IN (:a, :b)"),
        {"a": one, "b": two},
    ).all()
    assert {(r.case_id, r.parcel_id) for r in rows} == pairs
    assert len({r.id for r in rows}) == len(rows) == 3


def test_an_import_finds_the_case_by_any_spelling_of_its_number(
    conn: Connection, tmp_path: Path
) -> None:
    from parkgis.ingest import import_file

    case = _new_case(conn, "(2024)皖0604破申21号")
    advance(conn, case["id"], "accepted", date(2024, 1, 10), case_no="(2024)皖0604破21号")
    csv = tmp_path / "联动任务.csv"
    csv.write_text(
        "案号,任务类型,任务名称,责任部门,办结时限\n"
        "（２０２４）皖０６０４破２１号 ,税费清缴,清缴欠税,税务局,2024-06-30\n",
        encoding="utf-8",
    )
    report = import_file(conn, "joint_tasks", csv)
    assert report.ok, report.to_text()
    found = conn.execute(
        text("SELECT count(*) FROM joint_task WHERE case_id = :c AND title = '清缴欠税'"),
        {"c": case["id"]},
    ).scalar()
    assert found == 1
