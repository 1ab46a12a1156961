"""Files as CASS, Google Earth, 奥维地图 and ArcGIS make them; formats refused by name."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from sqlalchemy import Connection, text

from parkgis.ingest.run import import_file
from tests import park
from tests.ingest import files


def _outline(conn: Connection, plot_no: str) -> tuple[float, float, float]:
    row = conn.execute(
        text(
            "SELECT ST_Area(geom), ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM parcel "
            "WHERE plot_no = :p"
        ),
        {"p": plot_no},
    ).one()
    return float(row[0]), float(row[1]) - park.ORIGIN_X, float(row[2]) - park.ORIGIN_Y


def _parcels(conn: Connection, *plots: str) -> None:
    for i, plot in enumerate(plots):
        park.parcel(conn, plot, i * 200, 0, 100)


def test_cass_dxf_boundaries_take_the_code_written_inside_them(
    conn: Connection, tmp_path: Path
) -> None:
    _parcels(conn, "JK-001-01", "JK-001-02")
    dxf = tmp_path / "宗地图.dxf"
    files.write_cass_dxf(
        dxf,
        [(files.rect(0, 0, 120, 80), "JK-001-01"), (files.rect(200, 0, 90), "JK-001-02")],
        extra_lines=[
            [(park.ORIGIN_X - 50, park.ORIGIN_Y - 5), (park.ORIGIN_X + 400, park.ORIGIN_Y - 5)]
        ],
        notes=[((park.ORIGIN_X + 500, park.ORIGIN_Y + 500), "烈山经济开发区宗地图")],
    )

    report = import_file(conn, "parcels", dxf, mode="upsert", crs=4548)

    assert report.ok, report.to_text()
    assert report.format == "dxf" and report.rows_read == 2 and report.rows_updated == 2
    assert _outline(conn, "JK-001-01") == pytest.approx((9600.0, 60.0, 40.0), abs=0.01)
    assert _outline(conn, "JK-001-02")[0] == pytest.approx(8100.0, abs=0.01)
    text_ = report.to_text()
    assert "cad_text" in text_ and "open lines" in text_  # the code column and the dropped line


def test_dxf_boundary_without_a_code_is_named_and_nothing_is_written(
    conn: Connection, tmp_path: Path
) -> None:
    _parcels(conn, "JK-001-01")
    before = _outline(conn, "JK-001-01")
    dxf = tmp_path / "宗地图.dxf"
    files.write_cass_dxf(
        dxf, [(files.rect(0, 0, 120), "JK-001-01"), (files.rect(300, 0, 50), None)]
    )

    report = import_file(conn, "parcels", dxf, mode="upsert", crs=4548)

    assert not report.ok
    assert any(i.field in ("plot_no", "cad_text") and i.row is not None for i in report.errors)
    assert _outline(conn, "JK-001-01") == before


def test_dxf_layer_is_chosen_with_source_layer(conn: Connection, tmp_path: Path) -> None:
    _parcels(conn, "JK-001-01")
    dxf = tmp_path / "宗地图.dxf"
    files.write_cass_dxf(dxf, [(files.rect(0, 0, 110), "JK-001-01")])

    wrong = import_file(conn, "parcels", dxf, mode="upsert", crs=4548, source_layer="DLSS")
    assert not wrong.ok and "JZX" in str(wrong.errors[0].expected)

    right = import_file(conn, "parcels", dxf, mode="upsert", crs=4548, source_layer="JZX")
    assert right.ok, right.to_text()
    assert _outline(conn, "JK-001-01")[0] == pytest.approx(12100.0, abs=0.01)


def _kml(tmp_path: Path) -> Path:
    kml = tmp_path / "地块.kml"
    files.write_google_earth_kml(
        kml,
        [
            {
                "name": "JK-001-01",
                "geometry": files.rect(0, 0, 100, 60),
                "data": {"地块编号": "JK-001-01", "挂牌价（万元/亩）": "12"},
            },
            {
                "name": "JK-001-02",
                "geometry": files.rect(200, 0, 80),
                "table": {"地块编号": "JK-001-02", "容积率上限": "2.5", "备注": "临路"},
            },
        ],
    )
    return kml


def test_google_earth_kml_reads_extended_data_and_description_tables(
    conn: Connection, tmp_path: Path
) -> None:
    _parcels(conn, "JK-001-01", "JK-001-02")

    report = import_file(conn, "parcels", _kml(tmp_path), mode="upsert")

    assert report.ok, report.to_text()
    assert report.format == "kml" and report.rows_updated == 2
    assert _outline(conn, "JK-001-01")[0] == pytest.approx(6000.0, rel=1e-4)
    rows = conn.execute(
        text(
            "SELECT plot_no, plot_ratio_max, list_price_yuan_per_mu, extra FROM parcel "
            "ORDER BY plot_no"
        )
    ).all()
    assert float(rows[0].list_price_yuan_per_mu) == 120_000  # 12 万元/亩, from ExtendedData
    assert float(rows[1].plot_ratio_max) == 2.5
    assert rows[1].extra.get("备注") == "临路"
    assert "altitudeMode" not in report.to_text() and "tessellate" not in report.to_text()


def test_kmz_is_a_zipped_kml(conn: Connection, tmp_path: Path) -> None:
    _parcels(conn, "JK-001-01", "JK-001-02")
    kmz = tmp_path / "地块.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(_kml(tmp_path), "doc.kml")

    report = import_file(conn, "parcels", kmz, mode="upsert")

    assert report.ok, report.to_text()
    assert report.format == "kmz" and report.rows_updated == 2


def _gdb(tmp_path: Path) -> Path:
    gdb = tmp_path / "宗地.gdb"
    frame = gpd.GeoDataFrame(
        {"DKBH": ["JK-001-01", "JK-001-02"], "ZDDM": ["340604001001JB00001", None]},
        geometry=[files.rect(0, 0, 100, 70), files.rect(200, 0, 70)],
        crs=4548,
    )
    frame.to_file(gdb, driver="OpenFileGDB", layer="parcels", engine="pyogrio")
    frame.to_file(gdb, driver="OpenFileGDB", layer="roads_draft", engine="pyogrio")
    return gdb


def test_file_geodatabase_folder_and_zip(conn: Connection, tmp_path: Path) -> None:
    _parcels(conn, "JK-001-01", "JK-001-02")
    gdb = _gdb(tmp_path)

    report = import_file(conn, "parcels", gdb, mode="upsert", mapping_file=None)
    assert report.format == "gdb"
    assert report.ok, report.to_text()  # the layer named like the target is chosen
    assert _outline(conn, "JK-001-01")[0] == pytest.approx(7000.0, abs=0.01)

    archive = tmp_path / "宗地.gdb.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for member in gdb.iterdir():
            zf.write(member, f"宗地.gdb/{member.name}")
    again = import_file(conn, "parcels", archive, mode="upsert")
    assert again.ok, again.to_text()
    assert again.format == "gdb" and again.rows_updated == 2


def test_upsert_without_the_key_column_says_so(conn: Connection, tmp_path: Path) -> None:
    _parcels(conn, "JK-001-01")
    gpkg = tmp_path / "no_key.gpkg"
    files.write_geo(gpkg, [{"ZDDM": "340604001001JB00001"}], [files.rect(0, 0, 80)], 4548)

    report = import_file(conn, "parcels", gpkg, mode="upsert")

    assert not report.ok and len(report.errors) == 1
    error = report.errors[0]
    assert error.field == "plot_no" and "DKBH" in error.expected
    assert "地块编号" in error.message and "does not exist" not in error.message_en


def test_dwg_is_refused_by_name_even_when_renamed(conn: Connection, tmp_path: Path) -> None:
    for name in ("宗地图.dwg", "宗地图.dxf"):
        path = tmp_path / name
        path.write_bytes(b"AC1032" + b"\x00" * 200)
        report = import_file(conn, "parcels", path)
        assert not report.ok
        message = report.errors[0]
        assert "DWG" in message.message and "DXF" in message.message
        assert "save as DXF" in message.message_en


def test_another_gdal_format_is_read_by_its_content(conn: Connection, tmp_path: Path) -> None:
    _parcels(conn, "JK-001-01")
    gml = tmp_path / "parcels.gml"
    gpd.GeoDataFrame(
        {"plot_no": ["JK-001-01"]}, geometry=[files.rect(0, 0, 100, 50)], crs=4548
    ).to_file(gml, driver="GML", engine="pyogrio")
    renamed = tmp_path / "export.dat"
    renamed.write_bytes(gml.read_bytes())
    for xsd in tmp_path.glob("*.xsd"):
        xsd.unlink()

    report = import_file(conn, "parcels", renamed, mode="upsert", crs=4548)

    assert report.ok, report.to_text()
    assert _outline(conn, "JK-001-01")[0] == pytest.approx(5000.0, abs=0.01)


def test_a_file_no_reader_knows_is_refused(conn: Connection, tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"\x00\x01\x02" * 100)
    report = import_file(conn, "parcels", path)
    assert not report.ok and "unrecognised" in report.errors[0].message_en


@pytest.mark.parametrize(
    ("source", "target", "factor"),
    [
        ("万元/亩", "元/亩", 10_000.0),
        ("万元/公顷", "元/亩", 10_000 / 15),
        ("亩", "m²", 10_000 / 15),
    ],
)
def test_rates_convert_part_by_part(source: str, target: str, factor: float) -> None:
    from parkgis.ingest.mapping import unit_factor

    assert unit_factor(source, target) == pytest.approx(factor)
