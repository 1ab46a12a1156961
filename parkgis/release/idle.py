"""Idle-land clocks (闲置土地) under MLR Order 53 (闲置土地处置办法, 2012), and the ledger.

Art. 2: land is idle when construction has not started one year after the start date
agreed in the supply contract or set in the allocation decision, or when it started but
is under 1/3 developed or 25 % invested and work has stopped a year or more. Art. 8:
causes attributable to government are not penalised (the reason is recorded in
``parcel.government_cause``). Art. 14: idle one full year -> idle-land fee of 20 % of the
land price; two full years -> recovery without compensation.

The clocks run from the contract (``agreed_start_on``, or where it sets none the day it
took effect, ``supplied_on``), or for started land from ``work_stopped_on``; they are
computed by :func:`parkgis.release.returns.idle_clock_days`, which the release pipeline
and matching use too, so that every reader gives one expected date of return.
``idle_since`` is the day the land was found idle (认定), a fact of record shown as such.
Parcels not yet marked idle but idle by Art. 2 are listed as candidates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.documents import xlsx
from parkgis.labels import codes, format
from parkgis.labels.format import Lang
from parkgis.release._common import today
from parkgis.release.returns import INPUTS, expected_returns
from parkgis.rules import current as current_rules

DISPOSAL_STOCK = ("idle", "approved_unsupplied")

_SQL = (
    "SELECT p.id AS parcel_id, p.plot_no, p.parcel_code, s.is_locked AS locked, "
    "p.status_since, p.tenure, p.area_m2, p.area_mu, p.holder_firm_id, "
    "f.name AS holder_name, p.idle_since, p.government_cause AS government_cause_text, "
    "p.land_price_yuan, "
    + ", ".join(f"r.{c}" for c in INPUTS)
    + """,
       (SELECT c.case_no FROM case_parcel cp JOIN bankruptcy_case c ON c.id = cp.case_id
         WHERE cp.parcel_id = p.id AND c.stage <> 'closed' ORDER BY c.id LIMIT 1) AS case_no
  FROM parcel p JOIN land_status s ON s.code = p.status
  JOIN logic.parcel_return_source r ON r.parcel_id = p.id
  LEFT JOIN firm f ON f.id = p.holder_firm_id
 WHERE s.is_locked
    OR (p.status IN ('in_use', 'approved_unsupplied')
        AND (p.actual_start_on IS NULL OR p.work_stopped_on IS NOT NULL))
 ORDER BY p.plot_no
