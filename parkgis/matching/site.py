"""Site detail and side-by-side comparison (parcel, unit or whole building)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from parkgis.access import get_role
from parkgis.catalogue import get_layer
from parkgis.config import get_rules
from parkgis.errors import NotFoundError, ValidationError
from parkgis.matching import blockers as blk
from parkgis.matching.candidates import DETAIL_SQL
from parkgis.matching.engine import ensure_fresh
from parkgis.matching.offer import SITE_TABLES as KINDS
from parkgis.matching.scoring import hidden_criteria
from parkgis.release.returns import PUBLIC_FIELDS, parcel_returns

_LABEL_COL = {"parcel": "plot_no", "unit": "code", "building": "code"}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def parse_site_key(key: str) -> tuple[str, int]:
    """``parcel:12`` -> ('parcel', 12); ValidationError for anything else."""
    kind, _, raw = key.strip().partition(":")
    if kind not in KINDS or not raw.isdigit():
        raise ValidationError(
            message=f"场地标识 {key!r} 无效，应为 parcel:ID、unit:ID 或 building:ID",
            message_en=f"bad site key {key!r}; expected parcel:ID, unit:ID or building:ID",
            field="ids",
            expected="kind:id",
            found=key,
        )
    return kind, int(raw)


def site_detail(
    conn: Connection, kind: str, site_id: int, role: str, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Everything a visitor needs about one site, as ``role`` may see it."""
    if kind not in KINDS:
        raise ValidationError(
            message=f"场地类型 {kind!r} 无效（parcel/unit/building）",
            message_en=f"unknown site kind {kind!r}",
            field="kind",
            expected=list(KINDS),
            found=kind,
        )
    day = as_of or dt.date.today()
    layer_id, table = KINDS[kind]
    layer = get_layer(layer_id)
    fields = layer.visible_fields(role)
    ret = parcel_returns(conn, [site_id], day).get(site_id) if kind == "parcel" else None
    row = _site_row(conn, table, fields, site_id, layer.rows_for(role))
    if row is None and ret is not None and ret["expected_on"] is not None:
        # Land on its way back, hidden by the role's row filter: a parcel and its date
        # (README; the same parcels matching offers, candidates.build_sites).
        fields = [f for f in fields if f.name in PUBLIC_FIELDS]
        row = _site_row(conn, table, fields, site_id, None)
    if row is None:
        raise NotFoundError(
            message=f"没有可查看的{layer.title_zh} {site_id}",
            message_en=f"no visible {kind} {site_id}",
            field="id",
            found=site_id,
        )
    ensure_fresh(conn)
    facts_kind, facts_id = kind, site_id
    if kind == "unit":
        facts_kind = "building"
        facts_id = conn.execute(
            text("SELECT building_id FROM building_unit WHERE id = :i"), {"i": site_id}
        ).scalar_one()
    facts = dict(
        conn.execute(
            text(
                "SELECT f.*, d.* FROM (SELECT CAST(:k AS text) AS facts_kind, "
                "ARRAY[CAST(:i AS bigint)] AS facts_ids) r "
                "JOIN logic.site_facts f ON f.site_kind = r.facts_kind AND f.site_id = :i "
                f"LEFT JOIN LATERAL ({DETAIL_SQL}) d ON true"
            ),
            {"k": facts_kind, "i": facts_id},
        )
        .mappings()
        .first()
        or {}
    )
    mrules = get_rules()["matching"]
    dist = facts.get("access_road_dist_m")
    status = row["__status"]
    available = day if status == "vacant" else None
    returns: dict[str, Any] = {}
    if ret is not None:
        available = ret["expected_on"]
        returns = {k: ret[k] for k in ("government_cause", "allocated", "in_case")}
        returns["recovery_from"] = ret["recovery_from"]
    work = {**facts, **returns, "status": status, "available_from": available,
            "has_access": dist is not None}  # fmt: skip
    staff = get_role(conn, role).staff
    if staff:
        departments = {
            r.code: r.label_zh for r in conn.execute(text("SELECT code, label_zh FROM department"))
        }
        blockers = blk.site_blockers(conn, work, mrules, departments, day, role)
    else:
        blockers = blk.public_view(available, day)
    props = {f.name: _plain(row[f.name]) for f in fields}
    return {
        "kind": kind,
        "id": site_id,
        "key": f"{kind}:{site_id}",
        "label": props.get(_LABEL_COL[kind], str(site_id)),
        "title_zh": layer.title_zh,
        "properties": props,
        "labels": {f.name: f.label("zh") for f in fields},
        "labels_en": {f.name: f.label("en") for f in fields},
        "centre": row["__centre"],
        "available_from": available,
        "access": {
            "has_access": work["has_access"],
            "nearest_road": facts.get("nearest_road_code"),
            "nearest_road_status": facts.get("nearest_road_status"),
            "nearest_road_dist_m": _round(facts.get("nearest_road_dist_m")),
            "arterial_dist_m": _round(facts.get("arterial_dist_m")),
            "highway_dist_m": _round(facts.get("highway_dist_m")),
            "rail_dist_m": _round(facts.get("rail_dist_m")),
        },
        # Pipe condition only for the roles that may see pipes' repair grades.
        "drainage": None
        if "drainage" in hidden_criteria(role)
        else {
            "storm_worst_ri_grade": facts.get("storm_worst_grade"),
            "sewage_worst_ri_grade": facts.get("sewage_worst_grade"),
        },
        "blockers": blockers,
    }


