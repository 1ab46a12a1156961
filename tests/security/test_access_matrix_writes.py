"""Access control of write and compute routes, proved: every POST/PATCH x every role.

The GET matrix (test_access_matrix.py) reads; this one writes. Its sentinels, planted the
same way (``plant``, ``role_keys``, ``leaks``, ``body_text`` are shared), plus a few that
write answers are likely to carry (credit codes, tax paid, registered capital, agreed
investment, task evidence, mortgage reference numbers, enquiry codes), go into a copy of
the demo park once per module. Each row of ``CALLS`` (a write or compute route with real
ids and a valid body, or one of its error cases: 404, 409, 412, 422, a refused import,
another court's case under row-level security) is sent by every role, and

- the status is the documented one: the roles of README's table and of the catalogue's
  ``edit_roles`` get the call's status, other staff 403, anonymous callers 401; never 5xx;
- a call that fails, a dry run and a match change nothing in the database; a failure is
  problem+json with ``message`` and ``message_en`` (a refused import: its report);
- no sentinel the role may not see (catalogue ``can_see`` and ``visible``, see
  ``Sentinel.allowed``) is in the body or the headers, error bodies included; and where
  a row names one (``shows``), the roles allowed do get it, so its absence means something.

A call that writes runs on a database of its own, made from the planted copy (``Copies``
makes them ahead and drops them in the background), so no write reaches another test;
the others share one copy and prove that they left it as it was.
"""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import shapely.wkt
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from parkgis.catalogue import get_layer
from tests.conftest import _create_from_template, _drop
from tests.ingest import files
from tests.roles import ROLES
from tests.security.test_access_matrix import (
    SENTINELS,
    Sentinel,
    body_text,
    leaks,
    plant,
    role_keys,
)

#: The department of the ``department`` user: tax (税务局) owes tasks in the demo cases.
DEPARTMENT = "tax"

#: Restricted values write responses are likely to carry, beyond the GET matrix's.
#: Numbers are a 7-digit prefix times 10^4 plus the row id: the prefix survives any id < 1000.
EXTRA_SENTINELS = (
    Sentinel(
        "91340604QXWY", "firm", "uscc", "'91340604QXWY' || lpad(id::text, 6, '0')", "firms", "uscc"
    ),
    Sentinel(
        "7351937",
        "firm_indicator",
        "tax_paid_yuan",
        "73519370000 + firm_id * 10 + (year % 10)",
        "firm_indicators",
        "tax_paid_yuan",
    ),
    Sentinel(
        "6420973",
        "firm",
        "registered_capital_yuan",
        "64209730000 + id",
        "firms",
        "registered_capital_yuan",
    ),
    Sentinel(
        "5718531",
        "parcel",
        "agreed_investment_yuan",
        "57185310000 + id",
        "parcels",
        "agreed_investment_yuan",
    ),
    Sentinel("SNTLEVID", "joint_task", "evidence", "'SNTLEVID' || id", "joint_tasks", "evidence"),
    Sentinel(
        "SNTLREF", "encumbrance", "reference_no", "'SNTLREF' || id", "encumbrances", "reference_no"
    ),
    Sentinel("SNTLZS", "investor_enquiry", "code", "'SNTLZS' || id", "enquiries", "code"),
)
ALL_SENTINELS = SENTINELS + EXTRA_SENTINELS

README_ROLES = {
    # README "Security" and "The web service": who may call what.
    "imports": frozenset({"land_bureau", "admin"}),
    "court": frozenset({"court", "admin"}),
    "repairs": frozenset({"infrastructure", "admin"}),
    "enquiries": frozenset({"promotion", "land_bureau", "admin"}),
    "screening": frozenset({"land_bureau", "admin"}),
    "everyone": frozenset(ROLES),
    "case_readers": frozenset({"land_bureau", "court", "department", "admin"}),
}


def editors(layer: str) -> frozenset[str]:
    """Roles that may edit ``layer``'s features (catalogue ``edit_roles``; admin if any)."""
    return frozenset(r for r in ROLES if get_layer(layer).can_edit(r))


