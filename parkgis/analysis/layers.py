"""Layers in and out as (Geo)DataFrames, the analyst's connection and chart fonts."""

from __future__ import annotations

import datetime as dt
import getpass
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, Engine, text
from sqlalchemy.pool import NullPool

from parkgis.catalogue import Layer, get_layer
from parkgis.config import get_settings

if TYPE_CHECKING:
    import geopandas as gpd

    from parkgis.ingest.report import ImportReport

#: Fonts with CJK glyphs tried in order by :func:`use_chinese_font` (Debian: fonts-noto-cjk).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)


def connect(url: str | None = None, actor: str | None = None) -> Connection:
    """An analyst's connection to ``url``, PARKGIS_DATABASE_URL or the private cluster.

    The connection owns its engine (no pool: closing it closes the session). Autocommit
    is off: every statement runs in a transaction that is kept open until
    ``conn.commit()`` or ``conn.rollback()`` (after an SQL error, call
    ``conn.rollback()`` before the next query). The acting user written into the history
    is ``notebook:<login>`` unless ``actor`` is given.

    >>> conn = parkgis.connect()                                  # doctest: +SKIP
    >>> parkgis.read_layer(conn, "parcels").shape                 # doctest: +SKIP
    >>> conn.close()                                              # doctest: +SKIP
    """
    from parkgis import db, localdb

    settings = get_settings()
    if url is None and not settings.database_url:
        localdb.up(settings)
    engine = db.make_engine(url or db.database_url(settings), poolclass=NullPool)
    conn = engine.connect()
    # Session-wide (is_local false) so it outlives each transaction; committed at once,
    # because a session setting made in a rolled-back transaction is undone.
    conn.execute(
        text("SELECT set_config('parkgis.actor', :a, false)"),
        {"a": actor or f"notebook:{getpass.getuser()}"},
    )
    conn.commit()
    return conn


def reference_date(conn: Connection) -> dt.date:
    """The analysis date: the demo park's fixed day when the demo is loaded, else today."""
    from parkgis.demo import DEMO_TODAY, is_demo_loaded

    return DEMO_TODAY if is_demo_loaded(conn) else dt.date.today()


def use_chinese_font() -> str | None:
    """Make matplotlib draw Chinese labels with the first CJK font found (None if none)."""
    import matplotlib as mpl
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in available:
            mpl.rcParams["font.family"] = "sans-serif"
            mpl.rcParams["font.sans-serif"] = [name, *mpl.rcParams["font.sans-serif"]]
            # The CJK fonts lack U+2212 (minus sign): use the ASCII hyphen-minus.
            mpl.rcParams["axes.unicode_minus"] = False
            return name
    return None


def _where_sql(layer: Layer, role: str, where: Mapping[str, Any] | str | None, w: Any) -> None:
    from parkgis.serving.layers import column
    from parkgis.serving.params import visible_field

    if where is None:
        return
    if isinstance(where, str):
        # Trusted analyst input on the analyst's own connection and database rights.
        w.clauses.append(where)
        return
    for name, value in where.items():
        f = visible_field(layer, role, name, "where")
        col = column(f)
        if value is None:
            w.clauses.append(f"{col} IS NULL")
        elif f.type.endswith("[]"):
            w.clauses.append(f"{w.param(value)} = ANY({col})")
        elif isinstance(value, (list, tuple, set, frozenset)):
            w.clauses.append(f"{col} = ANY({w.param(list(value))})")
        else:
            w.clauses.append(f"{col} = {w.param(value)}")


def _epsg(crs: Any) -> int:
    from pyproj import CRS

    code = CRS.from_user_input(crs).to_epsg()
    if code is None:
        from parkgis.errors import ValidationError

        raise ValidationError(
            message=f"坐标系 {crs} 没有 EPSG 代码",
            message_en=f"CRS {crs!r} has no EPSG code",
            field="crs",
            found=str(crs),
            expected="EPSG code, e.g. 4326, 4490, 3857, 4548",
        )
    return int(code)


