"""Bankruptcy cases at every stage, with encumbrances, events, an auction and joint tasks.

Dates keep the Enterprise Bankruptcy Law's deadlines (DOMAIN §5): acceptance within 15
days of the application (Art. 10), announcement within 25 days of acceptance (Art. 14),
claims period 30 days to 3 months from the announcement (Art. 45), first creditors'
meeting within 15 days after it (Art. 62), reorganisation plan within 6 (+3) months
(Art. 79); round-1 judicial auction at >= 70 % of the appraisal, announced 30 days ahead
(法释〔2016〕18号 Arts 10, 12).
Joint tasks (府院联动, 发改财金规〔2021〕274号) take their department and the stage they
block from ``task_kind``; some are overdue on the demo's today (2026-11-26).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from parkgis.demo import case_scripts, names
from parkgis.demo._io import Row
from parkgis.demo.context import DEMO_TODAY, Context
from parkgis.release.case_numbers import normalise_case_number

COURT = "烈山区人民法院"
D = date.fromisoformat


def make_cases(ctx: Context, parks: list[list[Row]], rng: np.random.Generator) -> None:
    """Six cases over the unit's parks; debtors are in-use holders that went under."""
    used: set[int] = set()
    for number, case in enumerate(case_scripts.CASES):
        parcels = parks[number % len(parks)]
        debtor, held = _pick_debtor(parcels, used, rng)
        if debtor is None:
            continue
        if case.get("allocated"):
            extra = next(
                (
                    p
                    for p in parcels
                    if p["status"] == "in_use"
                    and p["_holder"] is not None
                    and p["_holder"]["id"] not in used
                    and p["_holder"] is not debtor
                    and not p["_holder"].get("_devco")
                ),
                None,
            )
            if extra is not None:
                old = extra["_holder"]
                used.add(old["id"])
                if not any(p["_holder"] is old for p in parcels if p is not extra):
                    ctx.firms.dropped.add(old["id"])  # its only parcel went to the debtor
                extra.update(
                    tenure="allocation",
                    land_price_yuan=None,
                    _holder=debtor,
                    holder_firm_id=debtor["id"],
                    contract_no=None,
                )
                held.append(extra)
        _case(ctx, case, debtor, held, rng)


def _pick_debtor(
    parcels: list[Row], used: set[int], rng: np.random.Generator
) -> tuple[Row | None, list[Row]]:
    holders = [
        p["_holder"]
        for p in parcels
        if p["status"] == "in_use"
        and p["_holder"] is not None
        and not p["_holder"].get("_devco")
        and p["_holder"]["id"] not in used
    ]
    if not holders:
        return None, []
    debtor = holders[int(rng.integers(0, len(holders)))]
    used.add(debtor["id"])
    return debtor, [p for p in parcels if p["_holder"] is debtor]


def _case(
    ctx: Context, case: dict[str, object], debtor: Row, held: list[Row], rng: np.random.Generator
) -> None:
    stage = str(case["stage"])
    applied = case["applied_on"]
    assert isinstance(applied, date)
    case_id = ctx.next_id("bankruptcy_case")
    accepted = case.get("accepted_on")
    row: Row = {
        k: v for k, v in case.items() if k not in ("tasks", "allocated", "applicant", "court")
    }
    court = str(case.get("court", COURT))
    code = ctx.court_codes[court]
    # Numbers run per court and year; the district court's keep their old counters.
    counter = "" if court == COURT else f"{code}:"
    row.update(
        id=case_id,
        zone_code=debtor["zone_code"],
        court=court,
        debtor_firm_id=debtor["id"],
        applicant_kind=case["applicant"],
        extra={"debtor_name": debtor["name"]},
    )
    if accepted is None:
        row["application_no"] = normalise_case_number(
            f"({applied.year}){code}破申{ctx.count(f'app:{counter}{applied.year}') + 2}号"
        )
    else:
        assert isinstance(accepted, date)
        row["case_no"] = normalise_case_number(
            f"({accepted.year}){code}破{ctx.count(f'case:{counter}{accepted.year}')}号"
        )
        row["administrator"] = str(rng.choice(list(names.LAW_FIRMS)))
    ctx.rows["bankruptcy_case"].append(row)
    status = {"closed": "deregistered", "application": "stopped"}.get(stage, "in_bankruptcy")
    ctx.firms.make_zombie(rng, debtor, status)

    for parcel in held:
        note = "债务人名下土地"
        if parcel.get("tenure") == "allocation":
            note = (
                "划拨土地：不属于破产财产，由政府依法收回"
                "（企业破产法第三十条、土地管理法第五十八条）"
            )
        ctx.rows["case_parcel"].append(
            {"case_id": case_id, "parcel_id": parcel["id"], "note": note}
        )
        if stage == "closed":
            parcel.update(
                status="released",
                status_since=case["closed_on"],
                holder_firm_id=None,
                _holder=None,
                list_price_yuan_per_mu=round(float(rng.uniform(1.6e5, 2.4e5)), -3),
            )
        elif stage == "application":
            parcel.update(status="inefficient", status_since=D("2025-06-30"))
        else:
            parcel.update(status="bankruptcy_estate", status_since=accepted)
        _encumbrances(ctx, parcel, applied, accepted, stage, rng)

    ctx.rows["case_event"].append(
        {
            "case_id": case_id,
            "kind": "filed",
            "occurred_on": applied,
            "stage_to": "application",
            "note": "收到破产申请",
        }
    )
    for field, kind, stage_from, stage_to, note in case_scripts.EVENTS:
        when = case.get(field)
        if isinstance(when, date):
            ctx.rows["case_event"].append(
                {
                    "case_id": case_id,
                    "kind": kind,
                    "occurred_on": when,
                    "stage_from": stage_from,
                    "stage_to": stage_to,
                    "note": note,
                }
            )
    if stage == "asset_disposal":
        estate = next((p for p in held if p.get("tenure") != "allocation"), held[0])
        appraisal = round(
            float(estate["_geom"].area / (10000 / 15) * rng.uniform(2.0e5, 2.8e5)), -3
        )
        ctx.rows["case_event"].append(
            {
                "case_id": case_id,
                "kind": "disposal_started",
                "occurred_on": D("2026-10-20"),
                "stage_from": "plan_or_declaration",
                "stage_to": "asset_disposal",
                "note": "债权人会议通过财产变价方案",
            }
        )
        ctx.rows["auction"].append(
            {
                "case_id": case_id,
                "parcel_id": estate["id"],
                "round": 1,
                "mode": "online_auction",
                "appraisal_yuan": appraisal,
                "starting_price_yuan": round(appraisal * 0.75, -2),
                "announced_on": D("2026-11-02"),
                "auction_on": D("2026-12-03"),
                "result": "pending",
            }
        )
    for kind, deadline, task_status in case["tasks"]:  # type: ignore[attr-defined]
        department, blocks = ctx.task_kinds[kind]
        due = D(deadline)
        done = task_status == "done"
        completed = (
            min(due - timedelta(days=int(rng.integers(1, 20))), DEMO_TODAY) if done else None
        )
        ctx.rows["joint_task"].append(
            {
                "case_id": case_id,
                "kind": kind,
                "department_code": department,
                "title": f"{debtor['name']}破产案：{case_scripts.TASK_TITLES.get(kind, kind)}",
                "deadline_on": due,
                "status": task_status,
                "blocks_stage": blocks,
                "evidence": f"{case_scripts.TASK_TITLES.get(kind, kind)}已办结，见附件"
                if done
                else None,
                "evidence_ref": f"FY-{case_id}-{kind}.pdf" if done else None,
                "completed_on": completed,
            }
        )