@dataclass(frozen=True)
class Call:
    """One request of the matrix; ``{name}`` in the URL, body and If-Match come from ids."""

    name: str
    method: str
    route: str  # the OpenAPI path it exercises
    url: str
    allowed: frozenset[str]  # roles that get ``ok``; other staff 403, anonymous 401
    ok: int
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    upload: str | None = None  # key of WritePark.uploads
    if_match: str | None = None
    #: Roles whose status differs from the rule above (row-level security: another court's
    #: case is not there for a court user, 404).
    per_role: dict[str, int] = field(default_factory=dict)
    #: False for calls that must not change the database (dry runs, matching).
    writes: bool = True
    #: A sentinel tag the answer carries to the allowed roles that may see it: the proof
    #: that this call does hand out restricted values (so their absence elsewhere counts).
    shows: str | None = None

    def expected(self, role: str) -> int:
        if role in self.per_role:
            return self.per_role[role]
        if role in self.allowed:
            return self.ok
        return 401 if role == "public" else 403


def _enquiry(**over: Any) -> dict[str, Any]:
    body = {"investor_name": "矩阵测试投资方", "industry_code": "C34", "site_kind": "either",
            "land_mu_min": 10, "land_mu_max": 60, "floor_area_m2_min": 800,
            "floor_area_m2_max": 5000}  # fmt: skip
    return body | over


