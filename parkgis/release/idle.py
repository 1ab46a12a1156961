"""Idle-land clocks (闲置土地) under MLR Order 53 (闲置土地处置办法, 2012).

Art. 2: land is idle when construction has not started one year after the agreed start
date (or started but under 1/3 developed or 25 % invested and stopped a year or more).
Art. 8: causes attributable to government are not penalised (the reason is recorded in
``parcel.government_cause``). Art. 14: idle one full year -> idle-land fee of 20 % of the
land price; two full years -> recovery without compensation.

Reading chosen: the clocks run from ``idle_since``, the date from which the land has lain
undeveloped (for land never started, the agreed start date), so "满一年 / 满两年" of Art. 14
are idle_since + 1 / + 2 years. Parcels not yet marked idle but meeting Art. 2 are listed
as candidates with a derived idle_since.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, text

from parkgis.documents import xlsx
from parkgis.labels import codes, format
from parkgis.labels.format import Lang
from parkgis.release._common import rules, today

DISPOSAL_STOCK = ("idle", "approved_unsupplied")

_SQL = """
SELECT p.id AS parcel_id, p.plot_no, p.parcel_code, p.status, s.is_locked AS locked,
       p.status_since, p.tenure,
       p.area_m2, p.area_mu, p.holder_firm_id, f.name AS holder_name, p.agreed_start_on,
       p.actual_start_on, p.developed_share, p.invested_share, p.idle_since,
       p.government_cause, p.land_price_yuan,
       (SELECT c.case_no FROM case_parcel cp JOIN bankruptcy_case c ON c.id = cp.case_id
         WHERE cp.parcel_id = p.id AND c.stage <> 'closed' ORDER BY c.id LIMIT 1) AS case_no
  FROM parcel p JOIN land_status s ON s.code = p.status
  LEFT JOIN firm f ON f.id = p.holder_firm_id
 WHERE s.is_locked
    OR (p.status IN ('in_use', 'approved_unsupplied') AND p.actual_start_on IS NULL
        AND p.agreed_start_on IS NOT NULL AND p.agreed_start_on <= :cutoff)
 ORDER BY p.plot_no
"""

_WHY = {
    "idle": ("闲置土地（《闲置土地处置办法》第二条）", "Idle land (MLR Order 53 Art. 2)"),
    "inefficient": ("低效用地", "Inefficient land"),
    "bankruptcy_estate": ("破产财产（企业破产法）", "In a bankruptcy estate"),
    "candidate": ("约定开工满一年未动工，应认定闲置", "Not started a year after the agreed start"),
}


def clock(row: dict[str, Any], as_of: date) -> dict[str, Any]:
    """The idle-land clock of one parcel row on ``as_of`` (MLR Order 53 Art. 2, 8, 14).

    ``row["locked"]`` is land_status.is_locked of its status (a row without it is locked
    land); an unlocked parcel is a candidate: not started a year after the agreed start.
    """
    cfg = rules("idle_land")
    since = row.get("idle_since")
    candidate = not row.get("locked", True)
    if since is None and row.get("agreed_start_on") and row.get("actual_start_on") is None:
        since = row["agreed_start_on"]
    out = dict(row)
    out["candidate"] = candidate
    why = _WHY["candidate" if candidate else row["status"]]
    out["reason_zh"], out["reason_en"] = why
    if row.get("case_no"):
        out["reason_zh"] += f"；案件 {row['case_no']}"
        out["reason_en"] += f"; case {row['case_no']}"
    out["idle_since"] = since
    if since is None:
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
    fee_from = since + relativedelta(years=int(cfg["fee_after_years"]))
    recovery_from = since + relativedelta(years=int(cfg["recovery_after_years"]))
    gov = bool(row.get("government_cause"))
    days = (as_of - since).days
    price = row.get("land_price_yuan")
    fee_due = not gov and as_of >= fee_from
    out.update(
        idle_days=max(days, 0),
        idle_years=round(max(days, 0) / 365.25, 2),
        government_cause_applies=gov,
        fee_due=fee_due,
        fee_due_from=fee_from,
        fee_yuan=(
            round(float(price) * float(cfg["fee_share_of_land_price"]), 2)
            if fee_due and price is not None
            else None
        ),
        recovery_eligible=not gov and as_of >= recovery_from,
        recovery_eligible_from=recovery_from,
    )
    return out


def idle_clocks(conn: Connection, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every locked parcel (and idle candidate) with why it is locked and its clocks."""
    day = today(as_of)
    cutoff = day - relativedelta(years=int(rules("idle_land")["not_started_after_years"]))
    rows = conn.execute(text(_SQL), {"cutoff": cutoff}).mappings()
    return [clock(dict(r), day) for r in rows]


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
    target = float(rules("anhui")["yearly_disposal_share_target"])
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
    ("idle_since", "闲置起始日期", "Idle since"),
    ("idle_days", "闲置天数", "Idle days"),
    ("government_cause", "政府原因", "Government cause"),
    ("fee_due", "应征闲置费", "Fee due"),
    ("fee_yuan", "闲置费(元)", "Idle-land fee (yuan)"),
    ("recovery_eligible", "可无偿收回", "Recovery eligible"),
    ("recovery_eligible_from", "可收回日期", "Recovery eligible from"),
    ("case_no", "破产案号", "Case number"),
]


#: Kinds of the ledger's columns that are not text (:mod:`parkgis.documents.xlsx`).
_LEDGER_KINDS: dict[str, xlsx.Kind] = {
    "area_m2": "m2",
    "area_mu": "mu",
    "agreed_start_on": "date",
    "idle_since": "date",
    "idle_days": "integer",
    "fee_yuan": "yuan",
    "recovery_eligible_from": "date",
}


def _ledger_value(conn: Connection, key: str, row: dict[str, Any], lang: Lang) -> Any:
    value = row.get(key)
    if key == "status":
        return codes.label(conn, "land_status", value, lang)
    if key == "reason_zh" and lang == "en":
        return row.get("reason_en")
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