"""
)

_WHY = {
    "idle": ("闲置土地（《闲置土地处置办法》第二条）", "Idle land (MLR Order 53 Art. 2)"),
    "inefficient": ("低效用地", "Inefficient land"),
    "bankruptcy_estate": ("破产财产（企业破产法）", "In a bankruptcy estate"),
    "candidate_1": (
        "约定开工日期满一年未动工，应认定闲置（第二条）",
        "Not started a year after the agreed start (Art. 2)",
    ),
    "candidate_2": (
        "已动工但开发不足三分之一或投资不足25%，中止开发满一年，应认定闲置（第二条）",
        "Started, under 1/3 developed or 25 % invested, stopped a year (Art. 2)",
    ),
}


def clock(row: dict[str, Any], as_of: date, ret: dict[str, Any] | None = None) -> dict[str, Any]:
    """The idle-land clock of one parcel row on ``as_of`` (MLR Order 53 Art. 2, 8, 14).

    ``row`` has the columns of ``logic.parcel_return_source``; ``ret`` its
    :func:`~parkgis.release.returns.expected_returns` entry when already computed.
    ``row["locked"]`` is land_status.is_locked of its status (a row without it is locked
    land); an unlocked parcel is a candidate, idle by Art. 2 but not yet marked so.
    """
    cfg = current_rules().idle_land
    ret = ret or expected_returns([row], as_of)[0]
    candidate = not row.get("locked", True)
    out = dict(row)
    out["government_cause"] = row.get("government_cause_text", row.get("government_cause"))
    out["candidate"] = candidate
    why = _WHY[f"candidate_{ret['clock_branch']}" if candidate else row["status"]]
    out["reason_zh"], out["reason_en"] = why
    if row.get("case_no"):
        out["reason_zh"] += f"；案件 {row['case_no']}"
        out["reason_en"] += f"; case {row['case_no']}"
    start = ret["clock_start"]
    out.update(
        clock_start_on=start,
        idle_by_law_from=ret["idle_from"],
        expected_available_from=ret["expected_on"],
        expected_basis_zh=ret["basis_zh"],
        expected_basis_en=ret["basis_en"],
    )
    if start is None:
        out.update(
            idle_days=None,
            idle_years=None,
            government_cause_applies=False,
            fee_due=False,
            fee_due_from=None,
            fee_yuan=None,
            recovery_eligible=False,
            recovery_eligible_from=None,
        )
        return out
    gov = bool(out["government_cause"])
    days = max((as_of - start).days, 0)
    price = row.get("land_price_yuan")
    fee_due = not gov and as_of >= ret["fee_from"]
    out.update(
        idle_days=days,
        idle_years=round(days / 365.25, 2),
        government_cause_applies=gov,
        fee_due=fee_due,
        fee_due_from=ret["fee_from"],
        fee_yuan=(
            round(float(price) * cfg.fee_share_of_land_price, 2)
            if fee_due and price is not None
            else None
        ),
        recovery_eligible=not gov and as_of >= ret["recovery_from"],
        recovery_eligible_from=ret["recovery_from"],
    )
    return out


def idle_clocks(conn: Connection, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every locked parcel (and idle candidate) with why it is locked and its clocks.

    A candidate is held land not marked idle whose Art. 2 year is up on ``as_of``.
    """
    day = today(as_of)
    rows = [dict(r) for r in conn.execute(text(_SQL)).mappings()]
    out = []
    for row, ret in zip(rows, expected_returns(rows, day), strict=True):
        if not row["locked"] and (ret["idle_from"] is None or ret["idle_from"] > day):
            continue
        out.append(clock(row, day, ret))
    return out


def disposal_rate(conn: Connection, year: int) -> dict[str, Any]:
    """Share of idle and approved-but-unsupplied land disposed of in ``year`` vs 15 % target.

    皖政〔2022〕54号. Disposed = parcels whose status left idle/approved_unsupplied with a
    status_since inside the year (from the history); stock = those plus what is still idle
    or unsupplied since before the year's end. Areas in mu.
    """
    params = {"a": date(year, 1, 1), "b": date(year, 12, 31), "stock": list(DISPOSAL_STOCK)}
    disposed = conn.execute(
        text(
            "SELECT coalesce(sum(p.area_mu), 0) AS mu, count(*) AS n FROM parcel p WHERE p.id IN ("
            " SELECT (h.row_key->>'id')::bigint FROM history h WHERE h.table_name = 'parcel'"
            " AND h.op = 'UPDATE' AND h.before->>'status' = ANY(:stock)"
            " AND NOT (h.after->>'status' = ANY(:stock))"
            " AND (h.after->>'status_since')::date BETWEEN :a AND :b)"
        ),
        params,
    ).one()
    remaining = conn.execute(
        text(
            "SELECT coalesce(sum(area_mu), 0) AS mu, count(*) AS n FROM parcel "
            "WHERE status = ANY(:stock) AND status_since <= :b"
        ),
        params,
    ).one()
    stock = float(disposed.mu) + float(remaining.mu)
    rate = float(disposed.mu) / stock if stock else None
    target = current_rules().anhui.yearly_disposal_share_target
    return {
        "year": year,
        "disposed_mu": round(float(disposed.mu), 4),
        "disposed_parcels": int(disposed.n),
        "stock_mu": round(stock, 4),
        "rate": None if rate is None else round(rate, 4),
        "target": target,
        "meets_target": None if rate is None else rate >= target,
    }


