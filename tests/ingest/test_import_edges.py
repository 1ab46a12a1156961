"""GeoPackages as analysts write them: empty dates, attribute tables without geometry."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import Connection, text

from parkgis.ingest import import_file
from tests import park


def test_empty_dates_arrive_as_null(conn: Connection, tmp_path: Path) -> None:
    park.zone(conn)
    x0, y0 = park.ORIGIN_X, park.ORIGIN_Y
    frame = gpd.GeoDataFrame(
        {
            "DKBH": ["N-1", "N-2"],
            "TDYT": ["工业用地", "工业用地"],
            "TDZT": ["净地", "净地"],
            "YDKGRQ": [pd.Timestamp("2024-01-01"), pd.NaT],
        },
        geometry=[
            shapely.box(x0, y0, x0 + 100, y0 + 100),
            shapely.box(x0 + 200, y0, x0 + 300, y0 + 100),
        ],
        crs=4548,
    )
    path = tmp_path / "dates.gpkg"
    frame.to_file(path)
    report = import_file(conn, "parcels", path)
    assert report.ok, report.to_text()
    rows = {
        r.plot_no: r.start
        for r in conn.execute(text("SELECT plot_no, agreed_start_on::text AS start FROM parcel"))
    }
    assert rows == {"N-1": "2024-01-01", "N-2": None}


def test_geopackage_without_geometry_for_an_attribute_layer(
    conn: Connection, tmp_path: Path
) -> None:
    park.zone(conn)
    path = tmp_path / "firms.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"QYMC": ["淮北甲机械有限公司"], "CLRQ": [pd.NaT]}), path)
    report = import_file(conn, "firms", path)
    assert report.ok, report.to_text()
    name = conn.execute(text("SELECT name FROM firm")).scalar_one()
    assert name == "淮北甲机械有限公司"
