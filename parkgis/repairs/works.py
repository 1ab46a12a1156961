"""Candidate works with their costs, risks and the land they unlock (issue 7 §4).

Costs: ``[repair_costs]`` and ``[road_costs]`` of ``parkgis/rules/repairs.toml``.
Risk = likelihood x consequence (risk-based asset management, ISO 31000 §6.4.3; every
weight of ``[risk]`` is our own estimate [?], no standard gives them): likelihood from the
structural grade (CJJ 181-2012), the age and the material; consequence from what drains
through the segment (upstream parcels' mu and firms), the road class above and the
system (sewage over storm). RI's K and E are *not* used: the consequence measures the
same importance directly, so counting them would count it twice.
Land unlocked: available or pipeline parcels (``[land_unlock].ready_statuses``) blocked
by a downstream segment of RI grade >= ``blocking_ri_grade`` on their main path to the
outfall, or by the lack of frontage on a complete road (DOMAIN §8).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.repairs.model import Enquiry, Problem, Site, Work
from parkgis.repairs.network import Network, Segment, load_network, parcel_connections
from parkgis.repairs.roads import frontage, pci_grade, rqi_grade
from parkgis.repairs.trace import Load, upstream_loads
from parkgis.rules import current as current_rules
from parkgis.rules.repairs import CostBand, RepairCosts


def _band(diameter_mm: float, rules: RepairCosts) -> CostBand:
    for band in rules.bands:
        if diameter_mm <= band.max_mm:
            return band
    return rules.bands[-1]


def choose_method(structural_grade: int | None, density: float | None) -> str:
    """Repair method: local when S_M < 0.1, open-cut for grade IV whole-segment, else CIPP."""
    rules = current_rules()
    costs, whole = rules.repair_costs, rules.cjj181.density_whole_from
    if density is not None and density < costs.local_repair_max_density:
        return "local"
    if (structural_grade or 0) >= costs.open_cut_min_grade and (density or 0) >= whole:
        return "open_cut"
    return "cipp"


def estimate_pipe_cost(
    diameter_mm: float, length_m: float, method: str, defect_points: int = 1
) -> float:
    """Cost in yuan of repairing a segment by ``method`` (rates per diameter band)."""
    band = _band(diameter_mm, current_rules().repair_costs)
    if method == "local":
        return float(band.local_per_point) * max(1, defect_points)
    per_m = {"cipp": band.cipp_per_m, "open_cut": band.open_cut_per_m}[method]
    return float(per_m) * length_m


def segment_repair_costs(conn: Connection, segment_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Estimated repairs of many segments in one query: id -> method and cost."""
    rows = conn.execute(
        text(
            "SELECT s.id, s.code, s.diameter_mm, s.length_m, a.structural_grade, a.sm_density, "
            "(SELECT count(*) FROM defect d JOIN defect_code c ON c.code = d.code "
            " WHERE d.inspection_id = a.id AND c.kind = 'structural') AS points "
            "FROM pipe_segment s "
            # The latest inspection, as logic.pipe_assessment, but looked up per segment:
            # joining that DISTINCT ON view sorts every inspection of the park.
            "LEFT JOIN LATERAL (SELECT i.id, i.structural_grade, i.sm_density "
            " FROM inspection i WHERE i.pipe_segment_id = s.id "
            " ORDER BY i.inspected_on DESC, i.id DESC LIMIT 1) a ON true "
            "WHERE s.id = ANY(:ids)"
        ),
        {"ids": list(segment_ids)},
    ).all()
    labels = current_rules().repair_costs.methods
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        density = None if row.sm_density is None else float(row.sm_density)
        method = choose_method(row.structural_grade, density)
        cost = estimate_pipe_cost(
            row.diameter_mm, float(row.length_m), method, int(row.points or 1)
        )
        out[int(row.id)] = {
            "code": row.code,
            "method": method,
            "method_zh": labels[method],
            "cost_yuan": cost,
        }
    return out


def pipe_risk(seg: Segment, load: Load, road_class: str | None, today: date) -> tuple[float, float]:
    """(risk now, risk after repair) of a segment: likelihood x consequence."""
    r = current_rules().risk
    like = r.likelihood_by_structural_grade[str(seg.structural_grade or 1)]
    age = today.year - seg.year_built if seg.year_built else 0
    age_factor = min(r.age_factor_max, 1 + r.age_step * age / r.age_years_per_step)
    like *= age_factor * r.material_factor.get(seg.material, 1.0)
    consequence = (
        r.consequence_base
        + r.consequence_per_upstream_mu * load.area_mu
        + r.consequence_per_upstream_firm * len(load.firms)
        + r.consequence_road_class[road_class or "none"]
    ) * r.system_factor[seg.system]
    return like * consequence, r.likelihood_after_repair * consequence


