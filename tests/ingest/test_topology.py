"""Parcels tile the ground: overlaps, slivers and gaps are found before anything is written."""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import Polygon
from sqlalchemy import Connection, text

from parkgis.ingest.run import import_file
from tests import park
from tests.ingest import files


def _file(tmp_path: Path, parcels: list[tuple[str, Polygon]]) -> Path:
    path = tmp_path / "宗地.gpkg"
    rows = [
        {"地块编号": plot, "土地用途": "二类工业用地", "土地状态": "净地", "行政区代码": "340604"}
        for plot, _ in parcels
    ]
    files.write_geo(path, rows, [g for _, g in parcels], 4548)
    return path


def _block(gap: float = 0.0) -> list[tuple[str, Polygon]]:
    """A block of four parcels: two long ones above and below, two between them that meet
    in the middle, or leave ``gap`` metres open there (a hole enclosed by all four)."""
    half = 50 - gap / 2
    return [
        ("B-01", files.rect(0, 0, 100, 40)),
        ("B-02", files.rect(0, 60, 100, 40)),
        ("B-03", files.rect(0, 40, half, 20)),
        ("B-04", files.rect(100 - half, 40, half, 20)),
    ]


def _count(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM parcel")).scalar_one())


def test_a_clean_block_imports_without_topology_findings(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    report = import_file(conn, "parcels", _file(tmp_path, _block()))
    assert report.ok, report.to_text()
    assert not [i for i in report.issues if i.field == "geometry" and i.severity != "info"]


def test_overlaps_slivers_and_gaps_are_named_with_their_area(
    conn: Connection, tmp_path: Path
) -> None:
    park.zone(conn)
    park.parcel(conn, "HELD-01", 200, 0, 100)  # already held
    parcels = [
        *_block(gap=2.0),  # a 2 m x 20 m hole between B-03 and B-04
        ("OV-01", files.rect(190, 0, 20)),  # overlaps HELD-01 by 10 x 20 m
        ("OV-02", files.rect(0, 120, 40)),
        ("OV-03", files.rect(30, 120, 40)),  # overlaps OV-02 by 10 x 40 m
        ("SL-01", files.rect(0, 300, 100, 0.5)),  # a needle: 100 m x 0.5 m
    ]
    report = import_file(conn, "parcels", _file(tmp_path, parcels))

    assert report.ok  # warnings only
    found = [i for i in report.warnings if i.field == "geometry"]
    text_ = "\n".join(i.message for i in found)
    assert "OV-01 与已有地块 HELD-01 重叠 200.0 平方米" in text_
    assert "OV-02 与 OV-03 重叠 400.0 平方米" in text_
    assert "SL-01 是碎片多边形" in text_
    assert "B-02、B-04 之间有 100.0 平方米的缝隙" in text_ or ("B-04" in text_ and "缝隙" in text_)
    assert all(i.message_en for i in found)


def test_strict_refuses_on_topology_and_writes_nothing(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    park.parcel(conn, "HELD-01", 200, 0, 100)
    before = _count(conn)
    report = import_file(
        conn, "parcels", _file(tmp_path, [("OV-01", files.rect(190, 0, 20))]), strict=True
    )
    assert not report.ok and "重叠" in report.errors[0].message
    assert _count(conn) == before


def test_an_upsert_does_not_overlap_the_parcel_it_replaces(
    conn: Connection, tmp_path: Path
) -> None:
    park.parcel(conn, "B-01", 0, 0, 50)
    report = import_file(
        conn, "parcels", _file(tmp_path, [("B-01", files.rect(0, 0, 55))]), mode="upsert"
    )
    assert report.ok, report.to_text()
    assert not [i for i in report.warnings if "重叠" in i.message]
