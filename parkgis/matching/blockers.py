"""Blockers: what must happen before a site can be handed over, and who must act.

Joined from the other layers (``candidates.DETAIL_SQL``: the spatial facts of
``logic.site_facts``, encumbrances and cases read live): no frontage on a complete
road (DOMAIN §8), a downstream pipe of CJJ 181-2012 repair grade ``blocking_ri_grade``
or worse (repairs.toml [land_unlock]; III = RI > 4, "repair soon", §8.3),
an unlifted seizure or mortgage, a bankruptcy estate (企业破产法), allocated land the
government takes back, idle land (recovered under MLR Order 53 Art. 14, or disposed of
with the holder where the cause is the government's, Art. 8 and 12); every date is the
one of parkgis.release.returns. A blocked site is still ranked; the promotion office needs to know
what to unblock. Anonymous callers see only "expected available from".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from parkgis.access import get_role
from parkgis.catalogue import get_layer
from parkgis.config import get_rules
from parkgis.labels import format as fmt
from parkgis.release.returns import BASIS

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
    # A role that reads every case (the promotion office too) gets the case number (published
    # by the court on the national bankruptcy information platform) to know whom to ask
    # about the release date.
    see_case_no = get_role(conn, role).sees_all_cases or (
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
        out.append(
            _bankruptcy_blocker(
                row, see_case_no, {**dept("bankruptcy"), **_court(row.get("case_court"))}
            )
        )
    elif row.get("in_case") and row.get("allocated"):
        zh, en = BASIS["allocated"]
        out.append({"kind": "allocated_land", "message": zh, "message_en": en,
                    "expected_release_on": None, **dept("idle_recovery")})  # fmt: skip
    elif row.get("status") == "idle":
        out.append(_idle_blocker(row, as_of, dept("idle_recovery")))
    return out


def _court(name: str | None) -> dict[str, str]:
    """The court recorded on a seizure or a case as the one who must act (none: as is)."""
    return {"who_zh": name, "court": name} if name else {}


def _bankruptcy_blocker(
    row: Mapping[str, Any], see_case_no: bool, who: dict[str, Any]
) -> dict[str, Any]:
    """Estate land: the case, its stage and the one expected date (parkgis.release.returns)."""
    expected = row.get("available_from")
    case_no = (
        row.get("case_no") if see_case_no else ("（案号不公开）" if row.get("case_no") else None)
    )
    return {
        "kind": "bankruptcy",
        "message": f"破产财产：{case_no or '（申请中）'}，当前阶段"
        f"{row.get('case_stage_zh')}，{_expected(expected, 'zh')}",
        "message_en": f"in the bankruptcy estate of case {case_no or '(application)'}, stage "
        f"{row.get('case_stage_en')}, {_expected(expected, 'en')}",
        "case_id": row.get("case_id"),
        "case_no": case_no,
        "stage": row.get("case_stage"),
        "expected_release_on": expected,
        "open_tasks": row.get("case_open_tasks") or [],
        **who,
    }


def _expected(day: dt.date | None, lang: str) -> str:
    """``预计 2027年3月1日 可供`` / ``expected 1 Mar 2027``; no date: still to be set."""
    if day is None:
        return "可供日期待定" if lang == "zh" else "date still to be set"
    return f"预计 {fmt.date(day)} 可供" if lang == "zh" else f"expected {fmt.date(day, 'en')}"


def _idle_blocker(row: Mapping[str, Any], as_of: dt.date, who: dict[str, Any]) -> dict[str, Any]:
    """Idle land: recovered under Art. 14 only without a government cause (Art. 8)."""
    expected = row.get("available_from")
    if row.get("government_cause"):
        zh, en = BASIS["government_cause"]
        return {"kind": "idle_government_cause", "message": zh, "message_en": en,
                "expected_release_on": None, **who}  # fmt: skip
    recovery = row.get("recovery_from")
    if recovery is None:
        zh, en = BASIS["idle_undated"]
    elif recovery <= as_of:
        zh = f"闲置满两年，可依《闲置土地处置办法》第十四条无偿收回，{_expected(expected, 'zh')}"
        en = (
            "idle two years, recoverable without compensation (MLR Order 53 Art. 14), "
            + _expected(expected, "en")
        )
    else:
        zh = (
            f"闲置土地，{fmt.date(recovery)} 起可依《闲置土地处置办法》第十四条无偿收回，"
            + _expected(expected, "zh")
        )
        en = (
            f"idle land, recoverable without compensation from {fmt.date(recovery, 'en')} "
            "(MLR Order 53 Art. 14), " + _expected(expected, "en")
        )
    return {"kind": "idle_recovery", "message": zh, "message_en": en,
            "expected_release_on": expected, **who}  # fmt: skip


def public_view(available_from: dt.date | None, as_of: dt.date) -> list[dict[str, Any]]:
    """What an anonymous caller may see of the blockers: only the expected date."""
    if available_from is not None and available_from <= as_of:
        return []
    return [
        {
            "kind": "expected",
            "message": f"预计 {fmt.date(available_from)} 起可供"
            if available_from
            else "可供日期待定",
            "message_en": f"expected available from {fmt.date(available_from, 'en')}"
            if available_from
            else "date to be decided",
            "expected_available_from": available_from,
        }
    ]
