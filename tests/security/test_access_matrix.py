"""Access control, proved: every GET route x every role, no restricted value leaks.

A committed copy of the demo park gets unique sentinels planted in every restricted
field (owner firm names, land prices, encumbrance holders, case numbers and
administrators, defect remarks, inspectors, firm finances, investor names). Each role
then calls every GET route of the OpenAPI document (path parameters filled with real
ids; tiles decoded; exports in every format unpacked; dossiers, brochures, map pages,
queryables and 4xx bodies) and no sentinel the role may not see may appear.

Which role may see a sentinel comes from the catalogue: the layer's ``can_see`` and the
field's ``visible``; rows are planted in every row, so ``rows_for`` only narrows. Routes
with their own rules (release, matching, repairs) admit roles that are a subset of the
catalogue's for the same data, except the few documented in ``ROUTE_RULES``.
Seizures' holders are the courts that ordered them: planted apart (SNTLSEIZ) because
the matching blockers name that court to the promotion office.
Found and fixed by this test: matching blockers named mortgage holders and case numbers to
every staff role (now per catalogue, parkgis/matching/blockers.py); ``/cases/{id}`` showed
land prices to departments (api/routes/release.py); ``/enquiries`` admitted departments,
whom layers/enquiries.toml does not (api/routes/matching.py).
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import openpyxl
import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from parkgis.catalogue import get_layer, load_catalogue
from tests.conftest import _create_from_template, _drop
from tests.roles import ROLES
from tests.serving.test_visibility import tile_of


@dataclass(frozen=True)
class Sentinel:
    """A planted value: where it lives, how to spot it, which (layer, field) rules it."""

    tag: str
    table: str
    column: str
    expr: str  # SQL expression of the planted value (uses the row's id)
    layer: str
    field_name: str
    regex: str = ""  # how to spot it (default: the tag followed by the row id)
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = self.regex or (self.tag if self.tag.isdigit() else self.tag + r"\d+")
        object.__setattr__(self, "pattern", re.compile(regex))

    def allowed(self, role: str) -> bool:
        """Whether ``role`` may see this value according to the catalogue."""
        layer = get_layer(self.layer)
        return layer.can_see(role) and layer.field(self.field_name).visible(role)


SENTINELS = (
    Sentinel("SNTLFIRM", "firm", "name", "'SNTLFIRM' || id", "firms", "name"),
    Sentinel(
        "SNTLLEGAL",
        "firm",
        "legal_representative",
        "'SNTLLEGAL' || id",
        "firms",
        "legal_representative",
    ),
    Sentinel("SNTLPHONE", "firm", "contact_phone", "'SNTLPHONE' || id", "firms", "contact_phone"),
    Sentinel(
        "SNTLCONTRACT", "parcel", "contract_no", "'SNTLCONTRACT' || id", "parcels", "contract_no"
    ),
    # Land prices: 913579xxx yuan; searched as "913579" with separators removed.
    Sentinel("913579", "parcel", "land_price_yuan", "913579000 + id", "parcels", "land_price_yuan"),
    # Holders: mortgagees (SNTLENC) apart from the courts that ordered seizures (SNTLSEIZ).
    Sentinel(
        "SNTLENC",
        "encumbrance",
        "holder",
        "CASE WHEN kind = 'seizure' THEN 'SNTLSEIZ' ELSE 'SNTLENC' END || id",
        "encumbrances",
        "holder",
    ),
    Sentinel(
        "SNTLSEIZ",
        "encumbrance",
        "holder",
        "CASE WHEN kind = 'seizure' THEN 'SNTLSEIZ' ELSE 'SNTLENC' END || id",
        "encumbrances",
        "holder",
    ),
    # Case numbers must look like (2024)皖0604破1号 (CHECK): year 1999, number 8642<id>.
    Sentinel(
        "CASENO",
        "bankruptcy_case",
        "case_no",
        "'(1999)皖0604破8642' || id || '号'",
        "cases",
        "case_no",
        r"破8642\d+号",
    ),
    Sentinel(
        "APPNO",
        "bankruptcy_case",
        "application_no",
        "CASE WHEN application_no IS NOT NULL THEN '(1999)皖0604破申8642' || id || '号' END",
        "cases",
        "application_no",
        r"破申8642\d+号",
    ),
    Sentinel(
        "SNTLADMIN",
        "bankruptcy_case",
        "administrator",
        "'SNTLADMIN' || id",
        "cases",
        "administrator",
    ),
    Sentinel("SNTLDEFECT", "defect", "remark", "'SNTLDEFECT' || id", "defects", "remark"),
    Sentinel("SNTLINSP", "inspection", "inspector", "'SNTLINSP' || id", "inspections", "inspector"),
    # Firm finances: revenue 824681xxxx yuan (four digits: firm ids up to 999 keep the prefix).
    Sentinel(
        "824681",
        "firm_indicator",
        "revenue_yuan",
        "8246810000 + firm_id * 10 + (year % 10)",
        "firm_indicators",
        "revenue_yuan",
    ),
    Sentinel(
        "SNTLINV",
        "investor_enquiry",
        "investor_name",
        "'SNTLINV' || id",
        "enquiries",
        "investor_name",
    ),
    Sentinel(
        "SNTLCONTACT", "investor_enquiry", "contact", "'SNTLCONTACT' || id", "enquiries", "contact"
    ),
)

#: Routes with their own rules that show a value to more roles than the catalogue:
#: (URL pattern, sentinel tag, extra roles, why). Everything else follows the catalogue.
ROUTE_RULES: tuple[tuple[str, str, frozenset[str], str], ...] = (
    (
        r"^/cases/\d+/dossier",
        "SNTLENC",
        frozenset({"department"}),
        "a case dossier lists the estate's mortgages and seizures for every case reader: "
        "the departments of the joint tasks (府院联动) are the ones who lift them",
    ),
    (
        r"^/cases/\d+/dossier",
        "SNTLSEIZ",
        frozenset({"department"}),
        "a case dossier lists the estate's seizures for every case reader (as mortgages)",
    ),
    (
        r"^/(sites/|enquiries/\d+/matches|match\b)",
        "SNTLSEIZ",
        frozenset({"promotion", "infrastructure", "department"}),
        "a seizure blocker names, to the staff roles that see blockers, the court that "
        "ordered it and must lift it (a public authority, issue 14 item 6); mortgagees "
        "stay hidden",
    ),
    (
        r"^/(sites/|enquiries/\d+/matches|match\b)",
        "CASENO",
        frozenset({"promotion"}),
        "a bankruptcy blocker names the case (published by the court) so that the promotion "
        "office knows whom to ask; holders of mortgages stay hidden",
    ),
)

#: GET routes not called, with the reason.
NOT_CALLED: dict[str, str] = {}

GEO_LAYERS = [lyr.id for lyr in load_catalogue().values() if lyr.has_geometry]
EXPORT_FORMATS = ("gpkg", "shp", "geojson", "csv", "xlsx")


@dataclass
class Park:
    """The committed, planted park and one key per role."""

    engine: Engine
    keys: dict[str, str]
    ids: dict[str, Any]


@pytest.fixture(scope="module")
def planted(demo_template: str) -> Iterator[Park]:
    name = _create_from_template(demo_template)
    url = db.database_url(database=name)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        plant(conn)
        dept = conn.execute(text("SELECT code FROM department ORDER BY code LIMIT 1")).scalar()
        keys = role_keys(conn, dept)
        ids = _ids(conn)
    app = create_app(engine=engine)
    with TestClient(app) as client:
        response = client.post(
            "/repairs/plan", json={"budget": 3_000_000}, headers={"X-API-Key": keys["admin"]}
        )
        assert response.status_code == 201, response.text
        ids["plan"] = _first_int(response.json(), "plan_id", "id")
    ids["department"] = dept
    yield Park(engine=engine, keys=keys, ids=ids)
    access.users._cache.clear()
    engine.dispose()
    _drop(name)


def plant(conn: Any, sentinels: tuple[Sentinel, ...] = SENTINELS) -> None:
    """Write every sentinel into every row of its table."""
    for s in sentinels:
        # Table and column come from the constant lists, never from input.
        conn.execute(text(f'UPDATE "{s.table}" SET "{s.column}" = {s.expr}'))


def role_keys(conn: Any, department: str) -> dict[str, str]:
    """One API key per staff role: the department user belongs to ``department``, the court
    user to the court with the most cases (row-level security shows it only those)."""
    court = conn.execute(
        text("SELECT court FROM bankruptcy_case GROUP BY court ORDER BY count(*) DESC, court")
    ).scalar()
    return {
        role: access.create_user(
            conn,
            f"matrix-{role}",
            role,
            department if role == "department" else None,
            court=court if role == "court" else None,
        )[1]
        for role in ROLES
        if role != "public"
    }


def _first_int(body: dict[str, Any], *names: str) -> int:
    for name in names:
        if isinstance(body.get(name), int):
            return int(body[name])
    raise AssertionError(f"no plan id in {sorted(body)}")


def _scalars(conn: Any, sql: str) -> list[Any]:
    return list(conn.execute(text(sql)).scalars().all())


def _ids(conn: Any) -> dict[str, Any]:
    lon, lat = conn.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_SetSRID("
            "ST_Centroid(ST_Extent(geom)::geometry), 4548), 4326) c FROM parcel) s"
        )
    ).one()
    return {
        "tiles": [tile_of(lon, lat, z) for z in (14, 15, 16)],
        "cases": _scalars(conn, "SELECT id FROM bankruptcy_case ORDER BY id LIMIT 3"),
        "enquiries": _scalars(conn, "SELECT id FROM investor_enquiry ORDER BY id LIMIT 3"),
        "parcels": _scalars(
            conn,
            "(SELECT id FROM parcel WHERE holder_firm_id IS NOT NULL ORDER BY id LIMIT 2) "
            "UNION ALL (SELECT id FROM parcel WHERE status = 'available' ORDER BY id LIMIT 1) "
            "UNION ALL (SELECT parcel_id FROM encumbrance ORDER BY id LIMIT 1) "
            "UNION ALL (SELECT parcel_id FROM case_parcel ORDER BY parcel_id LIMIT 1)",
        ),
        "units": _scalars(
            conn,
            "(SELECT id FROM building_unit WHERE tenant_firm_id IS NOT NULL ORDER BY id LIMIT 1)"
            " UNION ALL (SELECT id FROM building_unit WHERE status = 'vacant' ORDER BY id LIMIT 1)",
        ),
        "buildings": _scalars(conn, "SELECT id FROM building ORDER BY id LIMIT 2"),
        "plot_nos": _scalars(
            conn, "SELECT plot_no FROM parcel WHERE holder_firm_id IS NOT NULL ORDER BY id LIMIT 1"
        ),
        "pipes": _scalars(
            conn,
            "SELECT s.code FROM pipe_segment s JOIN inspection i ON i.pipe_segment_id = s.id "
            "JOIN defect d ON d.inspection_id = i.id GROUP BY s.code ORDER BY s.code LIMIT 2",
        ),
        "manholes": _scalars(conn, "SELECT code FROM manhole ORDER BY id LIMIT 1"),
        "tasks": _scalars(conn, "SELECT id FROM joint_task ORDER BY id LIMIT 1"),
        "year": conn.execute(text("SELECT max(year) FROM firm_indicator")).scalar(),
    }


def _fids(client: TestClient, layer: str, admin_key: str) -> list[str]:
    body = client.get(
        f"/collections/{layer}/items", params={"limit": 3}, headers={"X-API-Key": admin_key}
    ).json()
    return [str(f["id"]) for f in body.get("features", [])]


def urls(park: Park, client: TestClient) -> list[tuple[str, str]]:
    """(route template, concrete URL) for every GET call of the matrix."""
    i = park.ids
    out: list[tuple[str, str]] = []

    def add(template: str, *concrete: str) -> None:
        out.extend((template, c) for c in concrete)

    add("/healthz", "/healthz")
    add("/readyz", "/readyz")
    add("/", "/", "/?f=html")
    add("/conformance", "/conformance")
    add("/collections", "/collections", "/collections?f=html")
    for lyr in load_catalogue():
        add("/collections/{collectionId}", f"/collections/{lyr}")
        add("/collections/{collectionId}/queryables", f"/collections/{lyr}/queryables")
        add(
            "/collections/{collectionId}/items",
            f"/collections/{lyr}/items?limit=10000",
            f"/collections/{lyr}/items?limit=200&f=html",
            # 4xx bodies: bad filter, bad sort, bad bbox
            f"/collections/{lyr}/items?filter=nosuchfield%3D1",
            f"/collections/{lyr}/items?sortby=nosuchfield",
            f"/collections/{lyr}/items?bbox=1,2,3",
        )
        fids = _fids(client, lyr, park.keys["admin"])
        add(
            "/collections/{collectionId}/items/{featureId}",
            *[f"/collections/{lyr}/items/{fid}" for fid in fids],
            *[f"/collections/{lyr}/items/{fid}?f=html" for fid in fids[:1]],
            f"/collections/{lyr}/items/999999999",
        )
        add(
            "/exports/{layer}.{fmt}",
            *[f"/exports/{lyr}.{fmt}" for fmt in EXPORT_FORMATS],
        )
    for lyr in GEO_LAYERS:
        add(
            "/collections/{collectionId}/tiles/WebMercatorQuad",
            f"/collections/{lyr}/tiles/WebMercatorQuad",
        )
        add(
            "/collections/{collectionId}/tiles/WebMercatorQuad/{z}/{x}/{y}",
            *[f"/collections/{lyr}/tiles/WebMercatorQuad/{z}/{x}/{y}" for z, x, y in i["tiles"]],
        )
    add("/exports/{layer}.{fmt}", "/exports/parcels.csv?where=nosuchfield%3D1")
    year = i["year"]
    add("/screening/firms", f"/screening/firms?store=false&year={year}")
    add("/screening/efficiency", f"/screening/efficiency?store=false&year={year}")
    add("/land/idle", "/land/idle", "/land/idle?format=xlsx")
    add("/cases", "/cases")
    add("/cases/{case_id}", *[f"/cases/{c}" for c in i["cases"]], "/cases/999999")
    add(
        "/cases/{case_id}/dossier",
        *[f"/cases/{c}/dossier?format={f}" for c in i["cases"] for f in ("html", "xlsx")],
    )
    add("/tasks", "/tasks", f"/tasks?department={i['department']}", "/tasks?department=nosuch")
    add("/release/pipeline", "/release/pipeline")
    trace = [f"/network/trace?parcel={p}&direction=down" for p in i["plot_nos"]]
    trace += [f"/network/trace?manhole={m}&direction=up" for m in i["manholes"]]
    add("/network/trace", *trace)
    add("/network/check", "/network/check")
    add("/pipes/{code}/assessment", *[f"/pipes/{c}/assessment" for c in i["pipes"]])
    add(
        "/repairs/plans/{plan_id}",
        *[f"/repairs/plans/{i['plan']}?format={f}" for f in ("json", "xlsx", "geojson")],
    )
    add("/roads/access", "/roads/access")
    add("/enquiries", "/enquiries")
    add("/enquiries/{enquiry_id}", *[f"/enquiries/{e}" for e in i["enquiries"]])
    add(
        "/enquiries/{enquiry_id}/matches",
        *[
            f"/enquiries/{e}/matches?format={f}"
            for e in i["enquiries"][:2]
            for f in ("json", "xlsx")
        ],
    )
    sites = [("parcel", p) for p in i["parcels"]] + [("unit", u) for u in i["units"]]
    sites += [("building", b) for b in i["buildings"]]
    add("/sites/{kind}/{site_id}", *[f"/sites/{k}/{s}" for k, s in sites], "/sites/parcel/999999")
    add("/sites/{kind}/{site_id}/brochure", *[f"/sites/{k}/{s}/brochure" for k, s in sites])
    ids = ",".join(f"{k}:{s}" for k, s in sites[:5])
    add("/sites/compare", f"/sites/compare?ids={ids}")
    add("/map", "/map", *[f"/map?enquiry={e}" for e in i["enquiries"][:1]])
    add("/map/infrastructure", "/map/infrastructure", f"/map/infrastructure?plan={i['plan']}")
    add(
        "/map/search",
        "/map/search?q=SNTL",
        "/map/search?q=P",
        *[f"/map/search?q={p}" for p in i["plot_nos"]],
    )
    return out


def body_text(response: Any) -> str:
    """Every value a caller can read from a response, as text."""
    ctype = response.headers.get("content-type", "")
    content = response.content
    if "mapbox-vector-tile" in ctype or "vnd.mvt" in ctype:
        return json.dumps(mapbox_vector_tile.decode(content), default=str, ensure_ascii=False)
    if "spreadsheetml" in ctype:
        return _xlsx_text(content)
    if "zip" in ctype or "geopackage" in ctype or content[:16].startswith(b"SQLite format 3"):
        return _gis_text(content, ctype)
    return content.decode("utf-8", errors="replace")


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    parts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            parts.append(" ".join("" if v is None else str(v) for v in row))
    book.close()
    return "\n".join(parts)


def _gis_text(content: bytes, ctype: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if content[:2] == b"PK":
            zipfile.ZipFile(io.BytesIO(content)).extractall(folder)
            files = [p for p in folder.rglob("*") if p.suffix in {".shp", ".dbf"}]
            files = [p for p in files if p.suffix == ".shp"] or files
        else:
            (folder / "x.gpkg").write_bytes(content)
            files = [folder / "x.gpkg"]
        parts = []
        for path in files:
            for layer_name, _ in pyogrio.list_layers(path):
                frame = pyogrio.read_dataframe(path, layer=layer_name, read_geometry=False)
                parts.append(frame.to_csv(index=False))
        return "\n".join(parts)


def leaks(role: str, url: str, body: str, sentinels: tuple[Sentinel, ...] = SENTINELS) -> list[str]:
    """Sentinels in ``body`` that ``role`` may not see."""
    flat = body.replace(",", "").replace(".", "")
    found = []
    extra = {tag for rx, tag, roles, _ in ROUTE_RULES if role in roles and re.match(rx, url)}
    for s in sentinels:
        if s.allowed(role) or s.tag in extra:
            continue
        haystack = flat if s.tag.isdigit() else body
        match = s.pattern.search(haystack)
        if match:
            found.append(f"{url}: {s.table}.{s.column} ({match.group(0)})")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_restricted_value_reaches_a_role_that_may_not_see_it(planted: Park, role: str) -> None:
    app = create_app(engine=planted.engine)
    with TestClient(app) as client:
        spec_paths = {
            p for p, ops in client.get("/openapi.json").json()["paths"].items() if "get" in ops
        }
        calls = urls(planted, client)
        headers = {} if role == "public" else {"X-API-Key": planted.keys[role]}
        found: list[str] = []
        statuses: dict[int, int] = {}
        for _, url in calls:
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (role, url, response.text[:500])
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            found += leaks(role, url, body_text(response))
        for extra in ("/openapi.json", "/docs"):
            found += leaks(role, extra, client.get(extra, headers=headers).text)
    covered = {template for template, _ in calls}
    assert spec_paths - set(NOT_CALLED) <= covered, spec_paths - covered
    assert not found, "\n".join(found)
    assert statuses.get(200, 0) > 0


def test_sentinels_are_seen_by_the_roles_allowed(planted: Park) -> None:
    """The matrix is not vacuous: every sentinel does reach some allowed role's body."""
    app = create_app(engine=planted.engine)
    seen: set[str] = set()
    with TestClient(app) as client:
        headers = {"X-API-Key": planted.keys["admin"]}
        for lyr in load_catalogue():
            for fmt in ("csv",):
                body = client.get(f"/exports/{lyr}.{fmt}", headers=headers).text
                flat = body.replace(",", "").replace(".", "")
                for s in SENTINELS:
                    if s.pattern.search(flat if s.tag.isdigit() else body):
                        seen.add(s.tag)
    assert seen == {s.tag for s in SENTINELS}
