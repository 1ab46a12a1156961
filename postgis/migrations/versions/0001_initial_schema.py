"""Initial schema: code lists and every core layer of the park.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from pathlib import Path

from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

HERE = Path(__file__).resolve().parent


def _sql(name: str) -> str:
    srid = int(context.config.attributes.get("srid", 4548))
    # DDL cannot take bind parameters; srid is a validated integer setting.
    return (HERE / name).read_text(encoding="utf-8").replace("{srid}", str(srid))


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    bind = op.get_bind()
    for name in ("0001_code_lists.sql", "0001_core_tables.sql"):
        bind.connection.cursor().execute(_sql(name))


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS logic CASCADE")
    op.execute("DROP SCHEMA public CASCADE")
    op.execute("CREATE SCHEMA public")
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
