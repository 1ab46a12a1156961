"""After a round is posted: its result, and what the next round of that parcel must respect.

A posted round (``parkgis.release.auctions.add_auction``) is pending until the court
records its result: sold (with the price and the buyer), failed (流拍) or withdrawn.
The next round of a parcel follows 法释〔2016〕18号 (numbers in release.toml
[judicial_auction]): after a failure its starting price is at most
``max_reduction_per_round`` below the failed round's (Art. 26 para. 1) and it is announced
at least ``later_round_notice_days`` before (Art. 26 para. 1); after
``negotiate_after_failed_rounds`` failures the parcel is sold by negotiation (变卖,
Art. 26 para. 2). The first round starts at ``min_start_share_of_appraisal`` of the
appraisal at least (Art. 10) and is announced ``first_round_notice_days`` before (Art. 12).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from parkgis.errors import ConflictError, NotFoundError, ValidationError
from parkgis.release._common import check_version
from parkgis.release.pipeline import refresh_expected_release
from parkgis.rules import current as current_rules

#: Results a pending round can be given.
FINAL_RESULTS = ("sold", "failed", "withdrawn")


def _rounds(conn: Connection, case_id: int, parcel_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            "SELECT * FROM auction WHERE case_id = :c AND parcel_id = :p AND result <> 'withdrawn' "
            "ORDER BY round"
        ),
        {"c": case_id, "p": parcel_id},
    ).mappings()
    return [dict(r) for r in rows]


def next_round_terms(conn: Connection, case_id: int, parcel_id: int) -> dict[str, Any]:
    """What the next round of ``parcel_id`` must respect, or why there is none.

    Keys: ``open`` (a round may be posted), ``reason`` (when not: ``pending`` or ``sold``),
    ``round``, ``mode``, ``notice_days``, ``min_start_yuan`` (None for the first round:
    it depends on the appraisal, ``min_start_share``), ``failed``.
    """
    cfg = current_rules().judicial_auction
    earlier = _rounds(conn, case_id, parcel_id)
    blocking = [a for a in earlier if a["result"] in ("pending", "sold")]
    failed = [a for a in earlier if a["result"] == "failed" and a["mode"] == "online_auction"]
    terms: dict[str, Any] = {
        "open": not blocking,
        "reason": blocking[-1]["result"] if blocking else None,
        "round": max((int(a["round"]) for a in earlier), default=0) + 1,
        "failed": len(failed),
        "min_start_share": cfg.min_start_share_of_appraisal,
        "max_cut": cfg.max_reduction_per_round,
    }
    if len(failed) >= cfg.negotiate_after_failed_rounds:
        terms.update(mode="negotiated", notice_days=None, min_start_yuan=None)
    elif failed:
        previous = float(earlier[-1]["starting_price_yuan"])
        floor = previous * (1 - cfg.max_reduction_per_round)
        terms.update(
            mode="online_auction",
            notice_days=cfg.later_round_notice_days,
            min_start_yuan=round(floor, 2),
        )
    else:
        terms.update(
            mode="online_auction",
            notice_days=cfg.first_round_notice_days,
            min_start_yuan=None,
        )
    return terms


def record_result(
    conn: Connection,
    case_id: int,
    auction_id: int,
    expected_version: int,
    result: str,
    sold_price_yuan: float | None = None,
    buyer: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Record a pending round's result (sold with price and buyer, failed or withdrawn)."""
    row = (
        conn.execute(
            text("SELECT * FROM auction WHERE id = :id AND case_id = :c"),
            {"id": auction_id, "c": case_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(
            message=f"本案没有编号为 {auction_id} 的拍卖",
            message_en=f"no auction {auction_id} in this case",
            field="auction_id",
            found=auction_id,
        )
    check_version(conn, "auction", auction_id, expected_version)
    if row["result"] != "pending":
        raise ConflictError(
            message="该轮拍卖已有结果，不能再次记录",
            message_en="this round already has its result",
            field="result",
            expected="pending",
            found=row["result"],
        )
    _check_result(result, sold_price_yuan, buyer)
    sold = result == "sold"
    conn.execute(
        text(
            "UPDATE auction SET result = :r, sold_price_yuan = :p, buyer = :b "
            "WHERE id = :id AND version = :v"
        ),
        {
            "r": result,
            "p": sold_price_yuan if sold else None,
            "b": (buyer or "").strip() if sold else None,
            "id": auction_id,
            "v": expected_version,
        },
    )
    refresh_expected_release(conn, case_id, as_of)
    return dict(conn.execute(text("SELECT * FROM auction WHERE id = :id"), {"id": auction_id})
                .mappings().one())  # fmt: skip


def _check_result(result: str, price: float | None, buyer: str | None) -> None:
    if result not in FINAL_RESULTS:
        raise ValidationError(
            message="请选择拍卖结果：成交、流拍或撤回",
            message_en="choose the result: sold, failed or withdrawn",
            field="result",
            expected=list(FINAL_RESULTS),
            found=result,
        )
    if result == "sold" and (price is None or not price > 0 or not (buyer or "").strip()):
        raise ValidationError(
            message="成交须填写成交价（大于零）和买受人",
            message_en="a sale needs the price (above zero) and the buyer",
            field="sold_price_yuan" if not price or price <= 0 else "buyer",
            expected="price > 0 and buyer",
            found=price,
        )