def _pipe_works(
    conn: Connection, net: Network, roads: Mapping[int, Any], today: date
) -> dict[int, Work]:
    costs = current_rules().repair_costs
    labels = costs.methods
    extra = {
        int(r.pipe_segment_id): r
        for r in conn.execute(
            text(
                "SELECT a.pipe_segment_id, a.sm_density, (SELECT count(*) FROM defect d "
                "JOIN defect_code c ON c.code = d.code WHERE d.inspection_id = a.id "
                "AND c.kind = 'structural') AS points FROM logic.pipe_assessment a "
                "WHERE a.ri_grade >= :g"
            ),
            {"g": costs.min_ri_grade},
        )
    }
    loads = upstream_loads(conn, net)
    works = {}
    for sid, row in extra.items():
        seg = net.segments[sid]
        road = roads.get(seg.road_segment_id) if seg.road_segment_id else None
        density = None if row.sm_density is None else float(row.sm_density)
        method = choose_method(seg.structural_grade, density)
        cost = estimate_pipe_cost(seg.diameter_mm, seg.length_m, method, int(row.points or 1))
        street = (road["name"] or road["code"]) if road else None
        if street is None:
            cost += costs.mobilisation_yuan
        load = loads.get(sid, Load())
        before, after = pipe_risk(seg, load, road["road_class"] if road else None, today)
        works[sid] = Work(
            key=f"pipe:{seg.code}",
            kind="pipe_repair",
            code=seg.code,
            cost_yuan=round(cost, 2),
            risk_reduction=round(max(0.0, before - after), 4),
            method=method,
            street=street,
            pipe_segment_id=sid,
            detail={
                "method_zh": labels[method],
                "diameter_mm": seg.diameter_mm,
                "length_m": seg.length_m,
                "ri": seg.ri,
                "ri_grade": seg.ri_grade,
                "structural_grade": seg.structural_grade,
                "system": seg.system,
                "upstream_parcels": len(load.parcels),
                "upstream_mu": round(load.area_mu, 2),
                "upstream_firms": len(load.firms),
                "risk_before": round(before, 4),
            },
        )
    return works


def _road_works(
    roads: Mapping[int, Any],
    pipes_under: Mapping[int, list[str]],
    firms_fronting: Mapping[int, int],
) -> dict[int, Work]:
    rules = current_rules()
    rc, risk, cjj = rules.road_costs, rules.risk, rules.cjj36
    works = {}
    for rid, r in roads.items():
        area = (r["width_m"] or cjj.default_road_width_m) * r["length_m"]
        street = r["name"] or r["code"]
        if not r["gives_access"]:
            share = (
                rc.under_construction_remaining_share
                if r["status"] == "under_construction"
                else 1.0
            )
            cost = area * rc.complete_per_m2[r["road_class"]] * share
            kind, reduction = "road_complete", 0.0
        else:
            grades = [
                g
                for g in (
                    pci_grade(r["pci"], r["road_class"]),
                    rqi_grade(r["rqi"], r["road_class"]),
                )
                if g
            ]
            worst = max(grades) if grades else "A"
            if worst not in cjj.resurface_grades:
                continue
            cost = area * rc.resurface_per_m2[r["road_class"]]
            like = risk.road_likelihood_by_grade
            consequence = risk.consequence_road_class[
                r["road_class"]
            ] + risk.road_consequence_per_fronting_firm * firms_fronting.get(rid, 0)
            kind, reduction = "road_resurface", (like[worst] - like["A"]) * consequence
        works[rid] = Work(
            key=f"road:{r['code']}",
            kind=kind,
            code=r["code"],
            cost_yuan=round(cost, 2),
            risk_reduction=round(reduction, 4),
            method=kind,
            street=street,
            requires=tuple(pipes_under.get(rid, ())),
            road_segment_id=rid,
            detail={
                "road_class": r["road_class"],
                "status": r["status"],
                "name": r["name"],
                "area_m2": round(area, 1),
                "length_m": r["length_m"],
            },
        )
    return works


