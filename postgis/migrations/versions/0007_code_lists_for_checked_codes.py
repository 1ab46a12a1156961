"""Code lists (with Chinese and English labels) for the coded columns that were CHECK lists.

Zone kind, encumbrance kind, inspection direction and method, enquiry site kind, case
applicant kind and closing outcome, auction mode and result, repair objective and work
kind: each becomes a code table like the others (0001_code_lists.sql) and its CHECK a
foreign key, so :mod:`parkgis.labels.codes` labels every coded value from one place.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

from parkgis.db import run_migration_sql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

HERE = Path(__file__).resolve().parent

#: (table, column, code table, the CHECK list restored on downgrade).
_COLUMNS = (
    ("zone", "kind", "zone_kind", "'district', 'park', 'subzone'"),
    ("encumbrance", "kind", "encumbrance_kind", "'mortgage', 'seizure'"),
    ("inspection", "direction", "inspection_direction", "'downstream', 'upstream'"),
    ("inspection", "method", "inspection_method", "'cctv', 'qv', 'sonar', 'visual'"),
    ("investor_enquiry", "site_kind", "site_kind", "'land', 'building', 'either'"),
    ("bankruptcy_case", "applicant_kind", "applicant_kind", "'debtor', 'creditor', 'liquidator'"),
    (
        "bankruptcy_case",
        "closing_outcome",
        "closing_outcome",
        "'sold', 'recovered', 'reorganised', 'other'",
    ),
    ("auction", "mode", "auction_mode", "'online_auction', 'negotiated'"),
    ("auction", "result", "auction_result", "'pending', 'sold', 'failed', 'withdrawn'"),
    ("repair_plan", "objective", "repair_objective", "'risk', 'land', 'blend'"),
    (
        "repair_plan_item",
        "work_kind",
        "work_kind",
        "'pipe_repair', 'road_complete', 'road_resurface'",
    ),
)


def upgrade() -> None:
    run_migration_sql(HERE / "0007_code_lists.sql")


def downgrade() -> None:
    for table, column, _code_table, checked in _COLUMNS:
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey, "
            f"ADD CONSTRAINT {table}_{column}_check CHECK ({column} IN ({checked}))"
        )
    for code_table in dict.fromkeys(c[2] for c in _COLUMNS):
        op.execute(f"DROP TABLE {code_table}")
