"""Park roads 园区道路: CJJ 36-2016 condition grades, frontage and what completion unlocks.

A parcel *fronts* a road when its boundary lies within half the road's width plus
``[cjj36].frontage_tolerance_m`` of the road's centre line (local practice [?]; the SQL
function ``logic.road_frontage_m``, which matching's site facts use too, so both agree
on every parcel). DOMAIN.md §8: a parcel
without frontage on a complete road (``road_status.gives_access``) cannot be handed over
as ready land. Completing a road (planned, under construction or dead-end 断头路) gives
access to the parcels that front it and front no complete road yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import NotFoundError
from parkgis.rules import current as current_rules
from parkgis.rules.repairs import Cjj36

GRADES = ("A", "B", "C", "D")


def _grade(value: float | None, bounds: Sequence[float]) -> str | None:
    if value is None:
        return None
    for grade, lower in zip(GRADES, bounds, strict=False):
        if value > lower:
            return grade
    return "D"


def rqi_grade(rqi: float | None, road_class: str, rules: Cjj36 | None = None) -> str | None:
    """RQI grade A-D by road class, CJJ 36-2016 (branch: A > 3.4, B > 2.8, C > 2.2, else D).

    road_segment.rqi is 0 (not NULL) when IRI is missing: callers pass None then.
    """
    r = rules or current_rules().cjj36
    return _grade(rqi, r.rqi_a_b_c[road_class])


def pci_grade(pci: float | None, road_class: str, rules: Cjj36 | None = None) -> str | None:
    """PCI grade A-D by road class, CJJ 36-2016 (branch: A > 80, B > 65, C > 60, else D)."""
    r = rules or current_rules().cjj36
    return _grade(pci, r.pci_a_b_c[road_class])


_FRONTAGE = """
SELECT p.id AS parcel_id, r.id AS road_id, st.gives_access
  FROM parcel p
  JOIN road_segment r
    ON ST_DWithin(p.geom, r.geom, logic.road_frontage_m(r.width_m, :width, :tol))
  JOIN road_status st ON st.code = r.status
"""


def frontage_rule(rules: Cjj36 | None = None) -> dict[str, float]:
    """The frontage rule's numbers: default road width and tolerance (m), ``[cjj36]``."""
    r = rules or current_rules().cjj36
    return {"width": r.default_road_width_m, "tol": r.frontage_tolerance_m}


def frontage(conn: Connection) -> dict[int, list[tuple[int, bool]]]:
    """Parcel id -> the roads it fronts, each with whether that road gives access."""
    out: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    rows = conn.execute(text(_FRONTAGE), frontage_rule())
    for row in rows:
        out[int(row.parcel_id)].append((int(row.road_id), bool(row.gives_access)))
    return out


def roads(conn: Connection) -> list[dict[str, Any]]:
    """Every road segment with its CJJ 36 PCI and RQI grades."""
    rows = conn.execute(
        text(
            "SELECT r.id, r.code, r.name, r.road_class, r.status, r.width_m, r.length_m, "
            "r.pci, CASE WHEN r.iri IS NULL THEN NULL ELSE r.rqi END AS rqi, st.gives_access, "
            "st.label_zh AS status_zh "
            "FROM road_segment r JOIN road_status st ON st.code = r.status ORDER BY r.code"
        )
    ).mappings()
    out = []
    for row in rows:
        d: dict[str, Any] = {
            k: (float(v) if k in {"width_m", "length_m", "pci", "rqi"} and v is not None else v)
            for k, v in row.items()
        }
        d["pci_grade"] = pci_grade(d["pci"], d["road_class"])
        d["rqi_grade"] = rqi_grade(d["rqi"], d["road_class"])
        out.append(d)
    return out


def parcels_without_access(conn: Connection) -> list[dict[str, Any]]:
    """Parcels with no frontage on a complete road, and the roads whose completion would fix it."""
    front = frontage(conn)
    codes = {int(r.id): r.code for r in conn.execute(text("SELECT id, code FROM road_segment"))}
    rows = conn.execute(
        text("SELECT id, plot_no, status, area_mu FROM parcel ORDER BY plot_no")
    ).mappings()
    out = []
    for row in rows:
        fronts = front.get(int(row["id"]), [])
        if any(access for _, access in fronts):
            continue
        out.append(
            {
                "parcel_id": int(row["id"]),
                "plot_no": row["plot_no"],
                "status": row["status"],
                "area_mu": float(row["area_mu"]),
                "unlocking_roads": sorted(codes[r] for r, _ in fronts),
                "reason": "无已建成道路临接" if fronts else "未临接任何道路",
                "reason_en": "no frontage on a complete road" if fronts else "fronts no road",
            }
        )
    return out


def road_unlocks(conn: Connection, road_code: str) -> list[dict[str, Any]]:
    """Parcels that completing road ``road_code`` would give access to."""
    row = conn.execute(
        text("SELECT id FROM road_segment WHERE code = :c"), {"c": road_code}
    ).first()
    if row is None:
        raise NotFoundError(
            message=f"没有路段 {road_code}",
            message_en=f"no road segment {road_code}",
            field="road",
            found=road_code,
        )
    return [p for p in parcels_without_access(conn) if road_code in p["unlocking_roads"]]
