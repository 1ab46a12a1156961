"""The auction part of the court's case page: rounds in words, and the forms they need.

Each round reads as parcel, round, mode, starting price, date and result. While the
case is in asset disposal (Enterprise Bankruptcy Law Art. 112), the court sees for each
estate parcel the terms of its next round (``parkgis.release.auction_rounds``: minimum
starting price and notice period of 法释〔2016〕18号 Arts. 10, 12 and 26, or the sale by
negotiation after the second failure) and, for a pending round, the form of its result.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from parkgis.labels import codes
from parkgis.labels import format as fmt
from parkgis.labels.format import Lang
from parkgis.release.auction_rounds import FINAL_RESULTS, next_round_terms


def _tr(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def rounds(conn: Connection, case: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    """Every round of the case, with the result form's data for a pending one."""
    out = []
    for a in case["auctions"]:
        result = codes.label(conn, "auction_result", a["result"], lang)
        if a["result"] == "sold":
            result += " " + fmt.money(a["sold_price_yuan"], lang)
            result += _tr(lang, "，买受人 ", ", buyer ") + (a["buyer"] or fmt.missing(lang))
        out.append(
            {
                "id": a["id"],
                "version": a["version"],
                "pending": a["result"] == "pending",
                "title": f"{a['plot_no'] or fmt.missing(lang)} · "
                + _tr(lang, f"第 {a['round']} 轮", f"round {a['round']}"),
                "facts": [
                    codes.label(conn, "auction_mode", a["mode"], lang),
                    _tr(lang, "起拍价 ", "starting price ")
                    + fmt.money(a["starting_price_yuan"], lang),
                    _tr(lang, "公告 ", "announced ") + fmt.date(a["announced_on"], lang),
                    _tr(lang, "拍卖日 ", "auction on ") + fmt.date(a["auction_on"], lang),
                    result,
                ],
            }
        )
    return out


def result_options(conn: Connection, lang: Lang) -> list[tuple[str, str]]:
    """The results a pending round can be given, in words."""
    return [(r, codes.label(conn, "auction_result", r, lang)) for r in FINAL_RESULTS]


def _terms_words(terms: dict[str, Any], lang: Lang) -> list[str]:
    failed = terms["failed"]
    if terms["mode"] == "negotiated":
        zh = f"已流拍 {failed} 次：依规转为变卖（网络司法拍卖规定第二十六条第二款）"
        return [_tr(lang, zh, f"failed {failed} times: sold by negotiation (Art. 26 para. 2)")]
    if terms["min_start_yuan"] is None:
        share = fmt.percent(terms["min_start_share"], lang, 0)
        zh = f"起拍价不低于评估价的 {share}（第十条）"
        first = _tr(lang, zh, f"starting price at least {share} of the appraisal (Art. 10)")
    else:
        floor = fmt.money(terms["min_start_yuan"], lang)
        cut = fmt.percent(terms["max_cut"], lang, 0)
        zh = f"起拍价不低于 {floor}（比上一轮最多降 {cut}，第二十六条）"
        first = _tr(lang, zh, f"starting price at least {floor} (at most {cut} less, Art. 26)")
    article = ("第二十六条", "Art. 26") if failed else ("第十二条", "Art. 12")
    days = terms["notice_days"]
    notice = _tr(
        lang,
        f"至少提前 {days} 日公告（{article[0]}）",
        f"announced at least {days} days before ({article[1]})",
    )
    return [first, notice]


def next_rounds(conn: Connection, case: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    """For each estate parcel of a case in asset disposal: the next round's terms and form."""
    if case["stage"] != "asset_disposal":
        return []
    out = []
    for p in case["parcels"]:
        if not p["in_estate"]:
            continue
        terms = next_round_terms(conn, case["id"], p["parcel_id"])
        entry: dict[str, Any] = {
            "parcel_id": p["parcel_id"],
            "title": f"{p['plot_no']} · "
            + _tr(lang, f"第 {terms['round']} 轮", f"round {terms['round']}"),
            "open": terms["open"],
            "mode": terms["mode"],
            "mode_label": codes.label(conn, "auction_mode", terms["mode"], lang),
            "terms": _terms_words(terms, lang),
        }  # fmt: skip
        if not terms["open"]:
            reason = codes.label(conn, "auction_result", terms["reason"], lang)
            entry["terms"] = [
                _tr(lang, f"上一轮{reason}：不能再安排", f"last round {reason}: no new round")
            ]
        out.append(entry)
    return out