def read_layer(
    conn: Connection,
    name: str,
    where: Mapping[str, Any] | str | None = None,
    crs: Any = None,
    role: str = "land_bureau",
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Layer ``name`` as ``role`` sees it: a GeoDataFrame (or a DataFrame without geometry).

    Columns are the catalogue's ``visible_fields(role)`` (and ``geometry``), rows those of
    ``rows_for(role)`` and ``where``: a dict ``{field: value}`` (values bound; a list means
    any of them; fields must be visible to the role) or a string SQL predicate, trusted
    input run on the analyst's own connection. Geometry is in the storage CRS (EPSG:4548)
    unless ``crs`` (EPSG code or anything pyproj reads) is given; PostGIS transforms it.
    ``attrs["labels"]`` / ``attrs["labels_en"]`` map each column to its label with unit.
    """
    import geopandas as gpd

    from parkgis.serving.layers import column, quote_ident, relation, row_filter_sql
    from parkgis.serving.params import Where

    layer = get_layer(name)
    layer.check_role(role)
    fields = layer.visible_fields(role)
    w = Where([row_filter_sql(layer, role)])
    _where_sql(layer, role, where, w)
    cols = [column(f) for f in fields]
    srid = get_settings().srid
    out_srid = srid if crs is None else _epsg(crs)
    if layer.has_geometry:
        geom = "geom" if out_srid == srid else f"ST_Transform(geom, {w.param(out_srid)})"
        cols.append(f"{geom} AS geometry")
    order = layer.list_order or quote_ident(layer.id_column)
    sql = text(
        f"SELECT {', '.join(cols) or 'NULL AS _'} FROM {relation(layer)} "
        f"WHERE {w.sql()} ORDER BY {order}"
    )
    dates = [f.name for f in fields if f.type in ("date", "timestamp", "datetime")]
    frame: pd.DataFrame
    if layer.has_geometry:
        frame = gpd.read_postgis(
            sql, conn, geom_col="geometry", crs=out_srid, params=w.params, parse_dates=dates
        )
    else:
        frame = pd.read_sql(sql, conn, params=w.params, parse_dates=dates)
    frame.attrs["layer"] = layer.id
    frame.attrs["title"] = layer.title_zh
    frame.attrs["title_en"] = layer.title_en
    frame.attrs["labels"] = layer.label_map("zh")
    frame.attrs["labels_en"] = layer.label_map("en")
    return frame


def _writable(layer: Layer, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the import pipeline reads it: no computed columns, dates and lists as text."""
    computed = [f.name for f in layer.fields if f.computed and f.name in frame.columns]
    out = frame.drop(columns=computed)
    for name in out.columns:
        if name == "geometry":
            continue
        values = out[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            # ISO dates as text: the pipeline parses them, and nulls stay empty (never "NaT").
            out[name] = values.dt.strftime("%Y-%m-%d").astype(object).where(values.notna(), None)
        elif values.dtype == object and values.map(lambda v: isinstance(v, list)).any():
            out[name] = values.map(lambda v: ",".join(map(str, v)) if isinstance(v, list) else v)
    return out


def write_layer(
    conn_or_url: Connection | Engine | str,
    name: str,
    gdf: pd.DataFrame,
    mode: str = "insert",
    dry_run: bool = False,
    source: str | None = None,
    actor: str | None = None,
) -> ImportReport:
    """Import ``gdf`` into layer ``name`` through the import pipeline; return its report.

    The frame is written to a temporary GeoPackage (CSV without geometry) and imported by
    :func:`parkgis.ingest.import_file` (the function behind ``parkgis import``): column
    mapping, validation, history, ``mode`` insert | upsert | replace. It runs in its
    **own transaction, committed at once** (on a new connection of the same database
    when given a Connection: commit or roll back your own pending changes first). A
    refused import writes nothing: check ``report.ok`` and ``report.to_text()``.
    """
    import pyogrio

    from parkgis import db
    from parkgis.ingest import import_file

    layer = get_layer(name)
    frame = _writable(layer, gdf)
    crs = None
    geo = getattr(frame, "crs", None) is not None or "geometry" in frame.columns
    if geo and getattr(frame, "crs", None) is not None:
        crs = frame.crs.to_epsg() or frame.crs.to_wkt()
    if isinstance(conn_or_url, Connection):
        engine, owned = conn_or_url.engine, False
    elif isinstance(conn_or_url, Engine):
        engine, owned = conn_or_url, False
    else:
        engine, owned = db.make_engine(conn_or_url, poolclass=NullPool), True
    try:
        with tempfile.TemporaryDirectory(prefix="parkgis-write-") as tmp:
            if geo:
                path = Path(tmp) / f"{layer.id}.gpkg"
                pyogrio.write_dataframe(frame, path, layer=layer.id, driver="GPKG")
            else:  # the pipeline reads attribute tables from CSV or XLSX
                path = Path(tmp) / f"{layer.id}.csv"
                frame.to_csv(path, index=False, encoding="utf-8")
            with engine.begin() as conn:
                db.set_actor(conn, actor or f"notebook:{getpass.getuser()}")
                return import_file(
                    conn,
                    layer.id,
                    path,
                    crs=crs,
                    mode=mode,
                    dry_run=dry_run,
                    source_name=source or f"write_layer:{layer.id}",
                )
    finally:
        if owned:
            engine.dispose()
