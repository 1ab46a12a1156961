"""CAD drawings (DXF, as South CASS 南方 CASS and AutoCAD save them) as GIS features.

Surveyors deliver parcel boundaries (宗地界址线) as closed polylines on a CAD layer and the
parcel code (宗地号/地块编号) as a text entity placed inside each boundary, or as a block
attribute there. GDAL's DXF driver reads every entity with its CAD layer (``Layer``) and,
for text and attributes, its string (``Text``); this module turns closed lines into
polygons and gives each polygon the text that stands inside it, in a column ``cad_text``
that the import maps to the layer's business key. The CAD layer is chosen with
``--source-layer``; without it, the layer holding the most closed shapes is used.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

#: Column of the text found inside each shape (mapped to the layer's business key).
TEXT_COLUMN = "cad_text"
#: Column naming the CAD layer each shape was drawn on.
LAYER_COLUMN = "cad_layer"


def read_dxf(
    path: Path, cad_layer: str | None, polygons_wanted: bool
) -> tuple[pd.DataFrame, list[tuple[str, str]], list[tuple[str, str]]]:
    """Features of the DXF (``geometry``, ``cad_layer``, ``cad_text``), notes, warnings.

    ``polygons_wanted``: the target layer holds polygons, so closed lines become polygons
    and open lines are left out (with a note naming how many).
    """
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pyogrio.read_dataframe(path)
    notes: list[tuple[str, str]] = []
    found: list[tuple[str, str]] = []
    frame = pd.DataFrame(frame)
    layers = sorted({str(v) for v in frame.get("Layer", pd.Series(dtype=str)).dropna()})
    geoms = np.asarray(frame["geometry"].to_numpy(), dtype=object)
    texts = frame["Text"].to_numpy() if "Text" in frame else np.full(len(frame), None)
    has_text = np.array([isinstance(t, str) and t.strip() != "" for t in texts])
    shapes = ~has_text & np.array([g is not None for g in geoms])
    if polygons_wanted:
        shapes &= _closed(geoms)
    if cad_layer is None:
        cad_layer = _busiest_layer(frame, shapes)
        if cad_layer is not None and len(layers) > 1:
            notes.append(
                (
                    f"未指定 CAD 图层（--source-layer），使用封闭图形最多的图层 {cad_layer}；"
                    f"文件中的图层：{', '.join(layers)}",
                    f"no CAD layer given (--source-layer): using {cad_layer}, the one with the "
                    f"most closed shapes; layers in the file: {', '.join(layers)}",
                )
            )
    elif cad_layer not in layers:
        from parkgis.errors import ValidationError

        raise ValidationError(
            message=f"DXF 文件中没有 CAD 图层 {cad_layer}",
            message_en=f"the DXF has no CAD layer {cad_layer!r}",
            field="source_layer",
            expected=layers,
            found=cad_layer,
        )
    on_layer = frame["Layer"].to_numpy() == cad_layer if cad_layer else np.ones(len(frame), bool)
    chosen = shapes & on_layer
    out_geoms = list(geoms[chosen])
    if polygons_wanted:
        out_geoms = [_as_polygon(g) for g in out_geoms]
        dropped = int((~has_text & on_layer & ~_closed(geoms)).sum())
        if dropped:
            notes.append(
                (
                    f"图层 {cad_layer} 上有 {dropped} 条不封闭的线，不是地块边界，未导入",
                    f"{dropped} open lines on layer {cad_layer} are not boundaries: not imported",
                )
            )
    labels = _texts_inside(out_geoms, geoms[has_text], texts[has_text], found)
    result = pd.DataFrame(
        {LAYER_COLUMN: [cad_layer] * len(out_geoms), TEXT_COLUMN: labels, "geometry": out_geoms}
    )
    return result, notes, found


def _closed(geoms: np.ndarray) -> np.ndarray:
    """Polygons, and lines whose ends meet (CASS closes boundaries with flag 70 = 1)."""
    out = np.zeros(len(geoms), dtype=bool)
    for i, g in enumerate(geoms):
        if g is None:
            continue
        kind = g.geom_type
        if kind in ("Polygon", "MultiPolygon"):
            out[i] = True
        elif kind == "LineString" and len(g.coords) >= 4:
            out[i] = g.is_closed
    return out


def _as_polygon(g: Any) -> Any:
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    return shapely.Polygon([(x, y) for x, y, *_ in g.coords])


def _busiest_layer(frame: pd.DataFrame, shapes: np.ndarray) -> str | None:
    if "Layer" not in frame or not shapes.any():
        return None
    counts = frame.loc[shapes, "Layer"].value_counts()
    return str(counts.index[0])


def _texts_inside(
    shapes: list[Any], points: np.ndarray, texts: np.ndarray, warnings_out: list[tuple[str, str]]
) -> list[str | None]:
    """For each shape, the text whose insertion point lies inside it (nearest its centre)."""
    labels: list[str | None] = [None] * len(shapes)
    if not shapes or not len(points):
        return labels
    anchors = shapely.get_point(np.asarray(points, dtype=object), 0)
    anchors = np.where(shapely.is_missing(anchors), points, anchors)
    tree = shapely.STRtree(np.asarray(shapes, dtype=object))
    shape_idx, point_idx = tree.query(anchors, predicate="within")
    used: set[int] = set()
    for s in range(len(shapes)):
        inside = point_idx[shape_idx == s]
        if not len(inside):
            continue
        centre = shapely.centroid(shapes[s])
        best = min(inside, key=lambda p: shapely.distance(anchors[p], centre))
        labels[s] = str(texts[best]).strip()
        used.update(int(p) for p in inside)
        if len(inside) > 1:
            others = ", ".join(str(texts[p]).strip() for p in inside if p != best)
            warnings_out.append(
                (
                    f"一个图形内有多个文字（{labels[s]}、{others}），取最靠近中心的 {labels[s]}",
                    f"several texts inside one shape ({labels[s]}, {others}): "
                    f"used {labels[s]}, the nearest its centre",
                )
            )
    return labels
