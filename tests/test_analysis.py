"""The analyst's Python API (``parkgis.analysis``, re-exported by ``parkgis``) on small parks."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from shapely import wkt
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

import parkgis
from parkgis import analysis
from parkgis.errors import PermissionDeniedError, ValidationError
from tests import park


def _three_parcels(conn: Connection) -> None:
    """A is available (public), B is idle, C is in use; B has a registered area."""
    park.parcel(conn, "A-01", 0, 0, 100)
    park.parcel(
        conn, "B-01", 200, 0, 150, status="idle", idle_since=dt.date(2024, 1, 1),
        registered_area_m2=22_400,
    )  # fmt: skip
    park.parcel(conn, "C-01", 400, 0, 60, status="in_use")


def test_read_with_a_where_dict_a_list_and_a_trusted_predicate(conn: Connection) -> None:
    """Dict values are bound (a list means any of them); a string is an SQL predicate."""
    _three_parcels(conn)
    idle = analysis.read_layer(conn, "parcels", where={"status": "idle"})
    assert isinstance(idle, gpd.GeoDataFrame)
    assert idle["plot_no"].tolist() == ["B-01"]
    assert idle["area_m2"].iloc[0] == pytest.approx(22_500)
    assert idle.attrs["labels"]["area_mu"] == "面积 (亩)"
    assert idle.attrs["labels_en"]["plot_no"] == "Plot number"
    some = analysis.read_layer(conn, "parcels", where={"status": ["idle", "in_use"]})
    assert some["plot_no"].tolist() == ["B-01", "C-01"]
    big = analysis.read_layer(conn, "parcels", where="area_mu > 10")
    assert big["plot_no"].tolist() == ["A-01", "B-01"]
    injected = analysis.read_layer(conn, "parcels", where={"plot_no": "A-01' OR '1'='1"})
    assert injected.empty


def test_read_in_another_crs(conn: Connection) -> None:
    """crs=4326 gives lon/lat (x = longitude), the same shapes as a geopandas transform."""
    _three_parcels(conn)
    stored = analysis.read_layer(conn, "parcels", where={"plot_no": "A-01"})
    assert stored.crs.to_epsg() == park.SRID
    assert stored.geometry.iloc[0].equals_exact(wkt.loads(park.square(0, 0, 100)), 1e-6)
    lonlat = analysis.read_layer(conn, "parcels", where={"plot_no": "A-01"}, crs="EPSG:4326")
    assert lonlat.crs.to_epsg() == 4326
    x, y = lonlat.geometry.iloc[0].centroid.coords[0]
    assert 116.5 < x < 117.2 and 33.6 < y < 34.2  # Lieshan, longitude first
    expected = stored.to_crs(4326).geometry.iloc[0]
    assert lonlat.geometry.iloc[0].equals_exact(expected, 1e-7)


def test_a_role_does_not_see_a_hidden_field_nor_hidden_rows(conn: Connection) -> None:
    """The public sees neither the registered area nor idle land; filtering on it is refused."""
    _three_parcels(conn)
    public = analysis.read_layer(conn, "parcels", role="public")
    assert "registered_area_m2" not in public.columns
    assert "holder_firm_id" not in public.columns
    assert public["plot_no"].tolist() == ["A-01"]
    bureau = analysis.read_layer(conn, "parcels")
    assert "registered_area_m2" in bureau.columns
    assert bureau["plot_no"].tolist() == ["A-01", "B-01", "C-01"]
    with pytest.raises(ValidationError) as err:
        analysis.read_layer(conn, "parcels", where={"registered_area_m2": 22_400}, role="public")
    assert err.value.field == "where"
    with pytest.raises(PermissionDeniedError):
        analysis.read_layer(conn, "firm_indicators", role="public")


def test_an_attribute_layer_is_a_plain_dataframe(conn: Connection) -> None:
    """Firms have no geometry: a pandas DataFrame with the labels."""
    park.firm(conn, "淮北华强机械有限公司")
    firms = analysis.read_layer(conn, "firms", where={"name": "淮北华强机械有限公司"})
    assert type(firms) is pd.DataFrame
    assert firms["industry_code"].tolist() == ["C34"]
    assert firms.attrs["labels"]["name"]


def _frame(rows: list[tuple[str, str, str, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "plot_no": [r[0] for r in rows],
            "land_use_code": [r[1] for r in rows],
            "status": [r[2] for r in rows],
        },
        geometry=[wkt.loads(park.square(r[3], 0, 80)) for r in rows],
        crs=park.SRID,
    )


def _count(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        n = int(c.execute(text("SELECT count(*) FROM parcel")).scalar_one())
    engine.dispose()
    return n


def test_write_layer_is_all_or_nothing(fresh_db: str) -> None:
    """One bad row refuses the whole frame; a good frame commits with history and actor."""
    engine = create_engine(fresh_db, poolclass=NullPool)
    with engine.begin() as c:
        park.zone(c)
    bad = _frame(
        [
            ("W-01", "100102", "available", 0),
            ("W-02", "no-such-use", "available", 100),
            ("W-03", "100101", "in_use", 200),
        ]
    )
    report = analysis.write_layer(fresh_db, "parcels", bad)
    assert report.status == "refused" and not report.ok
    assert any(i.row is not None for i in report.errors), report.to_text()
    assert _count(fresh_db) == 0

    good = bad.assign(land_use_code=["100102", "100102", "100101"])
    dry = analysis.write_layer(fresh_db, "parcels", good, dry_run=True)
    assert dry.status == "dry_run", dry.to_text()
    assert _count(fresh_db) == 0

    with engine.connect() as conn:
        done = analysis.write_layer(conn, "parcels", good, actor="analyst-test")
        assert done.status == "committed", done.to_text()
        assert done.rows_written == 3
        actors = conn.execute(
            text("SELECT DISTINCT actor FROM history WHERE table_name = 'parcel'")
        ).scalars()
        assert list(actors) == ["analyst-test"]
        back = analysis.read_layer(conn, "parcels")
        conn.rollback()
    assert back["plot_no"].tolist() == ["W-01", "W-02", "W-03"]
    assert back["area_m2"].tolist() == pytest.approx([6400] * 3)
    engine.dispose()


def test_read_modify_upsert_round_trip(fresh_db: str) -> None:
    """A frame read (null dates, lists, computed areas) goes back with upsert; firms by CSV."""
    conn = parkgis.connect(fresh_db)
    try:
        park.parcel(conn, "R-01", 0, 0, 100, permitted_industries=["C34", "C35"])
        park.parcel(conn, "R-02", 200, 0, 100, supplied_on=dt.date(2024, 5, 6))
        conn.commit()
        frame = parkgis.read_layer(conn, "parcels")
        conn.rollback()
        frame["name"] = ["一号地块", "二号地块"]
        report = parkgis.write_layer(conn, "parcels", frame, mode="upsert")
        assert report.status == "committed", report.to_text()
        assert report.rows_updated == 2
        firms = pd.DataFrame({"name": ["淮北华强机械有限公司"], "industry_code": ["C34"]})
        assert parkgis.write_layer(conn, "firms", firms).status == "committed"
        again = parkgis.read_layer(conn, "parcels")
        assert again["name"].tolist() == ["一号地块", "二号地块"]
        assert again["permitted_industries"].iloc[0] == ["C34", "C35"]
        assert again["supplied_on"].iloc[1] == pd.Timestamp("2024-05-06")
        assert parkgis.read_layer(conn, "firms")["name"].tolist() == ["淮北华强机械有限公司"]
    finally:
        conn.rollback()
        conn.close()


def test_connect_sets_the_actor_for_the_session(fresh_db: str) -> None:
    """connect() keeps autocommit off and records the analyst as the acting user."""
    conn = parkgis.connect(fresh_db, actor="analyst-x")
    try:
        park.zone(conn)
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM zone")).scalar_one() == 0
        assert conn.execute(text("SELECT logic.actor()")).scalar_one() == "analyst-x"
    finally:
        conn.close()


def test_domain_wrappers_return_dataframes(conn: Connection) -> None:
    """The idle-land clocks of a hand-made idle parcel come back as a DataFrame row."""
    park.parcel(
        conn, "I-01", 0, 0, 100, status="idle", idle_since=dt.date(2023, 1, 1),
        agreed_start_on=dt.date(2022, 1, 1), land_price_yuan=1_000_000,
    )  # fmt: skip
    idle = parkgis.idle_land(conn, as_of=dt.date(2025, 6, 1))
    assert type(idle) is pd.DataFrame
    row = idle.set_index("plot_no").loc["I-01"]
    assert bool(row["fee_due"]) and bool(row["recovery_eligible"])
    assert row["fee_yuan"] == pytest.approx(200_000)  # Art. 14: 20 % of the land price
    assert idle["idle_since"].dtype.kind == "M"


def test_import_parkgis_is_lazy() -> None:
    """`import parkgis` loads no analysis, no geopandas, no engine; names resolve on use."""
    code = (
        "import sys, parkgis\n"
        "assert 'parkgis.analysis' not in sys.modules\n"
        "assert 'geopandas' not in sys.modules and 'sqlalchemy' not in sys.modules\n"
        "import parkgis.analysis as a\n"
        "assert parkgis.read_layer is a.read_layer and parkgis.plan_repairs is a.plan_repairs\n"
        "assert parkgis.maps.layer_map\n"
        "assert set(parkgis.__all__) <= set(dir(parkgis))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError):
        _ = parkgis.no_such_name  # type: ignore[attr-defined]


def test_chinese_font_is_configured() -> None:
    """With fonts-noto-cjk installed matplotlib gets a CJK font; otherwise None."""
    import matplotlib as mpl

    saved = mpl.rcParams.copy()
    try:
        name = analysis.use_chinese_font()
        assert name is None or name in analysis.CJK_FONTS
        if name:
            assert mpl.rcParams["font.sans-serif"][0] == name
    finally:
        mpl.rcParams.update(saved)
