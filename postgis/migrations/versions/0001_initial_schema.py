"""Initial schema: code lists and every core layer of the park.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

from parkgis.db import run_migration_sql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

HERE = Path(__file__).resolve().parent


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    run_migration_sql(*(HERE / name for name in ("0001_code_lists.sql", "0001_core_tables.sql")))


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS logic CASCADE")
    op.execute("DROP SCHEMA public CASCADE")
    op.execute("CREATE SCHEMA public")
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