LEDGER_COLUMNS = [
    ("plot_no", "地块编号", "Plot number"),
    ("status", "土地状态", "Status"),
    ("reason_zh", "锁定原因", "Why locked"),
    ("holder_name", "土地使用权人", "Holder"),
    ("area_m2", "面积(m²)", "Area (m2)"),
    ("area_mu", "面积(亩)", "Area (mu)"),
    ("agreed_start_on", "约定开工日期", "Agreed start"),
    ("work_stopped_on", "中止开发日期", "Work stopped on"),
    ("clock_start_on", "闲置期起算日", "Idle clock starts"),
    ("idle_by_law_from", "满一年应认定闲置日期", "Idle by law from (Art. 2)"),
    ("idle_since", "认定闲置日期", "Found idle on"),
    ("idle_days", "闲置天数", "Idle days"),
    ("government_cause", "政府原因", "Government cause"),
    ("fee_due", "应征闲置费", "Fee due"),
    ("fee_yuan", "闲置费(元)", "Idle-land fee (yuan)"),
    ("recovery_eligible", "可无偿收回", "Recovery eligible"),
    ("fee_due_from", "应征闲置费日期", "Fee due from"),
    ("recovery_eligible_from", "可收回日期", "Recovery eligible from"),
    ("expected_available_from", "预计可供日期", "Expected available from"),
    ("expected_basis_zh", "可供日期依据", "Basis of the date"),
    ("case_no", "破产案号", "Case number"),
]


#: Kinds of the ledger's columns that are not text (:mod:`parkgis.documents.xlsx`).
_LEDGER_KINDS: dict[str, xlsx.Kind] = {
    "area_m2": "m2",
    "area_mu": "mu",
    "agreed_start_on": "date",
    "work_stopped_on": "date",
    "clock_start_on": "date",
    "idle_by_law_from": "date",
    "idle_since": "date",
    "idle_days": "integer",
    "fee_yuan": "yuan",
    "fee_due_from": "date",
    "recovery_eligible_from": "date",
}


def _ledger_value(conn: Connection, key: str, row: dict[str, Any], lang: Lang) -> Any:
    value = row.get(key)
    if key == "status":
        return codes.label(conn, "land_status", value, lang)
    if key == "reason_zh" and lang == "en":
        return row.get("reason_en")
    if key == "expected_basis_zh" and lang == "en":
        return row.get("expected_basis_en")
    if key == "expected_available_from":  # text: a date, or no date yet (never "not filled")
        return format.date(value, lang) if value else ("待定" if lang == "zh" else "not set")
    if key == "government_cause" and not value:
        return "无" if lang == "zh" else "none"
    if key in ("fee_due", "recovery_eligible"):
        return format.yes_no(value, lang)
    if key == "fee_yuan" and value is None:
        return "不适用" if lang == "zh" else "n/a"
    if key == "case_no" and not value:
        return "无" if lang == "zh" else "none"
    return value


def ledger_xlsx(
    conn: Connection,
    clocks: list[dict[str, Any]],
    as_of: date,
    disposal: dict[str, Any] | None = None,
    lang: Lang = "zh",
) -> bytes:
    """The idle-land ledger (闲置土地台账) as a formatted XLSX workbook (Chinese or English)."""
    columns = [
        xlsx.Column(zh if lang == "zh" else en, _LEDGER_KINDS.get(key, "text"))
        for key, zh, en in LEDGER_COLUMNS
    ]
    rows = [[_ledger_value(conn, key, row, lang) for key, _, _ in LEDGER_COLUMNS] for row in clocks]
    title = f"闲置土地台账 {format.date(as_of)}" if lang == "zh" else f"Idle land {as_of}"
    sheets = [xlsx.Sheet(title, columns, rows)]
    if disposal:
        zh = lang == "zh"
        sheets.append(
            xlsx.Sheet(
                "年度处置率" if zh else "Disposal rate",
                [
                    xlsx.Column("年度" if zh else "Year", "integer"),
                    xlsx.Column("处置面积" if zh else "Disposed", "mu"),
                    xlsx.Column("存量面积" if zh else "Stock", "mu"),
                    xlsx.Column("处置率" if zh else "Rate", "percent"),
                    xlsx.Column("目标" if zh else "Target", "percent"),
                    xlsx.Column("是否达标" if zh else "Meets target", "text"),
                ],
                [
                    [
                        disposal["year"],
                        disposal["disposed_mu"],
                        disposal["stock_mu"],
                        disposal["rate"],
                        disposal["target"],
                        format.yes_no(disposal["meets_target"], lang),
                    ]
                ],
            )
        )
    return xlsx.workbook(sheets, lang)
