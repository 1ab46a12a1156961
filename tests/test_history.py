"""History and row-level security follow the catalogue: a written table is declared once."""

from __future__ import annotations

from sqlalchemy import Connection, text

from parkgis import db
from parkgis.catalogue import protected_tables, table_rules, tracked_tables
from tests import park

#: PostGIS and Alembic's own tables.
_NOT_THE_PARKS = {"spatial_ref_sys", "alembic_version"}


def _written_tables(conn: Connection) -> set[str]:
    """Base tables of the public schema that are not code lists (code, label_zh, label_en)."""
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT EXISTS ("
            " SELECT 1 FROM information_schema.columns i WHERE i.table_schema = 'public' "
            " AND i.table_name = c.relname AND i.column_name = 'label_zh')"
        )
    ).scalars()
    return set(rows) - _NOT_THE_PARKS


def test_every_written_table_is_declared_in_the_catalogue(conn: Connection) -> None:
    declared = table_rules()
    undeclared = sorted(_written_tables(conn) - set(declared))
    assert not undeclared, f"tables in no layers/*.toml nor layers/_tables.toml: {undeclared}"
    for rules in declared.values():
        assert rules.history or rules.note, f"{rules.table}: no history and no reason why"


def test_every_declared_table_is_tracked_and_nothing_else(conn: Connection) -> None:
    tracked = set(conn.execute(text("SELECT table_name FROM logic.tracked_tables")).scalars())
    assert tracked == set(tracked_tables())
    assert {"parcel", "bankruptcy_case", "case_event", "firm_indicator"} <= tracked


def test_a_tracked_table_records_a_change_under_its_key(conn: Connection) -> None:
    db.set_actor(conn, "history-test")
    park.zone(conn)
    conn.execute(text("INSERT INTO firm (zone_code, name) VALUES ('340604', '历史测试企业')"))
    firm_id = conn.execute(text("SELECT id FROM firm WHERE name = '历史测试企业'")).scalar_one()
    conn.execute(
        text("INSERT INTO firm_indicator (firm_id, year, tax_paid_yuan) VALUES (:f, 2024, 1)"),
        {"f": firm_id},
    )
    conn.execute(
        text("UPDATE firm_indicator SET tax_paid_yuan = 2 WHERE firm_id = :f"), {"f": firm_id}
    )
    rows = conn.execute(
        text(
            "SELECT op, row_key, actor FROM history WHERE table_name = 'firm_indicator' "
            "AND row_key->>'firm_id' = CAST(:f AS text) ORDER BY id"
        ),
        {"f": firm_id},
    ).all()
    assert [r.op for r in rows] == ["INSERT", "UPDATE"]
    assert rows[0].row_key == {"firm_id": firm_id, "year": 2024}
    assert rows[1].actor == "history-test"


def test_protected_tables_have_row_level_security(conn: Connection) -> None:
    protected = protected_tables()
    assert {"bankruptcy_case", "encumbrance", "joint_task", "history"} <= set(protected)
    for table in protected:
        enabled = conn.execute(
            text("SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass(:t)"),
            {"t": f"public.{table}"},
        ).scalar_one()
        assert enabled, f"{table} is protected in the catalogue but has no row security"
