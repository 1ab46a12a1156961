"""What the map viewers read from the database: extents, boundaries, small layers, labels.

Every query goes through the layer catalogue: the columns a role may see and the rows
(``Layer.rows_for``) are part of the SQL; identifiers come only from the catalogue or
the whitelists below and are quoted; user values are bound parameters.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from parkgis.catalogue import Layer, get_layer
from parkgis.config import get_settings
from parkgis.errors import ValidationError
from parkgis.labels import codes
from parkgis.labels.format import Lang

#: Without any data, the viewers open on Lieshan District (lat, lng).
LIESHAN_CENTRE = (33.90, 116.81)


def quote_ident(name: str) -> str:
    """Quote a PostgreSQL identifier, schema-qualified names part by part."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def code_labels(conn: Connection, layer_id: str, field: str, lang: Lang = "zh") -> dict[str, str]:
    """Value -> label for a coded field (its code list, else its value aliases)."""
    f = get_layer(layer_id).field(field)
    if f.code_list:
        return codes.labels(conn, f.code_list, lang)
    labels: dict[str, str] = {}
    for alias, code in f.value_aliases.items():
        labels.setdefault(code, alias)
    return labels


def fire_class_ranks(conn: Connection) -> dict[str, int]:
    """Production fire-hazard class -> rank (1 = 甲, most hazardous), GB 50016-2014 §3.1.1."""
    ranks = codes.code_list(conn, "fire_hazard_class").column("hazard_rank")
    return {code: int(rank) for code, rank in ranks.items()}


def flagged_codes(conn: Connection, layer_id: str, field: str, flag: str) -> list[str]:
    """Codes of a coded field whose code-list row has the boolean ``flag`` set, sorted.

    ``flag`` comes from the catalogue (``only_flag`` of a ``[[viewers]]`` entry), never
    from a request; e.g. ``("parcels", "status", "is_public")`` gives the land on offer.
    """
    code_list = get_layer(layer_id).field(field).code_list
    if not code_list:
        msg = f"layers/{layer_id}.toml: field {field} has no code_list to read {flag} from"
        raise ValueError(msg)
    return sorted(codes.code_list(conn, code_list).where(flag))


def _row_predicate(layer: Layer, role: str) -> str:
    predicate = layer.rows_for(role)
    return f"({predicate})" if predicate else "TRUE"


