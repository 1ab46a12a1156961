"""Roles' capabilities as data: what each role may do, one column per capability.

Read by Python (``parkgis.access.roles``, cached) and by the row-level security policies
of postgis/sql/70_security.sql (``logic.app_can``), so that a new role is one row here
and its visibility lines in the layer catalogue (``layers/*.toml``), nothing else.

Columns (false unless said otherwise):

- ``staff``: signs in for office work (matching shows blockers and who must act);
- ``administers``: manages users; reads the history of every table, users included;
- ``sees_all_cases``: reads every bankruptcy case and its rows (encumbrances included);
- ``court_scoped``: belongs to one court (``app_user.court``) and sees that court's cases;
- ``department_scoped``: belongs to one department and sees the cases of its joint tasks;
- ``writes_cases``: registers cases, events and auctions of the cases it sees;
- ``manages_tasks``: creates and updates every joint task;
- ``writes_encumbrances``: writes mortgages and seizures (the registrar);
- ``imports_data``: imports files into layers;
- ``screens_land``: zombie-firm screening, 亩均效益 classes, idle-land clocks;
- ``plans_repairs``: CJJ 181 assessments and repair plans;
- ``task_department``: the department whose joint tasks the role does (court, land bureau);
- ``pipeline_view``: what ``/release/pipeline`` shows: ``dates`` (a parcel and its date),
  ``sites`` (the site and the reason), ``cases`` (the cases behind them).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FLAGS = (
    "staff",
    "administers",
    "sees_all_cases",
    "court_scoped",
    "department_scoped",
    "writes_cases",
    "manages_tasks",
    "writes_encumbrances",
    "imports_data",
    "screens_land",
    "plans_repairs",
)

#: code -> (capabilities that are true, task department, pipeline view)
ROLES: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "public": ((), None, "dates"),
    "promotion": (("staff", "sees_all_cases"), None, "sites"),
    "infrastructure": (("staff", "plans_repairs"), None, "dates"),
    "department": (("staff", "department_scoped"), None, "dates"),
    "land_bureau": (
        (
            "staff",
            "sees_all_cases",
            "manages_tasks",
            "writes_encumbrances",
            "imports_data",
            "screens_land",
        ),
        "natural_res",
        "cases",
    ),
    "court": (("staff", "court_scoped", "writes_cases"), "court", "cases"),
    "admin": (
        tuple(f for f in FLAGS if f not in ("court_scoped", "department_scoped")),
        None,
        "cases",
    ),
}


def upgrade() -> None:
    for flag in FLAGS:
        op.execute(f"ALTER TABLE role ADD COLUMN {flag} boolean NOT NULL DEFAULT false")
        op.execute(f"ALTER TABLE role ALTER COLUMN {flag} DROP DEFAULT")
    op.execute("ALTER TABLE role ADD COLUMN task_department text REFERENCES department (code)")
    op.execute(
        "ALTER TABLE role ADD COLUMN pipeline_view text NOT NULL DEFAULT 'dates' "
        "CHECK (pipeline_view IN ('dates', 'sites', 'cases'))"
    )
    op.execute(
        "ALTER TABLE role ADD CONSTRAINT role_one_scope CHECK "
        "(NOT (court_scoped AND department_scoped) "
        "AND NOT (sees_all_cases AND (court_scoped OR department_scoped)))"
    )
    for code, (flags, department, view) in ROLES.items():
        sets = ", ".join(f"{f} = true" for f in flags)
        op.get_bind().exec_driver_sql(
            f"UPDATE role SET {sets + ', ' if sets else ''}task_department = %(d)s, "
            "pipeline_view = %(v)s WHERE code = %(c)s",
            {"d": department, "v": view, "c": code},
        )
    # Which users need a court is the role's court_scoped now: the trigger
    # logic.check_user_scope (postgis/sql/70_security.sql) checks it against the role row.
    op.execute("ALTER TABLE app_user DROP CONSTRAINT app_user_court_check")
    op.execute(
        "ALTER TABLE app_user ADD CONSTRAINT app_user_court_check "
        "CHECK (court IS NULL OR length(btrim(court)) > 0)"
    )
    op.execute("COMMENT ON COLUMN role.sees_all_cases IS 'reads every bankruptcy case'")
    op.execute(
        "COMMENT ON TABLE role IS 'Roles and their capabilities (parkgis.access, "
        "postgis/sql/70_security.sql logic.app_can); migration 0006 documents each column'"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE app_user DROP CONSTRAINT IF EXISTS app_user_court_check")
    op.execute(
        "ALTER TABLE app_user ADD CONSTRAINT app_user_court_check CHECK ((role = 'court') = "
        "(court IS NOT NULL) AND (court IS NULL OR length(btrim(court)) > 0))"
    )
    op.execute("ALTER TABLE role DROP CONSTRAINT IF EXISTS role_one_scope")
    for column in (*FLAGS, "task_department", "pipeline_view"):
        op.execute(f"ALTER TABLE role DROP COLUMN IF EXISTS {column}")
