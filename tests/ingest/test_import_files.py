"""Importing the files people actually hand over: encodings, CRSs, broken geometry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from parkgis.ingest import import_file
from tests import park
from tests.ingest import files


def _parcel_rows() -> list[dict[str, object]]:
    return [
        {
            "地块编号": "LS-001",
            "土地用途": "工业用地",
            "土地状态": "净地",
            "供地方式": "出让",
            "面积": 10000.0,
            "权利人": "淮北华强机械有限公司",
            "备注": "东侧临路",
        },
        {
            "地块编号": "LS-002",
            "土地用途": "二类工业用地",
            "土地状态": "批而未供",
            "供地方式": "划拨",
            "面积": 5000.0,
            "权利人": "",
            "备注": "蝴蝶形",
        },
        {
            "地块编号": "LS-003",
            "土地用途": "物流仓储用地",
            "土地状态": "在用",
            "供地方式": "出让",
            "面积": 2500.0,
            "权利人": "",
            "备注": "",
        },
    ]


def _gbk_shapefile(folder: Path, keep_prj: bool = True) -> tuple[Path, list[float]]:
    """A GBK shapefile without .cpg in EPSG:4527 (zone prefix), with a bow-tie parcel."""
    shp = folder / "宗地.shp"
    geoms = [files.rect(0, 0, 100), files.bowtie(200, 0, 100), files.rect(400, 0, 50)]
    frame = files.write_geo(shp, _parcel_rows(), geoms, 4527, encoding="GBK")
    for suffix in [".cpg"] + ([] if keep_prj else [".prj"]):
        shp.with_suffix(suffix).unlink(missing_ok=True)
    assert not shp.with_suffix(".cpg").exists()
    return shp, [files.area(g) for g in frame.geometry]


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_gbk_shapefile_without_cpg_in_4527_with_a_bowtie(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    firm_id = park.firm(conn, "淮北华强机械有限公司")
    shp, source_areas = _gbk_shapefile(tmp_path)

    report = import_file(conn, "parcels", shp)

    assert report.ok, report.to_text()
    assert report.status == "committed"
    assert report.encoding == "gb18030"
    assert report.rows_read == 3 and report.rows_written == 3
    rows = (
        conn.execute(
            text(
                "SELECT plot_no, land_use_code, status, tenure, registered_area_m2, area_m2, "
                "holder_firm_id, extra, idle_since FROM parcel ORDER BY plot_no"
            )
        )
        .mappings()
        .all()
    )
    assert [r["plot_no"] for r in rows] == ["LS-001", "LS-002", "LS-003"]
    assert rows[0]["land_use_code"] == "1001" and rows[0]["tenure"] == "transfer"
    assert rows[0]["holder_firm_id"] == firm_id
    assert rows[0]["extra"]["备注"] == "东侧临路"  # Chinese intact, unmapped column kept
    assert float(rows[0]["registered_area_m2"]) == 10000.0
    assert float(rows[0]["area_m2"]) == pytest.approx(source_areas[0], abs=0.01)
    assert float(rows[2]["area_m2"]) == pytest.approx(source_areas[2], abs=0.01)
    # the bow-tie: repaired into two triangles, recorded in the report with its row
    assert float(rows[1]["area_m2"]) == pytest.approx(5000.0, abs=0.01)
    repair = [i for i in report.issues if i.row == 2 and i.field == "geometry"]
    assert (
        repair and "make_valid" in repair[0].message and "Self-intersection" in str(repair[0].value)
    )
    assert "EPSG:4527" in report.to_text() or "4527" in (report.crs or "")


def test_a_row_the_database_refuses_is_named_and_nothing_is_written(
    conn: Connection, tmp_path: Path
) -> None:
    """Idle land needs an idle-since date (MLR Order 53): the CHECK names row and rule."""
    park.zone(conn)
    park.firm(conn, "淮北华强机械有限公司")
    rows = _parcel_rows()
    rows[2]["土地状态"] = "闲置土地"
    shp = tmp_path / "idle.shp"
    files.write_geo(
        shp,
        rows,
        [files.rect(0, 0, 10), files.rect(20, 0, 10), files.rect(40, 0, 10)],
        4548,
        encoding="GBK",
    )
    report = import_file(conn, "parcels", shp)
    assert report.status == "refused"
    assert [(i.row, i.field) for i in report.errors] == [(3, "idle_since")], report.to_text()
    assert report.errors[0].message == "第 3 行：闲置土地必须填写认定闲置的日期"  # words, not SQL
    assert "constraint" not in report.to_text()
    assert _count(conn, "parcel") == 0


def test_strict_refuses_the_bowtie_and_writes_nothing(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    park.firm(conn, "淮北华强机械有限公司")
    shp, _ = _gbk_shapefile(tmp_path)
    report = import_file(conn, "parcels", shp, strict=True)
    assert report.status == "refused"
    assert [i.row for i in report.errors] == [2]
    assert _count(conn, "parcel") == 0


def test_shapefile_without_prj_is_guessed_from_the_zone_prefix(
    conn: Connection, tmp_path: Path
) -> None:
    park.zone(conn)
    park.firm(conn, "淮北华强机械有限公司")
    shp, areas = _gbk_shapefile(tmp_path, keep_prj=False)
    report = import_file(conn, "parcels", shp)
    assert report.ok, report.to_text()
    assumed = [i for i in report.warnings if "4527" in i.message]
    assert assumed, report.to_text()
    got = conn.execute(text("SELECT area_m2 FROM parcel WHERE plot_no = 'LS-001'")).scalar_one()
    assert float(got) == pytest.approx(areas[0], abs=0.01)


def test_geopackage_in_4490_lands_in_4548(conn: Connection, tmp_path: Path) -> None:
    """A surveyor's GeoPackage in CGCS2000 geographic: areas match the projected source."""
    park.zone(conn)
    gpkg = tmp_path / "survey.gpkg"
    geoms = [files.rect(0, 0, 80, 120), files.rect(100, 0, 60)]
    files.write_geo(
        gpkg,
        [
            {"DKBH": "G-1", "TDYT": "1001", "TDZT": "available", "MJ": 9600.0},
            {"DKBH": "G-2", "TDYT": "1101", "TDZT": "available", "MJ": 3600.0},
        ],
        geoms,
        4490,
        layer="parcels",
        driver="GPKG",
    )
    report = import_file(conn, "parcels", gpkg)
    assert report.ok, report.to_text()
    got = conn.execute(
        text("SELECT plot_no, area_m2, ST_SRID(geom) AS srid FROM parcel ORDER BY plot_no")
    ).all()
    assert [r.plot_no for r in got] == ["G-1", "G-2"]
    assert {r.srid for r in got} == {4548}
    # 4548 -> 4490 -> 4548 round trip: the planar area survives to the centimetre
    assert float(got[0].area_m2) == pytest.approx(9600.0, abs=0.01)
    assert float(got[1].area_m2) == pytest.approx(3600.0, abs=0.01)


