"""Spreadsheets and CSVs of attribute tables: firms, indicators, inspections, defects, pipes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Connection, text

from parkgis.codes import USCC_CHARSET, uscc_check_char
from parkgis.ingest import import_file
from tests import park
from tests.ingest import files


def _uscc(body: str) -> str:
    return body + uscc_check_char(body)


GOOD = _uscc("91340604MA2N0K1X3")
GOOD2 = _uscc("91340600MA2R8Q4B1")
BAD = GOOD[:-1] + next(c for c in USCC_CHARSET if c != GOOD[-1])


def test_csv_of_firms_with_a_bad_credit_code(conn: Connection, tmp_path: Path) -> None:
    """GBK CSV: the bad check character is a warning with its row; the firm is flagged."""
    park.zone(conn)
    csv = tmp_path / "企业名录.csv"
    csv.write_text(
        "企业名称,统一社会信用代码,行业代码,经营状态,规上,注册资本（万元）,联系人\n"
        f"淮北华强机械有限公司,{GOOD},C34,正常经营,是,500,张三\n"
        f"烈山陶铝新材料有限公司,{BAD},C30,半停产,否,1200,李四\n"
        f"相山纺织有限公司,{GOOD2.lower()},C17,停产,否,,王五\n",
        encoding="gbk",
    )
    report = import_file(conn, "firms", csv)
    assert report.ok, report.to_text()
    assert report.encoding == "gb18030"
    [warning] = [i for i in report.warnings if i.field == "uscc"]
    assert warning.row == 3 and warning.value == BAD
    rows = (
        conn.execute(
            text(
                "SELECT name, uscc, uscc_check_ok, status, above_scale, registered_capital_yuan, "
                "extra FROM firm ORDER BY name"
            )
        )
        .mappings()
        .all()
    )
    by_name = {r["name"]: r for r in rows}
    assert by_name["烈山陶铝新材料有限公司"]["uscc_check_ok"] is False
    assert by_name["淮北华强机械有限公司"]["uscc_check_ok"] is True
    assert by_name["相山纺织有限公司"]["uscc"] == GOOD2  # upper-cased
    assert by_name["烈山陶铝新材料有限公司"]["status"] == "half_stopped"
    assert float(by_name["烈山陶铝新材料有限公司"]["registered_capital_yuan"]) == 12_000_000
    assert by_name["淮北华强机械有限公司"]["extra"]["联系人"] == "张三"


def test_duplicate_codes_in_the_file_are_refused(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    csv = tmp_path / "firms.csv"
    csv.write_text(f"名称,信用代码\n甲公司,{GOOD}\n乙公司,{GOOD}\n", encoding="utf-8")
    report = import_file(conn, "firms", csv)
    assert report.status == "refused"
    assert [(i.row, i.field) for i in report.errors] == [(3, "uscc")]
    assert "第 2 行" in report.errors[0].message


def test_firm_indicators_xlsx_finds_firms_by_code_or_name(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    a = park.firm(conn, "淮北华强机械有限公司", uscc=GOOD)
    b = park.firm(conn, "相山纺织有限公司")
    book = tmp_path / "指标.xlsx"
    files.write_xlsx(
        book,
        [
            "统一社会信用代码",
            "企业名称",
            "年度",
            "营业收入（万元）",
            "实缴税金(万元)",
            "用电量",
            "失信被执行人",
            "说明",
        ],
        [
            [GOOD, "淮北华强机械有限公司", 2024, 3200.5, 150, 1200000, "否", "=1+1"],
            [None, "相山纺织有限公司", 2024, 800, 0, 50, "是", None],
        ],
        title="2024年度企业亩均效益评价数据",
    )
    report = import_file(conn, "firm_indicators", book)
    assert report.ok, report.to_text()
    rows = conn.execute(
        text(
            "SELECT firm_id, revenue_yuan, tax_paid_yuan, defaulting_debtor "
            "FROM firm_indicator ORDER BY firm_id"
        )
    ).all()
    assert [(r.firm_id, float(r.revenue_yuan)) for r in rows] == [
        (a, 32_005_000.0),
        (b, 8_000_000.0),
    ]
    assert rows[1].defaulting_debtor is True


def _pipes(conn: Connection) -> None:
    park.zone(conn)
    for i, code in enumerate(["W1", "W2", "W3"]):
        park.insert(
            conn,
            "manhole",
            {
                "zone_code": "340604",
                "code": code,
                "system": "sewage",
                "ground_level_m": 30,
                "invert_depth_m": 3,
                "geom": park.point(i * 50, 0),
            },
        )


def test_pipes_naming_an_unknown_manhole_are_refused(conn: Connection, tmp_path: Path) -> None:
    _pipes(conn)
    csv = tmp_path / "管线.csv"
    csv.write_text(
        "管段编号,起点井号,终点井号,管径,管材,起点管底高程,终点管底高程,管线类别,WKT\n"
        f'P1,W1,W2,400,钢筋混凝土管,27,26.9,污水,"{park.line((0, 0), (50, 0))}"\n'
        f'P2,W2,W9,400,HDPE,26.9,26.8,污水,"{park.line((50, 0), (100, 0))}"\n',
        encoding="utf-8",
    )
    report = import_file(conn, "pipes", csv)
    assert report.status == "refused"
    [error] = report.errors
    assert (error.row, error.field, error.value) == (3, "终点井号", "W9")
    assert conn.execute(text("SELECT count(*) FROM pipe_segment")).scalar() == 0


def _segments(conn: Connection) -> dict[str, int]:
    _pipes(conn)
    ids = {}
    for code, a, b in (("P1", "W1", "W2"), ("P2", "W2", "W3")):
        ids[code] = park.insert(
            conn,
            "pipe_segment",
            {
                "zone_code": "340604",
                "code": code,
                "system": "sewage",
                "from_manhole_id": conn.execute(
                    text("SELECT id FROM manhole WHERE code=:c"), {"c": a}
                ).scalar(),
                "to_manhole_id": conn.execute(
                    text("SELECT id FROM manhole WHERE code=:c"), {"c": b}
                ).scalar(),
                "diameter_mm": 400,
                "material": "rc",
                "up_invert_level_m": 27,
                "down_invert_level_m": 26.9,
                "geom": park.line((0, 0), (50, 0)),
            },
        )
    return ids


def test_inspection_xlsx_with_unknown_segments(conn: Connection, tmp_path: Path) -> None:
    """A CCTV contractor's log: unknown segment codes are refused row by row, nothing lands."""
    _segments(conn)
    book = tmp_path / "检测记录.xlsx"
    header = ["管段编号", "检测日期", "检测方向", "检测单位", "视频文件"]
    files.write_xlsx(
        book,
        header,
        [
            ["P1", dt.datetime(2025, 5, 12), "顺流", "安徽管检公司", "P1.mp4"],
            ["P7", dt.datetime(2025, 5, 12), "逆流", "安徽管检公司", "P7.mp4"],
            ["P2", "2025/05/13", "顺流", "安徽管检公司", '=HYPERLINK("x")'],
            ["P8", dt.datetime(2025, 5, 13), "顺流", "安徽管检公司", None],
        ],
    )
    report = import_file(conn, "inspections", book)
    assert report.status == "refused"
    assert [(i.row, i.value) for i in report.errors] == [(3, "P7"), (5, "P8")]
    assert conn.execute(text("SELECT count(*) FROM inspection")).scalar() == 0

    files.write_xlsx(
        book,
        header,
        [
            ["P1", dt.datetime(2025, 5, 12), "顺流", "安徽管检公司", "P1.mp4"],
            ["P2", "2025/05/13", "逆流", "安徽管检公司", None],
        ],
    )
    report = import_file(conn, "inspections", book)
    assert report.ok, report.to_text()
    got = conn.execute(
        text(
            "SELECT s.code, i.inspected_on, i.direction FROM inspection i "
            "JOIN pipe_segment s ON s.id = i.pipe_segment_id ORDER BY 1"
        )
    ).all()
    assert [(r.code, r.inspected_on, r.direction) for r in got] == [
        ("P1", dt.date(2025, 5, 12), "downstream"),
        ("P2", dt.date(2025, 5, 13), "upstream"),
    ]

    defects = tmp_path / "缺陷.xlsx"
    files.write_xlsx(
        defects,
        ["管段编号", "缺陷名称", "缺陷等级", "纵向距离", "备注"],
        [
            ["P1", "破裂", "3级", 12.5, "环向裂缝"],
            ["P1", "树根", "二级", 20, None],
            ["P2", "XX", 1, 3, None],
        ],
    )
    report = import_file(conn, "defects", defects, mapping_file=None)
    # 缺陷名称 is not a known column: it goes to extra and the required code is missing
    assert report.status == "refused"
    assert any(i.field == "code" for i in report.errors)
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\n"缺陷名称" = "code"\n', encoding="utf-8")
    report = import_file(conn, "defects", defects, mapping_file=mapping)
    assert report.status == "refused"
    assert [(i.row, i.field) for i in report.errors] == [(4, "code,grade")], report.to_text()
    assert report.errors[0].value == ["XX", 1]

    files.write_xlsx(
        defects,
        ["管段编号", "缺陷名称", "缺陷等级", "纵向距离", "备注"],
        [
            ["P1", "破裂", "3级", 12.5, "环向裂缝"],
            ["P1", "树根", "二级", 20, None],
        ],
    )
    report = import_file(conn, "defects", defects, mapping_file=mapping)
    assert report.ok, report.to_text()
    got = conn.execute(
        text(
            "SELECT s.code AS seg, d.code, d.grade, d.distance_m FROM defect d "
            "JOIN inspection i ON i.id = d.inspection_id JOIN pipe_segment s "
            "ON s.id = i.pipe_segment_id ORDER BY d.distance_m"
        )
    ).all()
    assert [(r.seg, r.code, r.grade) for r in got] == [("P1", "PL", 3), ("P1", "SG", 2)]


def test_area_in_mu_per_catalogue_alias(conn: Connection, tmp_path: Path) -> None:
    """The catalogue says column 亩数 holds mu: converted to m2 (1 mu = 10000/15 m2)."""
    park.zone(conn)
    csv = tmp_path / "地块.csv"
    csv.write_text(
        f'地块编号,用途,状态,亩数,WKT\nM-1,工业用地,净地,30,"{park.square(0, 0, 100)}"\n',
        encoding="utf-8",
    )
    report = import_file(conn, "parcels", csv, encoding="utf-8")
    assert report.ok, report.to_text()
    area = conn.execute(text("SELECT registered_area_m2 FROM parcel")).scalar_one()
    assert float(area) == 20000.0
    assert any("亩" in i.message and "m²" in i.message for i in report.issues)
