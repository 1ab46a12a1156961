"""Judicial auctions of estate land (司法拍卖), validated against the rules between rounds.

Enterprise Bankruptcy Law Art. 112 (sale by auction unless the creditors decide otherwise);
SPC provisions on online judicial auctions (2016): first-round starting price >= 70 % of the
appraisal; real estate announced >= 30 days ahead; after a failed round the price may drop by
at most 20 %; after the second failure, sale by negotiation. Numbers: release.toml
[judicial_auction]. Allocated (划拨) land is outside the estate and cannot be auctioned.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import ConflictError, ValidationError
from parkgis.release._common import rules
from parkgis.release.cases import case_parcels, get_case
from parkgis.release.pipeline import refresh_expected_release

RESULTS = ("pending", "sold", "failed", "withdrawn")


def _refuse(field: str, zh: str, en: str, expected: Any, found: Any) -> ValidationError:
    return ValidationError(message=zh, message_en=en, field=field, expected=expected, found=found)


def validate_auction(
    auction: dict[str, Any], earlier: list[dict[str, Any]], cfg: dict[str, Any] | None = None
) -> None:
    """Check one auction round against the earlier rounds of the same parcel."""
    cfg = cfg or rules("judicial_auction")
    rnd, mode = int(auction["round"]), auction.get("mode", "online_auction")
    appraisal, start = float(auction["appraisal_yuan"]), float(auction["starting_price_yuan"])
    if appraisal <= 0 or start <= 0:
        raise _refuse(
            "starting_price_yuan",
            "评估价和起拍价必须大于零",
            "prices must be positive",
            "> 0",
            start,
        )
    notice = (auction["auction_on"] - auction["announced_on"]).days
    if mode == "online_auction" and notice < int(cfg["real_estate_notice_days"]):
        raise _refuse(
            "auction_on",
            f"不动产拍卖应提前{cfg['real_estate_notice_days']}日公告，实际 {notice} 日",
            f"real estate must be announced {cfg['real_estate_notice_days']} days ahead; "
            f"found {notice}",
            f">= {cfg['real_estate_notice_days']} days",
            notice,
        )
    failed = [a for a in earlier if a["result"] == "failed" and a["mode"] == "online_auction"]
    if any(a["result"] in ("pending", "sold") for a in earlier):
        raise ConflictError(
            message="该地块已有待拍或已成交的拍卖，不能再安排",
            message_en="the parcel already has a pending or sold auction",
            field="parcel_id",
            expected="earlier rounds failed or withdrawn",
            found=[a["result"] for a in earlier],
        )
    want = int(auction.get("expected_round") or len(earlier) + 1)
    if rnd != want:
        raise _refuse("round", f"轮次应为 {want}", f"round should be {want}", want, rnd)
    need = int(cfg["negotiate_after_failed_rounds"])
    if mode == "online_auction" and len(failed) >= need:
        raise _refuse(
            "mode",
            f"已流拍{len(failed)}次，依规应转为变卖（协商）",
            "after the second failed round the sale is by negotiation",
            "negotiated",
            mode,
        )
    if mode == "negotiated" and len(failed) < need:
        raise _refuse(
            "mode",
            f"流拍{need}次后方可变卖，目前流拍{len(failed)}次",
            f"negotiated sale only after {need} failed rounds; found {len(failed)}",
            "online_auction",
            mode,
        )
    if mode == "online_auction" and not earlier:
        floor = float(cfg["min_start_share_of_appraisal"]) * appraisal
        if start < floor - 0.005:
            raise _refuse(
                "starting_price_yuan",
                f"首轮起拍价不得低于评估价的70%（{floor:.2f}元）",
                f"first-round starting price must be >= 70 % of the appraisal ({floor:.2f})",
                round(floor, 2),
                start,
            )
    if mode == "online_auction" and earlier:
        prev = float(earlier[-1]["starting_price_yuan"])
        floor = prev * (1 - float(cfg["max_reduction_per_round"]))
        if start < floor - 0.005:
            raise _refuse(
                "starting_price_yuan",
                f"降价幅度不得超过上一轮起拍价的20%（不低于 {floor:.2f} 元）",
                f"a round may drop at most 20 % below the previous start ({floor:.2f})",
                round(floor, 2),
                start,
            )
    result = auction.get("result", "pending")
    if result not in RESULTS:
        raise _refuse(
            "result", f"未知结果 {result}", f"unknown result {result!r}", list(RESULTS), result
        )
    if (result == "sold") != (auction.get("sold_price_yuan") is not None):
        raise _refuse(
            "sold_price_yuan",
            "成交时须填写成交价，未成交不得填写",
            "sold_price_yuan is given exactly when the result is sold",
            "sold <=> price",
            auction.get("sold_price_yuan"),
        )


def add_auction(
    conn: Connection, case_id: int, auction: dict[str, Any], as_of: date | None = None
) -> dict[str, Any]:
    """Record an auction round of an estate parcel of a case in asset disposal."""
    case = get_case(conn, case_id, as_of)
    if case["stage"] != "asset_disposal":
        raise ConflictError(
            message=f"案件处于“{case['stage_zh']}”阶段，只有财产变价阶段可安排拍卖（第一百一十二条）",
            message_en=f"case is at {case['stage']}; auctions only in asset_disposal (Art. 112)",
            field="stage",
            expected="asset_disposal",
            found=case["stage"],
        )
    parcels = {p["parcel_id"]: p for p in case_parcels(conn, case_id)}
    pid = auction.get("parcel_id")
    if pid not in parcels:
        raise _refuse(
            "parcel_id",
            f"地块 {pid} 不属于本案",
            f"parcel {pid} is not linked to this case",
            sorted(parcels),
            pid,
        )
    if not parcels[pid]["in_estate"]:
        raise ConflictError(
            message=f"地块 {parcels[pid]['plot_no']} 为划拨用地，不属于破产财产，不能拍卖",
            message_en="allocated land is outside the estate and cannot be auctioned",
            field="parcel_id",
            expected="land in the estate",
            found=parcels[pid]["tenure"],
        )
    earlier = [a for a in case["auctions"] if a["parcel_id"] == pid and a["result"] != "withdrawn"]
    auction = {"mode": "online_auction", "result": "pending", **auction}
    used = [int(a["round"]) for a in case["auctions"] if a["parcel_id"] == pid]
    auction["expected_round"] = max(used, default=0) + 1
    auction.setdefault("round", auction["expected_round"])
    validate_auction(auction, earlier)
    aid = int(
        conn.execute(
            text(
                "INSERT INTO auction (case_id, parcel_id, round, mode, appraisal_yuan, "
                "starting_price_yuan, "
                "announced_on, auction_on, result, sold_price_yuan, buyer) "
                "VALUES (:case_id, :parcel_id, "
                ":round, :mode, :appraisal_yuan, :starting_price_yuan, :announced_on, :auction_on, "
                ":result, :sold_price_yuan, :buyer) RETURNING id"
            ),
            {
                "case_id": case_id,
                "sold_price_yuan": None,
                "buyer": None,
                **{
                    k: auction.get(k)
                    for k in (
                        "parcel_id",
                        "round",
                        "mode",
                        "appraisal_yuan",
                        "starting_price_yuan",
                        "announced_on",
                        "auction_on",
                        "result",
                        "sold_price_yuan",
                        "buyer",
                    )
                },
            },
        ).scalar_one()
    )
    refresh_expected_release(conn, case_id, as_of)
    row = conn.execute(text("SELECT * FROM auction WHERE id = :id"), {"id": aid}).mappings().one()
    return dict(row)