EDIT = "/collections/{collectionId}/items/{featureId}"
CALLS: tuple[Call, ...] = (
    # --- imports (multipart) ---------------------------------------------------------
    Call("import-dry-run", "POST", "/imports", "/imports", README_ROLES["imports"], 200,
         form={"layer": "parcels", "dry_run": "true"}, upload="new", writes=False),
    Call("import-insert", "POST", "/imports", "/imports", README_ROLES["imports"], 200,
         form={"layer": "parcels"}, upload="new"),
    Call("import-upsert-existing-dry-run", "POST", "/imports", "/imports",
         README_ROLES["imports"], 200,
         form={"layer": "parcels", "mode": "upsert", "dry_run": "true"}, upload="existing",
         writes=False),
    Call("import-refused", "POST", "/imports", "/imports", README_ROLES["imports"], 422,
         form={"layer": "parcels"}, upload="junk"),
    # --- bankruptcy cases (court) ----------------------------------------------------
    Call("case-create", "POST", "/cases", "/cases", README_ROLES["court"], 201,
         json={"debtor_firm_id": "{free_firm}", "procedure": "liquidation",
               "applied_on": "2026-01-05", "application_no": "(2026)皖0604破申97号",
               "administrator": "矩阵测试管理人", "parcel_ids": ["{parcel}"]}),
    Call("case-create-duplicate-409", "POST", "/cases", "/cases", README_ROLES["court"], 409,
         json={"debtor_firm_id": "{free_firm}", "procedure": "liquidation",
               "applied_on": "2026-01-05", "case_no": "{taken_case_no}"}),
    Call("case-create-no-firm-404", "POST", "/cases", "/cases", README_ROLES["court"], 404,
         json={"debtor_firm_id": 999999, "procedure": "liquidation",
               "applied_on": "2026-01-05", "application_no": "(2026)皖0604破申98号"}),
    Call("case-create-duplicate-other-court-409", "POST", "/cases", "/cases",
         README_ROLES["court"], 409,
         json={"debtor_firm_id": "{free_firm}", "procedure": "liquidation",
               "applied_on": "2026-01-05", "case_no": "{case_other_no}"}),
    Call("case-event", "POST", "/cases/{case_id}/events", "/cases/{case_app}/events",
         README_ROLES["court"], 200, if_match="{case_app_v}",
         json={"stage": "accepted", "on": "{case_app_next}",
               "details": {"case_no": "(2026)皖0604破97号"}}, shows="SNTLADMIN"),
    Call("case-event-stale-412", "POST", "/cases/{case_id}/events", "/cases/{case_app}/events",
         README_ROLES["court"], 412, if_match="999",
         json={"stage": "accepted", "on": "{case_app_next}"}),
    Call("case-event-blocked-409", "POST", "/cases/{case_id}/events",
         "/cases/{case_disp}/events", README_ROLES["court"], 409, if_match="{case_disp_v}",
         json={"stage": "distribution", "on": "{case_disp_next}"}),
    Call("case-event-missing-404", "POST", "/cases/{case_id}/events", "/cases/999999/events",
         README_ROLES["court"], 404, if_match="1",
         json={"stage": "accepted", "on": "2026-01-05"}),
    Call("case-event-other-court-404", "POST", "/cases/{case_id}/events",
         "/cases/{case_other}/events", README_ROLES["court"], 412, if_match="999",
         json={"stage": "closed", "on": "2026-01-05"}, per_role={"court": 404}),
    Call("case-auction", "POST", "/cases/{case_id}/auctions", "/cases/{case_disp}/auctions",
         README_ROLES["court"], 201,
         json={"parcel_id": "{auction_parcel}", "appraisal_yuan": 3000000,
               "starting_price_yuan": 3000000, "announced_on": "{case_disp_next}",
               "auction_on": "{auction_on}"}),
    Call("case-auction-wrong-stage-409", "POST", "/cases/{case_id}/auctions",
         "/cases/{case_app}/auctions", README_ROLES["court"], 409,
         json={"parcel_id": "{case_app_parcel}", "appraisal_yuan": 3000000,
               "starting_price_yuan": 3000000, "announced_on": "{case_app_next}",
               "auction_on": "{auction_on}"}),
    # --- joint tasks: departments their own, court and land bureau theirs ------------
    Call("task-own-department", "PATCH", "/tasks/{task_id}", "/tasks/{task_dept}",
         frozenset({"department", "admin"}), 200, if_match="{task_dept_v}",
         json={"evidence_ref": "矩阵-1"}, shows="SNTLEVID"),
    Call("task-court", "PATCH", "/tasks/{task_id}", "/tasks/{task_court}",
         frozenset({"court", "admin"}), 200, if_match="{task_court_v}",
         json={"evidence_ref": "矩阵-2"}),
    Call("task-land-bureau", "PATCH", "/tasks/{task_id}", "/tasks/{task_nr}",
         frozenset({"land_bureau", "admin"}), 200, if_match="{task_nr_v}",
         json={"evidence_ref": "矩阵-3"}),
    Call("task-other-court-404", "PATCH", "/tasks/{task_id}", "/tasks/{task_other}",
         frozenset({"admin"}), 200, if_match="{task_other_v}", json={"evidence_ref": "矩阵-5"},
         per_role={"court": 404, "department": 404}),
    Call("task-stale-412", "PATCH", "/tasks/{task_id}", "/tasks/{task_dept}",
         frozenset({"department", "admin"}), 412, if_match="999",
         json={"evidence_ref": "矩阵-4"}),
    Call("task-bad-field-422", "PATCH", "/tasks/{task_id}", "/tasks/{task_dept}",
         frozenset({"department", "admin"}), 422, if_match="{task_dept_v}",
         json={"status": "no_such_status"}),
    Call("task-missing-404", "PATCH", "/tasks/{task_id}", "/tasks/999999",
         README_ROLES["case_readers"], 404, if_match="1", json={"evidence_ref": "x"}),
    # --- repairs (infrastructure) ----------------------------------------------------
    Call("repairs-assess", "POST", "/repairs/assess", "/repairs/assess?all=true",
         README_ROLES["repairs"], 200),
    Call("repairs-plan", "POST", "/repairs/plan", "/repairs/plan", README_ROLES["repairs"], 201,
         json={"budget": 2000000, "years": 2, "objective": "land"}, shows="SNTLZS"),
    Call("repairs-plan-invalid-422", "POST", "/repairs/plan", "/repairs/plan",
         README_ROLES["repairs"], 422, json={"budget": -1}),
    # --- matching: anyone; enquiries: staff --------------------------------------------
    Call("match", "POST", "/match", "/match?top=50", README_ROLES["everyone"], 200,
         json=_enquiry(), writes=False),
    Call("match-invalid-422", "POST", "/match", "/match", README_ROLES["everyone"], 422,
         json=_enquiry(land_mu_min=60, land_mu_max=10)),
    Call("enquiry-create", "POST", "/enquiries", "/enquiries", README_ROLES["enquiries"], 201,
         json=_enquiry()),
    Call("enquiry-patch", "PATCH", "/enquiries/{enquiry_id}", "/enquiries/{enquiry}",
         README_ROLES["enquiries"], 200, if_match="{enquiry_v}", json={"notes": "矩阵跟进"},
         shows="SNTLINV"),
    Call("enquiry-patch-stale-412", "PATCH", "/enquiries/{enquiry_id}", "/enquiries/{enquiry}",
         README_ROLES["enquiries"], 412, if_match="999", json={"notes": "矩阵跟进"}),
    Call("enquiry-patch-missing-404", "PATCH", "/enquiries/{enquiry_id}", "/enquiries/999999",
         README_ROLES["enquiries"], 404, if_match="1", json={"notes": "x"}),
    # --- feature edits (catalogue edit_roles) ------------------------------------------
    Call("edit-parcel", "PATCH", EDIT, "/collections/parcels/items/{parcel}", editors("parcels"),
         200, if_match="{parcel_v}", json={"name": "矩阵测试地块"}, shows="913579"),
    Call("edit-parcel-stale-412", "PATCH", EDIT, "/collections/parcels/items/{parcel}",
         editors("parcels"), 412, if_match="999", json={"name": "矩阵测试地块"}),
    Call("edit-parcel-duplicate-422", "PATCH", EDIT, "/collections/parcels/items/{parcel}",
         editors("parcels"), 422, if_match="{parcel_v}", json={"plot_no": "{other_plot_no}"}),
    Call("edit-parcel-bad-firm-422", "PATCH", EDIT, "/collections/parcels/items/{parcel}",
         editors("parcels"), 422, if_match="{parcel_v}", json={"holder_firm_id": 999999}),
    Call("edit-parcel-missing-404", "PATCH", EDIT, "/collections/parcels/items/999999999",
         editors("parcels"), 404, if_match="1", json={"name": "x"}),
    Call("edit-unit", "PATCH", EDIT, "/collections/units/items/{unit}", editors("units"), 200,
         if_match="{unit_v}", json={"rent_yuan_m2_month": 13.5}),
    Call("edit-building", "PATCH", EDIT, "/collections/buildings/items/{building}",
         editors("buildings"), 200, if_match="{building_v}", json={"name": "矩阵测试厂房"}),
    Call("edit-road", "PATCH", EDIT, "/collections/roads/items/{road}", editors("roads"), 200,
         if_match="{road_v}", json={"name": "矩阵测试路"}),
    Call("edit-firm-not-editable", "PATCH", EDIT, "/collections/firms/items/{free_firm}",
         editors("firms"), 403, if_match="1", json={"name": "x"}),
    # --- storing a screening run is a POST (a GET never writes) --------------------------
    Call("screening-firms-store", "POST", "/screening/firms",
         "/screening/firms?year={year}", README_ROLES["screening"], 200,
         shows="SNTLFIRM"),
    Call("screening-efficiency-store", "POST", "/screening/efficiency",
         "/screening/efficiency?year={year}", README_ROLES["screening"], 200),
)  # fmt: skip