def build_problem(conn: Connection, today: date | None = None) -> Problem:
    """Candidate works, blocked sites and blocked enquiries of the park, from the database."""
    rules = current_rules()
    today = today or date.today()
    net = load_network(conn)
    roads = {
        int(r["id"]): {
            **r,
            "length_m": float(r["length_m"]),
            "width_m": None if r["width_m"] is None else float(r["width_m"]),
            "pci": None if r["pci"] is None else float(r["pci"]),
            "rqi": None if r["rqi"] is None else float(r["rqi"]),
        }
        for r in conn.execute(
            text(
                "SELECT r.id, r.code, r.name, r.road_class, r.status, r.width_m, r.length_m, "
                "r.pci, "
                "CASE WHEN r.iri IS NULL THEN NULL ELSE r.rqi END AS rqi, st.gives_access "
                "FROM road_segment r JOIN road_status st ON st.code = r.status"
            )
        ).mappings()
    }
    pipe_works = _pipe_works(conn, net, roads, today)
    pipes_under: dict[int, list[str]] = defaultdict(list)
    for w in pipe_works.values():
        road_id = net.segments[w.pipe_segment_id or 0].road_segment_id
        if road_id:
            pipes_under[road_id].append(w.key)
    front = frontage(conn)
    holders = {
        int(r.id): r.holder_firm_id
        for r in conn.execute(text("SELECT id, holder_firm_id FROM parcel"))
    }
    firms_fronting: dict[int, int] = defaultdict(int)
    for pid, fronts in front.items():
        for rid, _ in fronts:
            firms_fronting[rid] += 1 if holders.get(pid) else 0
    road_works = _road_works(roads, pipes_under, firms_fronting)
    works = list(pipe_works.values()) + list(road_works.values())
    sites, ready_now = _sites(conn, net, front, pipe_works, road_works)
    enquiries = _enquiries(conn, sites, ready_now)
    return Problem(
        works=works,
        sites=sites,
        enquiries=enquiries,
        mobilisation_yuan=rules.repair_costs.mobilisation_yuan,
        enquiry_mu_equivalent=rules.land_unlock.enquiry_mu_equivalent,
    )


def _sites(
    conn: Connection,
    net: Network,
    front: Mapping[int, list[tuple[int, bool]]],
    pipe_works: Mapping[int, Work],
    road_works: Mapping[int, Work],
) -> tuple[list[Site], set[int]]:
    lu = current_rules().land_unlock
    parcels = conn.execute(
        text("SELECT id, plot_no, area_mu FROM parcel WHERE status = ANY(:s) ORDER BY plot_no"),
        {"s": lu.ready_statuses},
    ).all()
    conns = defaultdict(list)
    for c in parcel_connections(conn, [int(p.id) for p in parcels]):
        conns[int(c["parcel_id"])].append(int(c["manhole_id"]))
    sites, ready_now = [], set()
    for p in parcels:
        pid = int(p.id)
        all_of: list[str] = []
        hopeless = False
        for manhole in conns[pid]:
            for sid in net.main_path(manhole):
                if (net.segments[sid].ri_grade or 0) >= lu.blocking_ri_grade:
                    if sid not in pipe_works:
                        hopeless = True  # rules make a blocker no candidate: cannot unlock
                    else:
                        all_of.append(pipe_works[sid].key)
        if hopeless:
            continue
        fronts = front.get(pid, [])
        any_of: list[str] = []
        if not any(access for _, access in fronts):
            any_of = [road_works[r].key for r, _ in fronts if r in road_works]
            if not any_of:
                continue  # fronts no road that could be completed: repairs cannot help
        if not all_of and not any_of:
            ready_now.add(pid)
            continue
        sites.append(
            Site(pid, p.plot_no, float(p.area_mu), tuple(dict.fromkeys(all_of)), tuple(any_of))
        )
    return sites, ready_now


def _enquiries(conn: Connection, sites: list[Site], ready_now: set[int]) -> list[Enquiry]:
    lu = current_rules().land_unlock
    rows = conn.execute(
        text(
            "SELECT e.id, e.code, e.investor_name, array_agg(p.id) AS parcels "
            "FROM investor_enquiry e JOIN enquiry_status es ON es.code = e.status AND es.is_open "
            "JOIN parcel p ON p.status = ANY(:s) "
            " AND (e.land_mu_min IS NULL OR p.area_mu >= e.land_mu_min) "
            " AND (e.land_mu_max IS NULL OR p.area_mu <= e.land_mu_max) "
            " AND (cardinality(e.preferred_zones) = 0 OR p.zone_code = ANY(e.preferred_zones)) "
            "WHERE e.site_kind IN ('land', 'either') "
            "  AND (e.land_mu_min IS NOT NULL OR e.land_mu_max IS NOT NULL) "
            "GROUP BY e.id ORDER BY e.code"
        ),
        {"s": lu.ready_statuses},
    )
    site_ids = {s.parcel_id for s in sites}
    out = []
    for r in rows:
        fitting = set(r.parcels)
        if fitting & ready_now:
            continue  # already served by ready land: repairs do not unblock it
        served = tuple(sorted(fitting & site_ids))
        if served:
            out.append(Enquiry(int(r.id), r.code, r.investor_name, served))
    return out