def _encumbrances(
    ctx: Context, parcel: Row, applied: date, accepted: object, stage: str, rng: np.random.Generator
) -> None:
    """A bank mortgage and one or two court seizures on a debtor's parcel."""
    registered = applied - timedelta(days=int(rng.integers(700, 2200)))
    value = float(parcel["_geom"].area / (10000 / 15) * 2.2e5)
    closed = stage == "closed"
    ctx.rows["encumbrance"].append(
        {
            "parcel_id": parcel["id"],
            "kind": "mortgage",
            "holder": str(rng.choice(list(names.BANKS))),
            "reference_no": _certificate(registered, rng),
            "amount_yuan": round(value * rng.uniform(0.5, 0.9), -3),
            "registered_on": registered,
            "expires_on": registered + timedelta(days=365 * 5),
            "lifted": closed,
            "lifted_on": D("2026-01-15") if closed else None,
            "extra": {},
        }
    )
    for k in range(int(rng.integers(1, 3))):
        court = str(rng.choice(list(names.COURTS_ENFORCING)))
        seized = applied - timedelta(days=int(rng.integers(30, 400)))
        lifted = isinstance(accepted, date) and (closed or (stage == "asset_disposal" and k == 0))
        ctx.rows["encumbrance"].append(
            {
                "parcel_id": parcel["id"],
                "kind": "seizure",
                "holder": court,
                "reference_no": (
                    f"({seized.year}){ctx.court_codes[court]}执保{int(rng.integers(10, 999))}号"
                ),
                "amount_yuan": round(value * rng.uniform(0.1, 0.4), -3),
                "registered_on": seized,
                "expires_on": seized + timedelta(days=3 * 365),
                "lifted": lifted,
                "lifted_on": accepted + timedelta(days=int(rng.integers(5, 40)))
                if lifted and isinstance(accepted, date)
                else None,
                "extra": {},
            }
        )


def ordinary_mortgages(ctx: Context, parcels: list[Row], rng: np.random.Generator) -> None:
    """Mortgages on some healthy in-use parcels (firms borrow on their land)."""
    for parcel in parcels:
        if (
            parcel["status"] != "in_use"
            or rng.random() > 0.15
            or parcel.get("tenure") != "transfer"
        ):
            continue
        registered = parcel["supplied_on"] + timedelta(days=int(rng.integers(200, 2000)))
        if registered >= DEMO_TODAY:
            continue
        lifted_on = registered + timedelta(days=int(rng.integers(365, 1500)))
        lifted = lifted_on < DEMO_TODAY and rng.random() < 0.4
        ctx.rows["encumbrance"].append(
            {
                "parcel_id": parcel["id"],
                "kind": "mortgage",
                "holder": str(rng.choice(list(names.BANKS))),
                "reference_no": _certificate(registered, rng),
                "amount_yuan": round(
                    float(parcel["_geom"].area / (10000 / 15) * rng.uniform(1e5, 2e5)), -3
                ),
                "registered_on": registered,
                "expires_on": registered + timedelta(days=365 * 3),
                "lifted": lifted,
                "lifted_on": lifted_on if lifted else None,
                "extra": {},
            }
        )


def _certificate(registered: date, rng: np.random.Generator) -> str:
    """Number of a real-estate registration certificate (不动产证明) for a mortgage."""
    return f"皖({registered.year})淮北市不动产证明第{int(rng.integers(1, 99999)):07d}号"