def test_file_in_the_wrong_place_is_refused_with_both_bboxes(
    conn: Connection, tmp_path: Path
) -> None:
    """Coordinates in the wrong zone (or swapped): refused, with the bbox found and expected."""
    park.zone(conn)
    path = tmp_path / "beijing.geojson"
    frame = files.write_geo(
        path,
        [{"DKBH": "X-1", "TDYT": "1001", "TDZT": "available"}],
        [files.rect(0, 0, 50)],
        4548,
        driver="GeoJSON",
    )
    frame.geometry = frame.geometry.translate(xoff=-2000_000)  # nowhere near Huaibei
    frame.to_file(path, engine="pyogrio", driver="GeoJSON")
    report = import_file(conn, "parcels", path, crs=4548)
    assert report.status == "refused"
    message = report.errors[0]
    assert "不在园区范围内" in message.message and message.expected and message.value
    assert _count(conn, "parcel") == 0


def test_truncated_file_is_refused_not_crashed(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    gpkg = tmp_path / "cut.gpkg"
    files.write_geo(
        gpkg,
        [{"DKBH": f"T-{i}", "TDYT": "1001", "TDZT": "available"} for i in range(50)],
        [files.rect(i * 20, 0, 10) for i in range(50)],
        4548,
        driver="GPKG",
    )
    data = gpkg.read_bytes()
    gpkg.write_bytes(data[: len(data) // 3])
    report = import_file(conn, "parcels", gpkg)
    assert report.status == "refused"
    assert report.errors[0].field in {"file", "geometry"}, report.to_text()
    geojson = tmp_path / "cut.geojson"
    files.write_geo(
        geojson,
        [{"DKBH": "T-1", "TDYT": "1001", "TDZT": "available"}],
        [files.rect(0, 0, 10)],
        4490,
        driver="GeoJSON",
    )
    geojson.write_bytes(geojson.read_bytes()[:-40])
    report = import_file(conn, "parcels", geojson)
    assert report.status == "refused" and report.errors[0].field == "file"
    assert _count(conn, "parcel") == 0


def test_file_whose_extension_lies_is_read_by_content(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    real = tmp_path / "real.geojson"
    files.write_geo(
        real,
        [{"DKBH": "E-1", "TDYT": "1001", "TDZT": "available"}],
        [files.rect(0, 0, 30)],
        4490,
        driver="GeoJSON",
    )
    liar = tmp_path / "宗地.shp"
    liar.write_bytes(real.read_bytes())
    report = import_file(conn, "parcels", liar)
    assert report.ok, report.to_text()
    assert report.format == "geojson"
    assert any("扩展名" in i.message for i in report.warnings)
    assert _count(conn, "parcel") == 1


def test_zipped_shapefile(conn: Connection, tmp_path: Path) -> None:
    import zipfile

    park.zone(conn)
    park.firm(conn, "淮北华强机械有限公司")
    _shp, _ = _gbk_shapefile(tmp_path)
    archive = tmp_path / "宗地.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("宗地.*"):
            if part.suffix != ".zip":
                zf.write(part, "data/" + part.name)
    report = import_file(conn, "parcels", archive)
    assert report.ok, report.to_text()
    assert report.encoding == "gb18030"
    assert _count(conn, "parcel") == 3


def test_dry_run_reports_and_writes_nothing(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    park.firm(conn, "淮北华强机械有限公司")
    shp, _ = _gbk_shapefile(tmp_path)
    before = _count(conn, "history")
    report = import_file(conn, "parcels", shp, dry_run=True)
    assert report.ok and report.status == "dry_run" and report.rows_written == 3
    assert _count(conn, "parcel") == 0
    assert _count(conn, "history") == before
    assert _count(conn, "import_run") == 0


def test_upsert_updates_by_plot_no_and_keeps_history(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    park.firm(conn, "淮北华强机械有限公司")
    shp, _ = _gbk_shapefile(tmp_path)
    assert import_file(conn, "parcels", shp).ok
    again = import_file(conn, "parcels", shp)
    assert again.status == "refused"
    assert {i.row for i in again.errors} == {1, 2, 3}
    assert "upsert" in again.errors[0].message
    csv = tmp_path / "update.csv"
    csv.write_text("地块编号,挂牌价,面积（亩）\nLS-001,150000,15\n", encoding="gbk")
    report = import_file(conn, "parcels", csv, mode="upsert")
    assert report.ok, report.to_text()
    assert report.rows_updated == 1 and report.rows_written == 1
    row = conn.execute(
        text(
            "SELECT list_price_yuan_per_mu, registered_area_m2, land_use_code, "
            "version FROM parcel WHERE plot_no = 'LS-001'"
        )
    ).one()
    assert float(row.list_price_yuan_per_mu) == 150000
    assert float(row.registered_area_m2) == pytest.approx(10000.0)  # 15 mu
    assert row.land_use_code == "1001" and row.version == 2  # untouched column kept
    ops = (
        conn.execute(
            text(
                "SELECT op FROM history WHERE table_name = 'parcel' "
                "AND after ->> 'plot_no' = 'LS-001' ORDER BY id"
            )
        )
        .scalars()
        .all()
    )
    assert ops == ["INSERT", "UPDATE"]


def test_replace_swaps_the_rows_of_that_source(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    park.parcel(conn, "OTHER-1", 1000, 1000)
    first = tmp_path / "roads.csv"
    first.write_text(
        "路段编号,道路名称,道路等级,建设状态,WKT\n"
        f'R-1,青龙山路,支路,在建,"{park.line((0, 0), (100, 0))}"\n'
        f'R-2,华家湖路,主干路,已建成,"{park.line((0, 50), (100, 50))}"\n',
        encoding="utf-8",
    )
    assert import_file(conn, "roads", first, source_name="道路普查").ok
    second = tmp_path / "roads2.csv"
    second.write_text(
        f'路段编号,道路等级,建设状态,WKT\nR-3,支路,断头路,"{park.line((0, 90), (60, 90))}"\n',
        encoding="utf-8",
    )
    report = import_file(conn, "roads", second, mode="replace", source_name="道路普查")
    assert report.ok, report.to_text()
    assert report.rows_deleted == 2
    codes = conn.execute(text("SELECT code FROM road_segment ORDER BY code")).scalars().all()
    assert codes == ["R-3"]
    assert _count(conn, "parcel") == 1


def test_missing_zone_is_reported_clearly(conn: Connection, tmp_path: Path) -> None:
    csv = tmp_path / "firms.csv"
    csv.write_text("企业名称,行业代码\n烈山新材料有限公司,C30\n", encoding="utf-8")
    report = import_file(conn, "firms", csv)
    assert report.status == "refused"
    assert report.errors[0].field == "zone_code" and report.errors[0].value == "340604"
    assert "zones" in report.errors[0].message


def test_bad_options_are_reported_not_crashed(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    park.firm(conn, "淮北华强机械有限公司")
    shp, _ = _gbk_shapefile(tmp_path)
    assert import_file(conn, "parcels", shp, crs="EPSG:999999").errors[0].field == "crs"
    csv = tmp_path / "a.csv"
    csv.write_text("企业名称\n甲\n", encoding="utf-8")
    assert import_file(conn, "firms", csv, encoding="no-such-codec").status == "refused"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert import_file(conn, "firms", empty).status == "refused"
    assert _count(conn, "parcel") == 0 and _count(conn, "firm") == 1


def test_cpg_claiming_utf8_over_gbk_records_is_read_as_gbk_with_a_warning(
    conn: Connection, tmp_path: Path
) -> None:
    park.zone(conn)
    park.firm(conn, "淮北华强机械有限公司")
    shp, _ = _gbk_shapefile(tmp_path)
    shp.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")

    report = import_file(conn, "parcels", shp)

    assert report.ok, report.to_text()
    assert report.encoding == "gb18030"
    warning = next(i for i in report.warnings if i.field == "encoding")
    assert "--encoding" in warning.message and "GBK" in warning.message_en
    note = conn.execute(text("SELECT extra->>'备注' FROM parcel WHERE plot_no = 'LS-001'")).scalar()
    assert note == "东侧临路"
