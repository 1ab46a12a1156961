"""Court scope of users (app_user.court) for the row-level security of case data.

The role parkgis_app, the grants and the policies themselves are in
postgis/sql/70_security.sql (rebuilt after every migration).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

from parkgis.db import run_migration_sql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

HERE = Path(__file__).resolve().parent


def upgrade() -> None:
    run_migration_sql(HERE / "0002_row_security.sql")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS bankruptcy_case_court_idx")
    op.execute("ALTER TABLE app_user DROP CONSTRAINT IF EXISTS app_user_court_check")
    op.execute("ALTER TABLE app_user DROP COLUMN IF EXISTS court")
