"""Idle land's second branch (work stopped) and parcel names without firm names.

- ``parcel.work_stopped_on``: the day construction stopped on land that was started
  (MLR Order 53 闲置土地处置办法 Art. 2, second branch: started, under 1/3 developed or
  25 % invested, stopped for a year or more). The clocks of that branch run from it.
- Parcel names that contain a firm's name (e.g. ``…股份有限公司地块``) are cleared: a name
  is public once the land is released, and public names never say who held the land or
  went bankrupt. The trigger ``parcel_public_name`` (postgis/sql/35_public_names.sql)
  refuses such names from now on.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE parcel ADD COLUMN work_stopped_on date")
    op.execute(
        "ALTER TABLE parcel ADD CONSTRAINT parcel_work_stopped_after_start CHECK ("
        "work_stopped_on IS NULL OR (actual_start_on IS NOT NULL "
        "AND work_stopped_on >= actual_start_on))"
    )
    op.execute(
        "COMMENT ON COLUMN parcel.work_stopped_on IS "
        "'Day construction stopped on started land (MLR Order 53 Art. 2, second branch)'"
    )
    # Recorded so far, where at all, in the free-form extra (the demo did).
    op.execute(
        "UPDATE parcel SET work_stopped_on = (extra->>'work_stopped_on')::date "
        "WHERE actual_start_on IS NOT NULL "
        "AND extra->>'work_stopped_on' ~ '^\\d{4}-\\d{2}-\\d{2}$' "
        "AND (extra->>'work_stopped_on')::date >= actual_start_on"
    )
    op.execute(
        "UPDATE parcel p SET name = NULL WHERE p.name IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM firm f WHERE length(btrim(f.name)) > 0 "
        "AND strpos(p.name, btrim(f.name)) > 0)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE parcel DROP CONSTRAINT IF EXISTS parcel_work_stopped_after_start")
    op.execute("ALTER TABLE parcel DROP COLUMN IF EXISTS work_stopped_on")