#: Known leaks and failures, (call, role) -> why; each one fails today (strict xfail) and
#: passes once fixed. The fixes belong to code outside this change (see each reason).
KNOWN: dict[tuple[str, str], str] = {}

CASES = [
    pytest.param(
        call,
        role,
        id=f"{call.name}-{role}",
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN[call.name, role])]
        if (call.name, role) in KNOWN
        else [],
    )
    for call in CALLS
    for role in ROLES
]


class Copies:
    """Databases made from the planted copy one step ahead and dropped in the background,
    so a test that writes does not wait for ``CREATE DATABASE`` or ``DROP DATABASE``."""

    def __init__(self, template: str, ahead: int = 2) -> None:
        self.template = template
        self.pool = ThreadPoolExecutor(max_workers=ahead + 1, thread_name_prefix="copies")
        self.ready = deque(self._make() for _ in range(ahead))
        self.dropped: list[Future[None]] = []

    def _make(self) -> Future[str]:
        return self.pool.submit(_create_from_template, self.template)

    def take(self) -> str:
        """A fresh copy's name (and start making the next one)."""
        name = self.ready.popleft().result()
        self.ready.append(self._make())
        return name

    def give_back(self, name: str) -> None:
        self.dropped.append(self.pool.submit(_drop, name))

    def close(self) -> None:
        while self.ready:
            self.give_back(self.ready.popleft().result())
        for done in self.dropped:
            done.result()
        self.pool.shutdown()


