"""Judicial auctions of estate land (司法拍卖), validated against the rules between rounds.

Enterprise Bankruptcy Law Art. 112: the estate is sold by auction unless the creditors'
meeting decides otherwise. The rounds follow 最高人民法院关于人民法院网络司法拍卖若干问题的
规定 (法释〔2016〕18号), numbers in release.toml [judicial_auction]:

- Art. 10 para. 2: the starting price (起拍价, the reserve) is at least 70 % of the appraisal;
- Art. 12 para. 1: real estate is announced at least 30 days before the first round;
- Art. 26 para. 1: after a failed round, real estate is announced at least 15 days before
  the next one, whose starting price is at most 20 % below the previous round's;
- Art. 26 para. 2: after the second round fails, the parcel is sold (变卖) instead.

Estate parcels are real estate: the movables periods (15 and 7 days) never apply. That
these provisions govern the administrator's sale of estate land is the courts' practice [?].
Allocated (划拨) land is outside the estate and cannot be auctioned.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import ConflictError, ValidationError
from parkgis.labels import format as fmt
from parkgis.release.cases import case_parcels, get_case
from parkgis.release.pipeline import refresh_expected_release
from parkgis.rules import current as current_rules
from parkgis.rules.release import JudicialAuction

RESULTS = ("pending", "sold", "failed", "withdrawn")


def _refuse(field: str, zh: str, en: str, expected: Any, found: Any) -> ValidationError:
    return ValidationError(message=zh, message_en=en, field=field, expected=expected, found=found)


def _check_notice(auction: dict[str, Any], *, later_round: bool, cfg: JudicialAuction) -> None:
    """Announcement period of a round of real estate: Art. 12 (first), Art. 26 (after a failure)."""
    need, article, article_en = (
        (cfg.later_round_notice_days, "第二十六条", 26)
        if later_round
        else (cfg.first_round_notice_days, "第十二条", 12)
    )
    notice = (auction["auction_on"] - auction["announced_on"]).days
    if notice < need:
        which_zh, which_en = (
            ("流拍后再次拍卖", "a later round") if later_round else ("首次拍卖", "the first round")
        )
        raise _refuse(
            "auction_on",
            f"不动产{which_zh}应至少提前 {need} 日公告（网络司法拍卖规定{article}），"
            f"实际提前 {notice} 日",
            f"real estate must be announced at least {need} days before {which_en} "
            f"(SPC online judicial auction provisions, Art. {article_en}); found {notice}",
            f">= {need} days",
            notice,
        )


def validate_auction(  # noqa: C901 - one check per rule of 法释〔2016〕18号, in the order a clerk reads them
    auction: dict[str, Any], earlier: list[dict[str, Any]], cfg: JudicialAuction | None = None
) -> None:
    """Check one auction round against the earlier rounds of the same parcel."""
    cfg = cfg or current_rules().judicial_auction
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
    failed = [a for a in earlier if a["result"] == "failed" and a["mode"] == "online_auction"]
    if mode == "online_auction":
        _check_notice(auction, later_round=bool(failed), cfg=cfg)
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
    need = cfg.negotiate_after_failed_rounds
    if mode == "online_auction" and len(failed) >= need:
        raise _refuse(
            "mode",
            f"已流拍{len(failed)}次，依规应转为变卖（协商）",
            f"after {need} failed rounds the parcel is sold by negotiation (Art. 26 para. 2)",
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
        share = cfg.min_start_share_of_appraisal
        floor = share * appraisal
        if start < floor - 0.005:
            raise _refuse(
                "starting_price_yuan",
                f"起拍价不得低于评估价的 {fmt.percent(share, digits=0)}"
                f"（{fmt.yuan(floor, digits=2)}，网络司法拍卖规定第十条）",
                f"the starting price must be at least {fmt.percent(share, 'en', 0)} of the "
                f"appraisal ({fmt.yuan(floor, 'en', 2)}; Art. 10)",
                round(floor, 2),
                start,
            )
    if mode == "online_auction" and earlier:
        prev = float(earlier[-1]["starting_price_yuan"])
        cut = cfg.max_reduction_per_round
        floor = prev * (1 - cut)
        if start < floor - 0.005:
            raise _refuse(
                "starting_price_yuan",
                f"降价幅度不得超过上一轮起拍价的 {fmt.percent(cut, digits=0)}"
                f"（不低于 {fmt.yuan(floor, digits=2)}，第二十六条）",
                f"a round may start at most {fmt.percent(cut, 'en', 0)} below the previous "
                f"one ({fmt.yuan(floor, 'en', 2)}; Art. 26)",
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
