"""Data of the viewers' overlays that are not catalogue layers: an enquiry's matched sites.

A matched site is one parcel, unit or building, or a combination of adjacent parcels or
units; its outline is the union of its members. All the outlines of a match come from
one query (``site_geometries``), however many sites are shown.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from parkgis.matching.engine import match

#: Site kind of the matching engine -> kind of its members (combinations end in "s").
MEMBER_KIND = {"parcel": "parcel", "parcels": "parcel", "unit": "unit", "units": "unit",
               "building": "building"}  # fmt: skip

#: One row per (site key, member): the member's outline in CRS84, unioned per site.
_SITE_GEOMETRIES = text(
    "WITH m(key, kind, member) AS ("
    " SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:kinds AS text[]),"
    " CAST(:members AS bigint[]))) "
    "SELECT m.key, ST_AsGeoJSON(ST_Transform(ST_Union(g.geom), 4326), 7) AS geom "
    "FROM m JOIN LATERAL ("
    " SELECT p.geom FROM parcel p WHERE m.kind = 'parcel' AND p.id = m.member"
    " UNION ALL SELECT b.geom FROM building b WHERE m.kind = 'building' AND b.id = m.member"
    " UNION ALL SELECT coalesce(u.geom, b.geom) FROM building_unit u"
    "  JOIN building b ON b.id = u.building_id WHERE m.kind = 'unit' AND u.id = m.member"
    ") g ON true GROUP BY m.key"
)


def site_geometries(conn: Connection, sites: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Site key -> CRS84 GeoJSON outline (union of its members), in one query."""
    keys: list[str] = []
    kinds: list[str] = []
    members: list[int] = []
    for site in sites:
        for member in site["members"]:
            keys.append(str(site["key"]))
            kinds.append(MEMBER_KIND[site["kind"]])
            members.append(int(member))
    if not keys:
        return {}
    rows = conn.execute(_SITE_GEOMETRIES, {"keys": keys, "kinds": kinds, "members": members})
    return {str(r.key): json.loads(r.geom) for r in rows if r.geom}


def match_overlay(conn: Connection, enquiry_id: int, role: str) -> dict[str, Any]:
    """The ranked sites of a stored enquiry as a CRS84 FeatureCollection (for /map)."""
    result = match(conn, enquiry_id, role)
    groups = ((True, result.fits), (False, result.near_misses))
    geometries = site_geometries(conn, [s for _passed, group in groups for s in group])
    features = [
        {
            "type": "Feature",
            "id": s["key"],
            "geometry": geometries.get(str(s["key"])),
            "properties": {
                "rank": s["rank"],
                "score": s["score"],
                "passed": passed,
                "failed": s["failed"],
                "blocker_count": len(s["blockers"]),
                "site_kind": s["kind"],
                "site_id": s["id"],
                "label": s["label"],
                "kind_zh": s["kind_zh"],
            },
        }
        for passed, group in groups
        for s in group
    ]
    return {"type": "FeatureCollection", "features": features}
