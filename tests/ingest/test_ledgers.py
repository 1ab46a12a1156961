"""Excel 台账 as offices make them: titles, merged two-row headers, totals and signatures."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Connection, text

from parkgis.ingest.run import import_file
from tests import park
from tests.ingest import files

LEDGER = [
    {"plot_no": "JK-001-01", "ratio_min": 1.0, "ratio_max": 2.0, "price_wan": 12, "mu": 15},
    {"plot_no": "JK-001-02", "ratio_min": 1.2, "ratio_max": 2.5, "price_wan": 13.5, "mu": 22.5},
    {"plot_no": "JK-001-03", "ratio_min": 1.0, "ratio_max": 3.0, "price_wan": 11, "mu": 30},
]


def test_ledger_with_titles_merged_header_totals_and_signatures(
    conn: Connection, tmp_path: Path
) -> None:
    for i, row in enumerate(LEDGER):
        park.parcel(conn, row["plot_no"], i * 200, 0, 100)
    path = tmp_path / "工业用地台账.xlsx"
    files.write_office_ledger(path, LEDGER)

    report = import_file(conn, "parcels", path, mode="upsert")

    assert report.ok, report.to_text()
    assert report.rows_read == 3 and report.rows_updated == 3
    rows = conn.execute(
        text(
            "SELECT plot_no, plot_ratio_min, plot_ratio_max, list_price_yuan_per_mu, "
            "registered_area_m2 FROM parcel ORDER BY plot_no"
        )
    ).all()
    assert [float(r.plot_ratio_max) for r in rows] == [2.0, 2.5, 3.0]
    assert [float(r.plot_ratio_min) for r in rows] == [1.0, 1.2, 1.0]
    assert [float(r.list_price_yuan_per_mu) for r in rows] == [120_000, 135_000, 110_000]
    assert float(rows[0].registered_area_m2) == 10_000  # 15 亩
    skipped = {i.row: i.message for i in report.issues if i.action == "跳过 skipped"}
    assert set(skipped) == {5, 8, 10}  # blank separator, 合计, the signature block
    assert "合计" in skipped[8] and "签名" in skipped[10]
    assert not report.extra_columns  # 序号 is the ledger's row number, not data
    text_ = report.to_text()
    assert "宗地" in text_ and "容积率下限" in text_ and "标题行" in text_


def test_errors_name_the_spreadsheet_row(conn: Connection, tmp_path: Path) -> None:
    for i, row in enumerate(LEDGER):
        park.parcel(conn, row["plot_no"], i * 200, 0, 100)
    bad = [dict(LEDGER[0]), dict(LEDGER[1], ratio_max="两点五"), dict(LEDGER[2], mu="三十")]
    path = tmp_path / "台账.xlsx"
    files.write_office_ledger(path, bad)

    report = import_file(conn, "parcels", path, mode="upsert")

    assert not report.ok
    # every problem in one pass, each on its own spreadsheet row (after the blank row 5)
    assert {(i.row, i.field) for i in report.errors} == {(6, "容积率上限"), (7, "面积（亩）")}


def test_a_declared_huge_sheet_is_read_by_its_real_rows(conn: Connection, tmp_path: Path) -> None:
    """A sheet claiming A1:XFD1048576 is not padded to 16 384 columns."""
    park.zone(conn)
    book = Workbook()
    book.active.append(["名称", "类别"])
    book.active.append(["烈山站", "rail"])
    path = tmp_path / "huge.xlsx"
    book.save(path)
    import zipfile

    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:XFD1048576"/>'
                )
            dst.writestr(item, data)

    report = import_file(conn, "pois", patched, dry_run=True)

    assert report.rows_read == 1
