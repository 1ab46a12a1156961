"""A small hand-made park with one bankrupt firm and its parcels."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.release import cases
from tests import park


def bankrupt_park(conn: Connection) -> dict[str, Any]:
    """Firm 'Old Ceramics' with a granted parcel (mortgaged) and an allocated one."""
    firm = park.firm(conn, "烈山旧陶瓷有限公司", status="stopped")
    granted = park.parcel(
        conn,
        "LS-01",
        0,
        0,
        200,
        tenure="transfer",
        holder_firm_id=firm,
        status="in_use",
        land_price_yuan=3_000_000,
    )
    allocated = park.parcel(
        conn, "LS-02", 300, 0, 100, tenure="allocation", holder_firm_id=firm, status="in_use"
    )
    conn.execute(
        text(
            "INSERT INTO encumbrance (parcel_id, kind, holder, amount_yuan, registered_on) "
            "VALUES (:p, 'mortgage', '淮北农商行', 2000000, '2019-05-01')"
        ),
        {"p": granted},
    )
    case = cases.create_case(
        conn,
        debtor_firm_id=firm,
        court="烈山区人民法院",
        procedure="liquidation",
        applied_on=date(2024, 3, 1),
        application_no="(2024)皖0604破申3号",
        parcel_ids=[granted, allocated],
        as_of=date(2024, 3, 5),
    )
    return {"firm": firm, "granted": granted, "allocated": allocated, "case": case}


def advance(conn: Connection, case_id: int, stage: str, on: date, **details: Any) -> dict[str, Any]:
    """Advance with the current version."""
    version = conn.execute(
        text("SELECT version FROM bankruptcy_case WHERE id = :id"), {"id": case_id}
    ).scalar_one()
    return cases.advance_case(conn, case_id, stage, on, version, details, as_of=on)


def to_first_meeting(conn: Connection, case_id: int) -> None:
    """Accepted 2024-03-10, announced 2024-03-25, claims to 2024-06-25, meeting 2024-07-01."""
    advance(conn, case_id, "accepted", date(2024, 3, 10), case_no="(2024)皖0604破3号")
    advance(conn, case_id, "claims_period", date(2024, 3, 25), claims_deadline_on=date(2024, 6, 25))
    advance(conn, case_id, "first_meeting", date(2024, 7, 1))
    advance(conn, case_id, "plan_or_declaration", date(2024, 7, 15))


def finish_tasks(conn: Connection, case_id: int, on: date) -> None:
    """Every open task of the case done, with evidence."""
    conn.execute(
        text(
            "UPDATE joint_task SET status = 'done', completed_on = :on, evidence = '证明' "
            "WHERE case_id = :c AND status IN ('open', 'in_progress')"
        ),
        {"c": case_id, "on": on},
    )