@dataclass
class WritePark:
    """The planted template, the keys, the ids the calls need, the uploads."""

    copies: Copies
    shared: Engine  # a copy for the calls that must fail or must not write
    keys: dict[str, str]
    ids: dict[str, Any]
    uploads: dict[str, tuple[str, bytes]]


def _one(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).one()


def _ids(conn: Connection, court: str) -> dict[str, Any]:
    """Real ids (and row versions, after planting) for the calls; cases of ``court``."""
    ids: dict[str, Any] = {"court": court}
    ids["case_app"], ids["case_app_v"], ids["case_app_next"] = _one(
        conn,
        "SELECT id, version, (applied_on + 1)::text FROM bankruptcy_case "
        "WHERE stage = 'application' AND court = :court ORDER BY id LIMIT 1",
        court=court,
    )
    ids["case_app_parcel"] = _one(
        conn, f"SELECT parcel_id FROM case_parcel WHERE case_id = {ids['case_app']} LIMIT 1"
    )[0]
    # A case in asset disposal with open blocking tasks and an estate parcel not auctioned.
    ids["case_disp"], ids["case_disp_v"], ids["auction_parcel"] = _one(
        conn,
        "SELECT c.id, c.version, cp.parcel_id FROM bankruptcy_case c "
        "JOIN case_parcel cp ON cp.case_id = c.id JOIN parcel p ON p.id = cp.parcel_id "
        "LEFT JOIN tenure t ON t.code = p.tenure WHERE c.stage = 'asset_disposal' "
        "AND c.court = :court "
        "AND coalesce(t.in_bankruptcy_estate, true) "
        "AND NOT EXISTS (SELECT 1 FROM auction a WHERE a.parcel_id = p.id) "
        "ORDER BY c.id, cp.parcel_id LIMIT 1",
        court=court,
    )
    ids["case_disp_next"] = str(conn.execute(text("SELECT current_date + 1")).scalar())
    ids["auction_on"] = str(conn.execute(text("SELECT current_date + 40")).scalar())
    ids["taken_case_no"] = _one(
        conn,
        "SELECT case_no FROM bankruptcy_case WHERE case_no IS NOT NULL "
        "AND court = :court ORDER BY id LIMIT 1",
        court=court,
    )[0]
    # Another court's case, its case number, and a task of it the court department owes.
    ids["case_other"], ids["case_other_no"] = _one(
        conn,
        "SELECT id, case_no FROM bankruptcy_case WHERE case_no IS NOT NULL "
        "AND court <> :court ORDER BY id LIMIT 1",
        court=court,
    )
    ids["task_other"], ids["task_other_v"] = _one(
        conn,
        "SELECT t.id, t.version FROM joint_task t JOIN task_status s ON s.code = t.status "
        f"WHERE s.is_open AND t.department_code = 'court' AND t.case_id = {ids['case_other']} "
        "ORDER BY t.id LIMIT 1",
    )
    ids["free_firm"] = _one(
        conn,
        "SELECT id FROM firm WHERE id NOT IN (SELECT debtor_firm_id FROM bankruptcy_case) "
        "ORDER BY id LIMIT 1",
    )[0]
    # The richest parcel: held by a firm, mortgaged or seized, in a case if possible.
    ids["parcel"], ids["parcel_v"], ids["plot_no"] = _one(
        conn,
        "SELECT p.id, p.version, p.plot_no FROM parcel p WHERE p.holder_firm_id IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM encumbrance e WHERE e.parcel_id = p.id) "
        "ORDER BY EXISTS (SELECT 1 FROM case_parcel cp WHERE cp.parcel_id = p.id) DESC, p.id "
        "LIMIT 1",
    )
    ids["other_plot_no"] = _one(
        conn, f"SELECT plot_no FROM parcel WHERE id <> {ids['parcel']} ORDER BY id LIMIT 1"
    )[0]
    ids["unit"], ids["unit_v"] = _one(
        conn,
        "SELECT id, version FROM building_unit WHERE tenant_firm_id IS NOT NULL "
        "ORDER BY id LIMIT 1",
    )
    ids["building"], ids["building_v"] = _one(
        conn, "SELECT id, version FROM building WHERE owner_firm_id IS NOT NULL ORDER BY id LIMIT 1"
    )
    ids["road"], ids["road_v"] = _one(
        conn, "SELECT id, version FROM road_segment ORDER BY id LIMIT 1"
    )
    for key, dept in (
        ("task_dept", DEPARTMENT),
        ("task_court", "court"),
        ("task_nr", "natural_res"),
    ):
        ids[key], ids[f"{key}_v"] = _one(
            conn,
            "SELECT t.id, t.version FROM joint_task t JOIN task_status s ON s.code = t.status "
            "JOIN bankruptcy_case c ON c.id = t.case_id WHERE s.is_open "
            "AND t.department_code = :dept AND c.court = :court ORDER BY t.id LIMIT 1",
            dept=dept,
            court=court,
        )
    ids["enquiry"], ids["enquiry_v"] = _one(
        conn, "SELECT id, version FROM investor_enquiry ORDER BY id LIMIT 1"
    )
    ids["year"] = conn.execute(text("SELECT max(year) FROM firm_indicator")).scalar()
    ids["parcel_wkt"] = conn.execute(
        text("SELECT ST_AsText(geom) FROM parcel WHERE id = :id"), {"id": ids["parcel"]}
    ).scalar()
    ids["empty_spot"] = _one(
        conn,
        "SELECT ST_XMin(e) - 2000, ST_YMin(e) - 2000 FROM (SELECT ST_Extent(geom) e FROM parcel) s",
    )
    return ids


