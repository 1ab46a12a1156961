"""Case numbers in one canonical form, court codes from a list, a real key of case parcels.

Issue 14 items 14 and 17: existing case numbers are normalised (NFKC, brackets, no white
space; the migration stops with the numbers when two cases turn out to be one), the
CHECKs take the single pattern of ``parkgis.release.case_numbers``, the court code part
of each number references the new ``court`` list (法院代字), and ``case_parcel`` gets an
identity ``id`` for the cases layer's feature ids.

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

from parkgis.db import run_migration_sql

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

HERE = Path(__file__).resolve().parent

_OLD_CHECKS = {
    "case_no": r"^[(（][0-9]{4}[)）][^0-9\s]{1,2}[0-9]{2,4}破[0-9]+号$",
    "application_no": r"^[(（][0-9]{4}[)）][^0-9\s]{1,2}[0-9]{2,4}破申[0-9]+号$",
}


def upgrade() -> None:
    run_migration_sql(HERE / "0005_case_numbers_and_courts.sql")


def downgrade() -> None:
    op.execute("ALTER TABLE case_parcel DROP COLUMN IF EXISTS id")
    op.execute("ALTER TABLE bankruptcy_case DROP COLUMN IF EXISTS case_court_code")
    op.execute("ALTER TABLE bankruptcy_case DROP COLUMN IF EXISTS application_court_code")
    for column, pattern in _OLD_CHECKS.items():
        name = f"bankruptcy_case_{column}_check"
        op.execute(f"ALTER TABLE bankruptcy_case DROP CONSTRAINT IF EXISTS {name}")
        op.execute(
            f"ALTER TABLE bankruptcy_case ADD CONSTRAINT {name} CHECK ({column} ~ '{pattern}')"
        )
    op.execute("DROP TABLE IF EXISTS court")
