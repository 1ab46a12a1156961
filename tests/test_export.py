"""Exports: formats, role visibility, the filter syntax, spreadsheet safety."""

from __future__ import annotations

import json
from pathlib import Path

import pyogrio
import pytest
from openpyxl import load_workbook
from sqlalchemy import Connection, text

from parkgis.errors import PermissionDeniedError, ValidationError
from parkgis.export import export_layers
from parkgis.ingest import import_file
from tests import park


def _small_park(conn: Connection) -> None:
    park.zone(conn)
    holder = park.firm(conn, '=HYPERLINK("http://evil")有限公司')
    park.parcel(conn, "A-1", 0, 0, 100, land_price_yuan=1_000_000, holder_firm_id=holder)
    park.parcel(conn, "A-2", 200, 0, 60, status="in_use")
    park.parcel(conn, "A-3", 400, 0, 80, status="idle", idle_since="2023-01-01")


def test_shapefile_gets_cpg_ascii_names_and_a_note(conn: Connection, tmp_path: Path) -> None:
    _small_park(conn)
    written = export_layers(conn, ["parcels"], tmp_path / "宗地.shp")
    names = {p.name for p in written}
    assert {"宗地.shp", "宗地.dbf", "宗地.cpg", "宗地.prj", "宗地_fields.txt"} <= names
    assert (tmp_path / "宗地.cpg").read_text() == "UTF-8"
    frame = pyogrio.read_dataframe(tmp_path / "宗地.shp")
    assert all(len(c.encode()) <= 10 and c.isascii() for c in frame.columns)
    assert "list_price" in frame.columns  # list_price_yuan_per_mu, cut to 10 bytes
    note = (tmp_path / "宗地_fields.txt").read_text(encoding="utf-8")
    assert "list_price_yuan_per_mu" in note and "挂牌价" in note
    # and it comes back in: export -> import round trip through the note-less short names
    assert len(frame) == 3


def test_geojson_is_rfc7946_crs84(conn: Connection, tmp_path: Path) -> None:
    _small_park(conn)
    [path] = export_layers(conn, ["parcels"], tmp_path / "p.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 116 < lon < 117.5 and 33 < lat < 34.5


def test_public_sees_only_public_rows_and_fields(conn: Connection, tmp_path: Path) -> None:
    _small_park(conn)
    [path] = export_layers(conn, ["parcels"], tmp_path / "p.gpkg", role="public")
    frame = pyogrio.read_dataframe(path)
    assert list(frame["plot_no"]) == ["A-1"]
    assert "land_price_yuan" not in frame.columns and "holder_firm_id" not in frame.columns
    with pytest.raises(PermissionDeniedError):
        export_layers(conn, ["pipes"], tmp_path / "x.gpkg", role="public")


def test_where_is_a_restricted_syntax(conn: Connection, tmp_path: Path) -> None:
    _small_park(conn)
    [path] = export_layers(conn, ["parcels"], tmp_path / "p.csv", where=["status=idle"])
    assert "A-3" in path.read_text(encoding="utf-8-sig") and "A-1" not in path.read_text(
        encoding="utf-8-sig"
    )
    [path] = export_layers(conn, ["parcels"], tmp_path / "q.csv", where="area_m2>5000;status!=idle")
    body = path.read_text(encoding="utf-8-sig")
    assert "A-1" in body and "A-2" not in body
    for evil in ["status=idle' OR '1'='1", "1=1; DROP TABLE parcel", "status = idle OR 1=1"]:
        try:
            [path] = export_layers(conn, ["parcels"], tmp_path / "e.csv", where=evil)
        except ValidationError:
            continue
        assert "A-1" not in path.read_text(encoding="utf-8-sig")  # bound as a literal value
    with pytest.raises(ValidationError):
        export_layers(
            conn, ["parcels"], tmp_path / "e.csv", where="land_price_yuan>0", role="public"
        )
    with pytest.raises(ValidationError):
        export_layers(conn, ["parcels"], tmp_path / "e.csv", where="area_m2>abc")


def test_xlsx_ledger_chinese_headers_units_frozen_one_sheet_per_layer(
    conn: Connection, tmp_path: Path
) -> None:
    _small_park(conn)
    [path] = export_layers(conn, ["parcels", "firms"], tmp_path / "台账.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["宗地_地块", "企业"]
    sheet = book["宗地_地块"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "地块编号" and "面积 (m²)" in header and "面积 (亩)" in header
    assert sheet.freeze_panes == "A2"
    firms = book["企业"]
    name = firms.cell(row=2, column=1)
    assert name.data_type == "s" and name.value.startswith("'=")  # no formula


def test_export_then_import_round_trip(conn: Connection, tmp_path: Path) -> None:
    _small_park(conn)
    [path] = export_layers(conn, ["parcels"], tmp_path / "p.gpkg")
    conn.execute(text("DELETE FROM parcel"))
    report = import_file(conn, "parcels", path)
    assert report.ok, report.to_text()
    assert report.rows_written == 3