def _uploads(ids: dict[str, Any]) -> dict[str, tuple[str, bytes]]:
    """GeoJSON files: a new parcel south-west of the park; the rich parcel, as it is."""
    with tempfile.TemporaryDirectory() as tmp:
        out = {}
        x, y = ids["empty_spot"]
        new = shapely.box(x, y, x + 80, y + 80)
        for key, plot_no, geom in (
            ("new", "JZ-2026-001", new),
            ("existing", ids["plot_no"], shapely.wkt.loads(ids["parcel_wkt"])),
        ):
            path = Path(tmp) / f"{key}.geojson"
            files.write_geo(
                path,
                [{"DKBH": plot_no, "TDYT": "1001", "TDZT": "available"}],
                [geom],
                4490,
                driver="GeoJSON",
            )
            out[key] = (f"{key}.geojson", path.read_bytes())
    out["junk"] = ("junk.gpkg", b"SQLite format 3\x00" + b"\x01" * 500)
    return out


@pytest.fixture(scope="module")
def write_park(demo_template: str) -> Iterator[WritePark]:
    name = _create_from_template(demo_template)
    engine = create_engine(db.database_url(database=name), poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        plant(conn, ALL_SENTINELS)
        keys = role_keys(conn, DEPARTMENT)
        court = conn.execute(text("SELECT court FROM app_user WHERE role = 'court'")).scalar()
        # The demo's disposal case has auctioned its one estate parcel (its other parcel is
        # allocated land, outside the estate): give it one more estate parcel to auction.
        conn.execute(
            text(
                "INSERT INTO case_parcel (case_id, parcel_id, note) "
                "SELECT c.id, p.id, '债务人名下土地' "
                "FROM bankruptcy_case c CROSS JOIN parcel p JOIN tenure t ON t.code = p.tenure "
                "WHERE c.stage = 'asset_disposal' AND c.court = :court AND t.in_bankruptcy_estate "
                "AND NOT EXISTS (SELECT 1 FROM case_parcel x WHERE x.parcel_id = p.id) "
                "AND NOT EXISTS (SELECT 1 FROM auction a WHERE a.parcel_id = p.id) "
                "ORDER BY p.id LIMIT 1"
            ),
            {"court": court},
        )
        ids = _ids(conn, court)
    engine.dispose()
    shared_name = _create_from_template(name)
    shared = db.make_engine(db.database_url(database=shared_name), pool_size=2)
    copies = Copies(name)
    yield WritePark(copies, shared, keys, ids, _uploads(ids))
    access.users._cache.clear()
    shared.dispose()
    copies.close()
    _drop(shared_name)
    _drop(name)


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    """``value`` with ``{name}`` replaced from ids (a whole "{name}" keeps the id's type)."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _state(engine: Engine) -> tuple[Any, ...]:
    """What any accepted write changes: the history, and the untracked run tables."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT (SELECT max(id) FROM history), (SELECT count(*) FROM import_run), "
                    "(SELECT count(*) FROM repair_plan), (SELECT count(*) FROM screening_run), "
                    "(SELECT count(*) FROM inspection WHERE assessed_at IS NOT NULL)"
                )
            ).one()
        )


