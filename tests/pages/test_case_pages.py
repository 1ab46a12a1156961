"""The court's case pages: the list with filters, a case with its deadlines, transitions."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from parkgis.release.deadlines import allowed_next
from tests.pages.conftest import AS_OF, COURT, StaffPark, form_token, sign_in

DAY = {"as_of": AS_OF.isoformat()}


def _case(staff_park: StaffPark, where: str) -> dict[str, object]:
    with staff_park.engine.connect() as conn:
        return dict(
            conn.execute(text(f"SELECT * FROM bankruptcy_case WHERE {where} ORDER BY id LIMIT 1"))
            .mappings()
            .one()
        )


def _events(staff_park: StaffPark, case_id: object) -> int:
    with staff_park.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM case_event WHERE case_id = :c"), {"c": case_id}
            ).scalar_one()
        )


def test_the_list_shows_the_courts_own_cases_with_filters(
    web: TestClient, staff_park: StaffPark
) -> None:
    sign_in(web, staff_park.keys["court-clerk"])
    page = web.get("/staff/cases", params=DAY).text
    with staff_park.engine.connect() as conn:
        own = conn.execute(
            text("SELECT count(*) FROM bankruptcy_case WHERE court = :c"), {"c": COURT}
        ).scalar_one()
    assert f"显示 {own} 件，共 {own} 件" in page
    assert "淮北市中级人民法院" not in page
    closed = web.get("/staff/cases", params={**DAY, "stage": "closed"}).text
    assert "显示 1 件" in closed and "终结" in closed
    late = web.get("/staff/cases", params={**DAY, "overdue": "true"}).text
    assert "逾期" in late and f"共 {own} 件" in late
    sign_in(web, staff_park.keys["land-analyst"])
    everything = web.get("/staff/cases", params=DAY).text
    assert "淮北市中级人民法院" in everything  # the land bureau reads every court's cases


def test_a_case_page_shows_deadlines_with_their_article(
    web: TestClient, staff_park: StaffPark
) -> None:
    case = _case(staff_park, f"court = '{COURT}' AND stage = 'claims_period'")
    sign_in(web, staff_park.keys["court-clerk"])
    page = web.get(f"/staff/cases/{case['id']}", params=DAY).text
    assert "《企业破产法》第六十二条" in page and "还剩 8 天" in page
    assert "法定期限" in page and "案件进程" in page and "联动任务" in page
    assert '<figure class="case-map"' in page and "<svg" in page  # the parcels drawn
    assert "地上无厂房" in page or " 层，" in page  # the buildings on them, in words
    assert "预计土地释放" in page
    english = web.get(f"/staff/cases/{case['id']}", params={**DAY, "lang": "en"}).text
    assert "Enterprise Bankruptcy Law Art. 62" in english and "8 days left" in english


def test_only_the_transitions_the_procedure_allows_are_offered(
    web: TestClient, staff_park: StaffPark
) -> None:
    case = _case(staff_park, f"court = '{COURT}' AND stage = 'claims_period'")
    sign_in(web, staff_park.keys["court-clerk"])
    page = web.get(f"/staff/cases/{case['id']}", params=DAY).text
    offered = set(re.findall(r'name="stage" value="([a-z_]+)"', page))
    assert offered == set(allowed_next(str(case["procedure"]), "claims_period"))
    assert 'value="closed"' not in page
    sign_in(web, staff_park.keys["land-analyst"])  # reads, but records nothing
    assert 'name="stage"' not in web.get(f"/staff/cases/{case['id']}", params=DAY).text


def test_a_blocked_transition_is_refused_in_words_and_changes_nothing(
    web: TestClient, staff_park: StaffPark
) -> None:
    case = _case(staff_park, f"court = '{COURT}' AND stage = 'asset_disposal'")
    before = _events(staff_park, case["id"])
    sign_in(web, staff_park.keys["court-clerk"])
    page = web.get(f"/staff/cases/{case['id']}")
    r = web.post(
        f"/staff/cases/{case['id']}/stage",
        data={"csrf_token": form_token(page.text), "stage": "distribution",
              "on": AS_OF.isoformat(), "version": str(case["version"])},
    )  # fmt: skip
    assert r.status_code == 409
    assert "以下联动任务未完成，案件不能进入“财产分配”" in r.text
    message = re.search(r'href="#move-distribution">([^<]*)<', r.text).group(1)  # type: ignore[union-attr]
    assert not re.search(r"[A-Za-z_]{3,}", message)  # words, no codes
    assert _case(staff_park, f"id = {case['id']}")["version"] == case["version"]
    assert _events(staff_park, case["id"]) == before


def test_an_allowed_transition_is_recorded(web: TestClient, staff_park: StaffPark) -> None:
    case = _case(staff_park, f"court = '{COURT}' AND stage = 'application'")
    sign_in(web, staff_park.keys["court-clerk"])
    page = web.get(f"/staff/cases/{case['id']}")
    form = {"csrf_token": form_token(page.text), "stage": "accepted", "on": AS_OF.isoformat(),
            "version": str(case["version"])}  # fmt: skip
    missing = web.post(f"/staff/cases/{case['id']}/stage", data=form)
    assert missing.status_code == 409 and "受理时必须填写“破”字案号" in missing.text
    r = web.post(
        f"/staff/cases/{case['id']}/stage",
        data={**form, "case_no": "(2026)皖0604破7号", "note": "裁定受理"},
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?done=accepted")
    after = web.get(r.headers["location"]).text
    assert "已记录：案件进入“已受理”。" in after and "裁定受理" in after
    assert _case(staff_park, f"id = {case['id']}")["stage"] == "accepted"
    stale = web.post(f"/staff/cases/{case['id']}/stage", data={**form, "stage": "claims_period"})
    assert stale.status_code == 409 and "请刷新后重试" in stale.text


def test_another_courts_case_is_a_not_found_page(web: TestClient, staff_park: StaffPark) -> None:
    other = _case(staff_park, "court = '淮北市中级人民法院'")
    sign_in(web, staff_park.keys["court-clerk"])
    r = web.get(f"/staff/cases/{other['id']}", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "找不到该页面或记录" in r.text
    assert r.headers["content-type"].startswith("text/html")
    sign_in(web, staff_park.keys["promotion-officer"])
    assert web.get(f"/staff/cases/{other['id']}").status_code == 403


def _pending_round(staff_park: StaffPark) -> dict[str, object]:
    with staff_park.engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT a.*, p.plot_no FROM auction a JOIN parcel p ON p.id = a.parcel_id "
                     "JOIN bankruptcy_case c ON c.id = a.case_id "
                     "WHERE a.result = 'pending' AND c.court = :c ORDER BY a.id LIMIT 1"),
                {"c": COURT},
            ).mappings().one()
        )  # fmt: skip


def _rounds(staff_park: StaffPark, parcel_id: object) -> list[str]:
    with staff_park.engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT result FROM auction WHERE parcel_id = :p ORDER BY round"),
                {"p": parcel_id},
            ).scalars()
        )


def test_an_auction_round_gets_its_result_and_the_next_round_is_checked(
    web: TestClient, staff_park: StaffPark
) -> None:
    from parkgis.labels import format as fmt

    pending = _pending_round(staff_park)
    case_id, parcel_id = pending["case_id"], pending["parcel_id"]
    sign_in(web, staff_park.keys["court-clerk"])
    page = web.get(f"/staff/cases/{case_id}").text
    assert f'/auctions/{pending["id"]}/result"' in page
    assert "上一轮待拍卖：不能再安排" in page
    with staff_park.engine.connect() as conn:
        unauctioned = conn.execute(
            text("SELECT count(*) FROM case_parcel cp JOIN parcel p ON p.id = cp.parcel_id "
                 "LEFT JOIN tenure t ON t.code = p.tenure WHERE cp.case_id = :c "
                 "AND coalesce(t.in_bankruptcy_estate, true) AND NOT EXISTS "
                 "(SELECT 1 FROM auction a WHERE a.parcel_id = p.id)"), {"c": case_id}
        ).scalar_one()  # fmt: skip
    if unauctioned:  # an estate parcel not yet auctioned: the first round's terms
        assert "起拍价不低于评估价的 70%（第十条）" in page
        assert "至少提前 30 日公告（第十二条）" in page
    token = form_token(page)
    # A sale needs its price and buyer; the round stays pending.
    url = f"/staff/cases/{case_id}/auctions/{pending['id']}/result"
    form = {"csrf_token": token, "version": str(pending["version"])}
    r = web.post(url, data={**form, "result": "sold", "sold_price_wan": "300"})
    assert r.status_code == 409 and "成交须填写成交价（大于零）和买受人" in r.text
    assert _rounds(staff_park, parcel_id) == ["pending"]
    r = web.post(url, data={**form, "result": "failed"})
    assert r.status_code == 303
    after = web.get(r.headers["location"]).text
    assert "已记录拍卖结果。" in after and "流拍" in after
    floor = float(pending["starting_price_yuan"]) * 0.8  # release.toml: 20 % at most
    assert f"起拍价不低于 {fmt.money(floor)}" in after
    assert "至少提前 15 日公告（第二十六条）" in after
    # The next round: too cheap, then too soon, are refused; a lawful one is posted.
    post = {"csrf_token": token, "parcel_id": str(parcel_id), "mode": "online_auction",
            "appraisal_wan": str(float(pending["appraisal_yuan"]) / 10_000),
            "announced_on": "2026-12-05", "auction_on": "2026-12-25"}  # fmt: skip
    cheap = str(floor / 10_000 - 1)
    r = web.post(f"/staff/cases/{case_id}/auctions", data={**post, "starting_price_wan": cheap})
    assert r.status_code == 409 and "降价幅度不得超过上一轮起拍价的 20%" in r.text
    fair = str(round(floor / 10_000 + 1, 2))
    soon = {**post, "starting_price_wan": fair, "auction_on": "2026-12-15"}
    r = web.post(f"/staff/cases/{case_id}/auctions", data=soon)
    assert r.status_code == 409 and "应至少提前 15 日公告" in r.text
    assert _rounds(staff_park, parcel_id) == ["failed"]
    r = web.post(f"/staff/cases/{case_id}/auctions", data={**post, "starting_price_wan": fair})
    assert r.status_code == 303, r.text
    assert _rounds(staff_park, parcel_id) == ["failed", "pending"]
    assert "已安排新一轮拍卖。" in web.get(r.headers["location"]).text
