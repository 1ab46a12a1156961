"""Blockers: what must happen before a site can be handed over, and who must act.

Joined from the other layers (``candidates.DETAIL_SQL``: the spatial facts of
``logic.site_facts``, encumbrances and cases read live): no frontage on a complete
road (DOMAIN §8), a downstream pipe of CJJ 181-2012 repair grade ``blocking_ri_grade``
or worse (repairs.toml [land_unlock]; III = RI > 4, "repair soon", §8.3),
an unlifted seizure or mortgage, a bankruptcy estate (企业破产法; expected date kept in
``bankruptcy_case.expected_release_on`` by parkgis.release), idle land being recovered
(MLR Order 53 Art. 14). A blocked site is still ranked; the promotion office needs to know
what to unblock. Anonymous callers see only "expected available from".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from parkgis.catalogue import get_layer
from parkgis.config import get_rules

STAFF_ROLES = ("promotion", "infrastructure", "department", "land_bureau", "court", "admin")
_STATUS_ZH = {
    "planned": "规划",
    "under_construction": "在建",
    "complete": "已建成",
    "dead_end": "断头路",
}
_GRADE_ZH = {3: "III级（尽快修复）", 4: "IV级（立即修复）"}
_GRADE_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _road_message(row: Mapping[str, Any]) -> tuple[str, str]:
    """Why a site has no access, in words: the nearest road, its state and distance."""
    status = row.get("nearest_road_status")
    road = f"{row.get('nearest_road_code') or '—'}{row.get('nearest_road_name') or ''}"
    planned = row.get("nearest_road_planned_on")
    dist = row.get("nearest_road_dist_m")
    far = f"，距 {float(dist):,.0f} m" if dist is not None else ""
    far_en = f", {float(dist):,.0f} m away" if dist is not None else ""
    if status == "complete":  # a complete road nearby, but the site does not front it
        return (
            f"未临接已建成道路：最近的已建成道路 {road}{far}，超出临街距离，需修建连接道路",
            f"no frontage on a complete road: the nearest, {road}, is complete{far_en}, "
            "beyond frontage; a connecting road is needed",
        )
    return (
        f"未临接已建成道路：最近道路 {road}（{_STATUS_ZH.get(status or '', '无')}"
        + (f"，计划 {planned} 建成" if planned else "")
        + f"{far}），需先完成道路建设",
        f"no frontage on a complete road: nearest {road} is {status or 'none'}"
        + (f", planned for {planned}" if planned else ""),
    )


def _segment_grades(segments: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """Each segment with its own CJJ 181-2012 repair grade: "S1（IV级）、S3（III级）"."""
    zh = "、".join(f"{s['code']}（{_GRADE_ROMAN[int(s['ri_grade'])]}级）" for s in segments)
    en = ", ".join(f"{s['code']} (grade {_GRADE_ROMAN[int(s['ri_grade'])]})" for s in segments)
    return zh, en


def prefetch_costs(
    conn: Connection, rows: list[Mapping[str, Any]], cache: dict[int, dict[str, Any]]
) -> None:
    """Estimate, in one query, the repairs of every bad segment downstream of ``rows``."""
    from parkgis.repairs.works import segment_repair_costs

    ids = {int(seg["id"]) for row in rows for seg in (row.get("bad_segments") or [])} - set(cache)
    if ids:
        for key, est in segment_repair_costs(conn, sorted(ids)).items():
            cache[key] = {"cost_yuan": round(float(est["cost_yuan"]), 2),
                          "method": est.get("method_zh")}  # fmt: skip


def _cost_estimate(
    conn: Connection, seg: Mapping[str, Any], cache: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    """Repair method and cost of a segment, estimated by parkgis.repairs (rules/repairs.toml)."""
    key = int(seg["id"])
    if key not in cache:
        prefetch_costs(conn, [{"bad_segments": [seg]}], cache)
    return cache.get(key, {"cost_yuan": None, "method": None})


def site_blockers(
    conn: Connection,
    row: Mapping[str, Any],
    rules: Mapping[str, Any],
    departments: Mapping[str, str],
    as_of: dt.date,
    role: str = "admin",
    cost_cache: dict[int, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every blocker of one candidate row, staff view; holders and case numbers per catalogue."""
    costs = {} if cost_cache is None else cost_cache
    who = rules["who"]
    # Encumbrance holders/references/amounts and case numbers only for the roles the layer
    # catalogue lets see them (layers/encumbrances.toml, layers/cases.toml).
    enc_layer, case_layer = get_layer("encumbrances"), get_layer("cases")
    see_holder = enc_layer.can_see(role) and enc_layer.field("holder").visible(role)
    # The promotion office also gets the case number (published by the court on the national
    # bankruptcy information platform) to know whom to ask about the release date.
    see_case_no = role == "promotion" or (
        case_layer.can_see(role) and case_layer.field("case_no").visible(role)
    )
    out: list[dict[str, Any]] = []

    def dept(kind: str) -> dict[str, str]:
        code = who[kind]
        return {"who": code, "who_zh": departments.get(code, code)}

    if not row.get("has_access"):
        zh, en = _road_message(row)
        out.append(
            {
                "kind": "road_access",
                "message": zh,
                "message_en": en,
                "road_segment_id": row.get("nearest_road_id"),
                "road_code": row.get("nearest_road_code"),
                "road_status": row.get("nearest_road_status"),
                "planned_completion_on": row.get("nearest_road_planned_on"),
                **dept("road_access"),
            }
        )
    blocking = int(get_rules()["land_unlock"]["blocking_ri_grade"])
    bad = [s for s in (row.get("bad_segments") or []) if (s.get("ri_grade") or 0) >= blocking]
    if bad:
        segments = []
        for s in bad:
            segments.append({**s, **_cost_estimate(conn, s, costs)})
        total = round(sum(s["cost_yuan"] for s in segments), 2)
        worst = max(int(s["ri_grade"]) for s in segments)
        worst_zh = _GRADE_ZH.get(worst, f"{_GRADE_ROMAN[worst]}级")
        graded_zh, graded_en = _segment_grades(segments)
        out.append(
            {
                "kind": "drainage",
                "message": f"下游管段 {graded_zh} 需修复（最差{worst_zh}），"
                f"估算修复费用 {total / 10000:,.1f} 万元（CJJ 181-2012）",
                "message_en": f"downstream segment(s) {graded_en} need repair; estimated "
                f"repair {total:,.0f} yuan (CJJ 181-2012)",
                "segments": segments,
                "cost_yuan": total,
                **dept("drainage"),
            }
        )
    for e in row.get("encumbrances") or []:
        # A seizure's holder is the court that ordered it and must lift it: a public
        # authority, named to every staff role (a mortgagee stays per the catalogue).
        court = e.get("holder") if e["kind"] == "seizure" else None
        if not see_holder:
            e = {"id": e.get("id"), "kind": e["kind"]}
        kind = e["kind"]
        zh = "查封" if kind == "seizure" else "抵押"
        out.append(
            {
                "kind": kind,
                "message": f"地块存在未解除的{zh}"
                + (f"：{e.get('holder')}" if see_holder else "")
                + (f"（{e['reference_no']}）" if e.get("reference_no") else ""),
                "message_en": f"unlifted {kind}"
                + (f" held by {e.get('holder')}" if see_holder else ""),
                "encumbrance_id": e.get("id"),
                "holder": e.get("holder"),
                "reference_no": e.get("reference_no"),
                "amount_yuan": e.get("amount_yuan"),
                **dept(kind),
                **_court(court),
            }
        )
    if row.get("case_id"):
        expected = row.get("case_expected_release_on")
        if not see_case_no:
            row = {**row, "case_no": "（案号不公开）" if row.get("case_no") else None}
        out.append(
            {
                "kind": "bankruptcy",
                "message": f"破产财产：{row.get('case_no') or '（申请中）'}，当前阶段"
                f"{row.get('case_stage_zh')}，预计 {expected or '待定'} 可供",
                "message_en": f"in the bankruptcy estate of case {row.get('case_no')}, stage "
                f"{row.get('case_stage_en')}, expected release {expected or 'unknown'}",
                "case_id": row.get("case_id"),
                "case_no": row.get("case_no"),
                "stage": row.get("case_stage"),
                "expected_release_on": expected,
                "open_tasks": row.get("case_open_tasks") or [],
                **dept("bankruptcy"),
                **_court(row.get("case_court")),
            }
        )
    elif row.get("status") == "idle":
        expected = row.get("available_from")
        out.append(
            {
                "kind": "idle_recovery",
                "message": "闲置土地待收回（《闲置土地处置办法》第14条），"
                f"预计 {expected or '待定'} 可供",
                "message_en": "idle land being recovered (MLR Order 53 Art. 14), "
                f"expected {expected}",
                "expected_release_on": expected,
                **dept("idle_recovery"),
            }
        )
    return out


def _court(name: str | None) -> dict[str, str]:
    """The court recorded on a seizure or a case as the one who must act (none: as is)."""
    return {"who_zh": name, "court": name} if name else {}


def public_view(available_from: dt.date | None, as_of: dt.date) -> list[dict[str, Any]]:
    """What an anonymous caller may see of the blockers: only the expected date."""
    if available_from is not None and available_from <= as_of:
        return []
    return [
        {
            "kind": "expected",
            "message": f"预计 {available_from or '待定'} 起可供",
            "message_en": f"expected available from {available_from or 'to be decided'}",
            "expected_available_from": available_from,
        }
    ]