def layers_bounds(conn: Connection, layer_ids: list[str], role: str) -> list[list[float]] | None:
    """[[south, west], [north, east]] in WGS84 of the rows ``role`` sees in all ``layer_ids``.

    One query for all the layers (None when they hold no geometry).
    """
    parts = []
    for layer_id in layer_ids:
        layer = get_layer(layer_id)
        layer.check_role(role)
        parts.append(
            f"SELECT ST_Extent(geom)::geometry AS b FROM {quote_ident(layer.table)} "
            f"WHERE {_row_predicate(layer, role)}"
        )
    if not parts:
        return None
    sql = (
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ("
        "SELECT ST_Transform(ST_SetSRID(ST_Extent(b), :srid), 4326) AS b FROM ("
        + " UNION ALL ".join(parts)
        + ") u) e"
    )
    row = conn.execute(text(sql), {"srid": get_settings().srid}).first()
    if row is None or row[0] is None:
        return None
    west, south, east, north = (float(v) for v in row)
    return [[south, west], [north, east]]


def park_boundary(conn: Connection, simplify_m: float = 2.0) -> dict[str, Any]:
    """The district and park boundaries (zone table) as a CRS84 FeatureCollection."""
    rows = conn.execute(
        text(
            "SELECT code, kind, name_zh, name_en, ST_AsGeoJSON(ST_Transform("
            "ST_SimplifyPreserveTopology(geom, :tol), 4326), 6) FROM zone ORDER BY code"
        ),
        {"tol": simplify_m},
    ).all()
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "kind": kind, "name_zh": zh, "name_en": en},
            "geometry": json.loads(geom),
        }
        for code, kind, zh, en, geom in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def layer_geojson(
    conn: Connection,
    layer_id: str,
    role: str = "public",
    where: dict[str, Any] | None = None,
    limit: int = 5000,
) -> dict[str, Any]:
    """A small layer as CRS84 GeoJSON with only the fields ``role`` sees (for notebooks).

    ``where`` holds equality filters on visible fields (``{"status": "available"}``);
    its keys are checked against the catalogue, its values are bound parameters.
    """
    layer = get_layer(layer_id)
    layer.check_role(role)
    if not layer.has_geometry:
        raise ValidationError(
            message=f"图层 {layer.title_zh} 没有几何图形，无法制图",
            message_en=f"layer {layer_id} has no geometry to map",
            field="layer",
            found=layer_id,
        )
    visible = {f.name: f for f in layer.visible_fields(role)}
    clauses = [_row_predicate(layer, role)]
    params: dict[str, Any] = {"limit": int(limit)}
    for i, (name, value) in enumerate((where or {}).items()):
        if name not in visible:
            raise ValidationError(
                message=f"图层 {layer.title_zh} 没有可筛选的字段 {name}",
                message_en=f"layer {layer_id} has no field {name!r} visible to role {role}",
                field="where",
                expected=sorted(visible),
                found=name,
            )
        clauses.append(f"{quote_ident(name)} = :w{i}")
        params[f"w{i}"] = value
    columns = ", ".join(quote_ident(n) for n in visible)
    id_col = quote_ident(layer.id_column)
    order = f" ORDER BY {id_col}"
    sql = (
        f"SELECT {id_col} AS __id, ST_AsGeoJSON(ST_Transform(geom, 4326), 7) AS __geom"
        f"{', ' + columns if columns else ''} FROM {quote_ident(layer.table)} "
        f"WHERE geom IS NOT NULL AND {' AND '.join(clauses)}{order} LIMIT :limit"
    )
    features = []
    for row in conn.execute(text(sql), params).mappings():
        props = {k: _jsonable(v) for k, v in row.items() if not k.startswith("__")}
        features.append(
            {
                "type": "Feature",
                "id": _jsonable(row["__id"]),
                "properties": props,
                "geometry": json.loads(row["__geom"]),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    try:
        return float(value)  # Decimal
    except (TypeError, ValueError):
        return str(value)  # dates


def find_parcels(conn: Connection, query: str, role: str, limit: int = 10) -> list[dict[str, Any]]:
    """Parcels whose plot number (or parcel code, when visible) contains ``query``, with bbox."""
    layer = get_layer("parcels")
    layer.check_role(role)
    query = query.strip()
    if not query:
        raise ValidationError(
            message="请输入地块编号",
            message_en="enter a plot number to search",
            field="q",
            found=query,
        )
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    visible = {f.name for f in layer.visible_fields(role)}
    matches = ["plot_no ILIKE :p"]
    if "parcel_code" in visible:
        matches.append("parcel_code ILIKE :p")
    name_col = "name" if "name" in visible else "NULL"
    sql = (
        f"SELECT id, plot_no, {name_col} AS name, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) "
        "FROM (SELECT id, plot_no, name, ST_Transform(geom, 4326) AS b FROM parcel "
        f"WHERE ({' OR '.join(matches)}) AND {_row_predicate(layer, role)} "
        "ORDER BY plot_no LIMIT :limit) s"
    )
    rows = conn.execute(text(sql), {"p": pattern, "limit": int(limit)}).all()
    return [
        {
            "id": int(r[0]),
            "plot_no": r[1],
            "name": r[2],
            "bbox": [float(r[3]), float(r[4]), float(r[5]), float(r[6])],
        }
        for r in rows
    ]


def parcels_by_id(conn: Connection, ids: list[int], role: str) -> dict[str, Any]:
    """Parcels ``ids`` that ``role`` sees, as CRS84 GeoJSON with plot number and status."""
    layer = get_layer("parcels")
    layer.check_role(role)
    rows = conn.execute(
        text(
            "SELECT id, plot_no, status, ST_AsGeoJSON(ST_Transform(geom, 4326), 7) FROM parcel "
            f"WHERE id = ANY(:ids) AND {_row_predicate(layer, role)} ORDER BY plot_no"
        ),
        {"ids": list(ids)},
    ).all()
    features = [
        {
            "type": "Feature",
            "id": int(pid),
            "properties": {"plot_no": plot_no, "status": status},
            "geometry": json.loads(geom),
        }
        for pid, plot_no, status, geom in rows
    ]
    return {"type": "FeatureCollection", "features": features}