@pytest.fixture
def database(write_park: WritePark, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The shared copy for a call that must fail or must not write (the test proves it left
    the copy as it was); a copy of its own for a call that writes."""
    call, role = request.node.callspec.params["call"], request.node.callspec.params["role"]
    if call.expected(role) >= 400 or not call.writes:
        yield write_park.shared
        return
    name = write_park.copies.take()
    engine = db.make_engine(db.database_url(database=name), pool_size=2)
    yield engine
    engine.dispose()
    write_park.copies.give_back(name)


def _send(client: TestClient, call: Call, role: str, park: WritePark) -> Any:
    headers = {} if role == "public" else {"X-API-Key": park.keys[role]}
    if call.if_match is not None:
        headers["If-Match"] = f'"{_fill(call.if_match, park.ids)}"'
    url = _fill(call.url, park.ids)
    if call.upload:
        upload = {"files": park.uploads[call.upload]}
        return client.request(call.method, url, data=call.form, files=upload, headers=headers)
    body = _fill(call.json, park.ids)
    return client.request(call.method, url, json=body, headers=headers)


@pytest.mark.parametrize(("call", "role"), CASES)
def test_write_route_status_and_no_restricted_value(
    write_park: WritePark, database: Engine, call: Call, role: str
) -> None:
    before = _state(database)
    with TestClient(create_app(engine=database), raise_server_exceptions=False) as client:
        response = _send(client, call, role, write_park)
    url = _fill(call.url, write_park.ids)
    where = f"{call.method} {url} as {role}"
    assert response.status_code < 500, (where, response.text[:800])
    assert response.status_code == call.expected(role), (where, response.text[:800])
    if response.status_code >= 400 or not call.writes:
        assert _state(database) == before, f"{where}: the database changed"
    if response.status_code >= 400:
        if call.upload and response.status_code == 422:  # a refused import: its report
            report = response.json()
            assert report["status"] == "refused" and report["issues"], where
            assert all(i["message"] and i["message_en"] for i in report["issues"]), where
        else:
            assert response.headers["content-type"] == "application/problem+json", where
            assert response.json()["message"] and response.json()["message_en"], where
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    text_seen = body_text(response) + "\n" + headers
    found = leaks(role, url, text_seen, ALL_SENTINELS)
    assert not found, f"{where}:\n" + "\n".join(found)
    shown = next((s for s in ALL_SENTINELS if s.tag == call.shows), None)
    if shown is not None and response.status_code < 300 and shown.allowed(role):
        flat = text_seen.replace(",", "").replace(".", "")
        assert shown.pattern.search(flat if shown.tag.isdigit() else text_seen), (
            f"{where}: {shown.table}.{shown.column} expected in the answer"
        )


def test_every_write_operation_is_in_the_matrix(write_park: WritePark) -> None:
    """Every non-GET operation of the OpenAPI document has a row (and rows are real routes)."""
    with TestClient(create_app(engine=write_park.shared)) as client:
        spec = client.get("/openapi.json").json()["paths"]
    writes = {(m.upper(), p) for p, ops in spec.items() for m in ops if m != "get"}
    covered = {(c.method, c.route) for c in CALLS}
    assert writes <= covered, writes - covered
    assert all(c.method.lower() in spec.get(c.route, {}) for c in CALLS)


def test_write_sentinels_reach_the_roles_allowed(write_park: WritePark) -> None:
    """The extra sentinels are planted and do reach an allowed role (the check is not vacuous)."""
    seen: set[str] = set()
    with TestClient(create_app(engine=write_park.shared)) as client:
        headers = {"X-API-Key": write_park.keys["admin"]}
        for layer in {s.layer for s in EXTRA_SENTINELS}:
            body = client.get(f"/exports/{layer}.csv", headers=headers).text
            flat = body.replace(",", "").replace(".", "")
            seen |= {
                s.tag
                for s in EXTRA_SENTINELS
                if s.pattern.search(flat if s.tag.isdigit() else body)
            }
    assert seen == {s.tag for s in EXTRA_SENTINELS}