def _site_row(
    conn: Connection, table: str, fields: list[Any], site_id: int, predicate: str | None
) -> Mapping[str, Any] | None:
    """The site's ``fields`` (and status, centre) if ``predicate`` (a row filter) admits it."""
    cols = "".join(f'"{f.name}", ' for f in fields)
    where = (
        f' AND "{table}".id IN (SELECT "{table}".id FROM "{table}" WHERE {predicate})'
        if predicate
        else ""
    )
    found = (
        conn.execute(
            text(
                f'SELECT {cols}"{table}".status AS "__status", '
                f'ST_AsGeoJSON(ST_Transform(ST_Centroid(geom), 4326), 6) AS "__centre" '
                f'FROM "{table}" WHERE "{table}".id = :i{where}'
            ),
            {"i": site_id},
        )
        .mappings()
        .first()
    )
    return None if found is None else dict(found)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def compare_sites(
    conn: Connection, keys: list[str], role: str, as_of: dt.date | None = None
) -> dict[str, Any]:
    """2-5 sites side by side: their details and one row per figure."""
    if not 2 <= len(keys) <= 5:
        raise ValidationError(
            message=f"对比需要 2 至 5 个场地，当前 {len(keys)} 个",
            message_en=f"compare 2 to 5 sites; found {len(keys)}",
            field="ids",
            expected="2-5",
            found=len(keys),
        )
    details = [site_detail(conn, *parse_site_key(k), role=role, as_of=as_of) for k in keys]
    names: dict[str, str] = {}
    for d in details:
        for name, label in d["labels"].items():
            names.setdefault(name, label)
    rows = [
        {"field": n, "label": lab, "values": [d["properties"].get(n) for d in details]}
        for n, lab in names.items()
    ]
    for key, label in (("has_access", "临接已建成道路"), ("highway_dist_m", "距高速出入口 (m)"),
                       ("arterial_dist_m", "距主干路 (m)")):  # fmt: skip
        rows.append({"field": key, "label": label, "values": [d["access"][key] for d in details]})
    rows.append({"field": "available_from", "label": "可入驻日期",
                 "values": [d["available_from"] for d in details]})  # fmt: skip
    rows.append({"field": "blockers", "label": "待解决事项",
                 "values": [len(d["blockers"]) for d in details]})  # fmt: skip
    return {"sites": details, "rows": rows}
