"""CRS guessing from magnitudes (DOMAIN.md §1) and the GCJ-02 inverse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Connection, text

from parkgis.ingest import import_file
from parkgis.ingest.crs import gcj02_to_wgs84, guess_crs, wgs84_to_gcj02
from tests import park


@pytest.mark.parametrize(
    ("bounds", "epsg"),
    [
        ((116.75, 33.85, 116.9, 33.95), 4490),
        ((39_480_000, 3_727_000, 39_499_000, 3_760_000), 4527),
        ((480_000, 3_727_000, 499_000, 3_760_000), 4548),
        ((20_700_000, 3_727_000, 20_720_000, 3_760_000), 4498),
        ((33.85, 116.75, 33.95, 116.9), None),  # lat/lon swapped: refuse, do not guess
        ((1.0, 2.0, 3.0, 4.0), None),
    ],
)
def test_guess_from_magnitudes(bounds: tuple[float, float, float, float], epsg: int | None) -> None:
    got, zh, en = guess_crs(bounds)
    assert got == epsg
    assert zh and en


def test_gcj02_inverse_recovers_wgs84_to_a_centimetre() -> None:
    wgs = np.array([[116.81, 33.90], [116.85, 33.80], [116.77, 33.95]])
    gcj = wgs84_to_gcj02(wgs)
    shift_m = np.hypot((gcj[:, 0] - wgs[:, 0]) * 92_500, (gcj[:, 1] - wgs[:, 1]) * 111_000)
    assert ((shift_m > 400) & (shift_m < 700)).all()  # DOMAIN.md: 518-536 m here
    back = gcj02_to_wgs84(gcj)
    assert np.abs(back - wgs).max() < 1e-7  # ~1 cm


def test_points_digitised_on_gaode_are_shifted_back(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    from pyproj import Transformer

    to_geo = Transformer.from_crs(4548, 4490, always_xy=True)
    lon, lat = to_geo.transform(park.ORIGIN_X + 100, park.ORIGIN_Y + 100)
    [[glon, glat]] = wgs84_to_gcj02(np.array([[lon, lat]]))
    csv = tmp_path / "gaode.csv"
    csv.write_text(f"名称,类型,经度,纬度\n园区大门,园区大门,{glon},{glat}\n", encoding="utf-8")
    report = import_file(conn, "pois", csv, from_gcj02=True)
    assert report.ok, report.to_text()
    x, y = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM poi")).one()
    assert x == pytest.approx(park.ORIGIN_X + 100, abs=0.05)
    assert y == pytest.approx(park.ORIGIN_Y + 100, abs=0.05)


def test_surveyors_x_is_the_northing(conn: Connection, tmp_path: Path) -> None:
    """Chinese survey tables call the northing X: the columns are swapped with a note."""
    park.zone(conn)
    csv = tmp_path / "井.csv"
    csv.write_text(
        "井编号,管线类别,地面高程,井深,X,Y\n"
        f"W1,雨水,31.2,2.5,{park.ORIGIN_Y + 10},{39_000_000 + park.ORIGIN_X + 20}\n",
        encoding="utf-8",
    )
    report = import_file(conn, "manholes", csv)
    assert report.ok, report.to_text()
    x, y = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM manhole")).one()
    assert (x, y) == pytest.approx((park.ORIGIN_X + 20, park.ORIGIN_Y + 10), abs=0.01)
    assert any("北坐标" in i.message for i in report.warnings)


def test_vectorised_shift_agrees_with_the_map_module() -> None:
    """parkgis.ingest.crs (numpy, for bulk imports) and parkgis.maps.gcj02 (scalar, for maps)."""
    from parkgis.maps import gcj02

    wgs = np.array([[116.81, 33.90], [116.85, 33.80]])
    ours = wgs84_to_gcj02(wgs)
    for (lon, lat), (glon, glat) in zip(wgs, ours, strict=True):
        assert gcj02.wgs84_to_gcj02(lon, lat) == pytest.approx((glon, glat), abs=1e-9)
