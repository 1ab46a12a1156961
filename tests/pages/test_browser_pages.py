"""The staff pages in headless Chromium against a real server: sign-in, home, sign-out, XSS.

Debian's chromium driven by playwright (``executable_path``), no request leaving the
machine, no console error (a refused inline script would be one). Screenshots of each
step at phone (390x844) and desktop (1400x900) size are left under ``test-output/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import text

from parkgis import access, db
from tests.maps.test_browser import CHROMIUM_ARGS, Watch, live_server
from tests.pages.conftest import COURT, StaffPark, sign_in_browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
#: Stored markup that would run if any page put it into HTML unescaped.
ATTACK = (
    '恶意<img src=x onerror="window.__xss=(window.__xss||0)+1">'
    "<script>window.__xss=(window.__xss||0)+1</script>"
)
#: Words that must never stand in a page's text: missing values, codes, English statuses.
FORBIDDEN = re.compile(
    r"(?<![\w-])(None|null|undefined|NaN|nan|open|in_progress|done|overdue|submitted|vacant|"
    r"available|lift_seizure|tax_clearance|natural_res|land_bureau|department|court)(?![\w-])"
)


@pytest.fixture(scope="module")
def server(staff_park: StaffPark) -> Iterator[str]:
    """A real uvicorn server on the staff park, basemap none."""
    with live_server(staff_park.url, pool_size=5) as url:
        yield url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A fresh headless Chromium profile (new pages at any viewport)."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=executable, headless=True,
            args=CHROMIUM_ARGS, viewport=PHONE,
        )  # fmt: skip
        try:
            yield context
        finally:
            context.close()


def _phone_rules_broken(page: Page) -> list[str]:
    """Visible controls under 44x44 px, text under 14 px, or a page wider than the screen."""
    return list(
        page.evaluate(
            """() => {
                const out = [], W = window.innerWidth;
                if (document.documentElement.scrollWidth > W) out.push('wider than the screen');
                for (const el of document.querySelectorAll('a, button, input, select, textarea')) {
                    const r = el.getBoundingClientRect();
                    if (!r.width || !r.height || r.right < 0 || r.left > W) continue;
                    if (r.height < 44 || r.width < 44)
                        out.push(`small target: ${el.outerHTML.slice(0, 80)}`);
                }
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                    const el = walker.currentNode.parentElement;
                    const empty = !walker.currentNode.textContent.trim();
                    if (empty || !el.getClientRects().length) continue;
                    const size = parseFloat(getComputedStyle(el).fontSize);
                    if (size < 14) out.push(`small text ${size}px: ${el.textContent.slice(0, 40)}`);
                }
                return out;
            }"""
        )
    )


def _words_broken(page: Page) -> list[str]:
    return FORBIDDEN.findall(page.inner_text("main") + page.inner_text("header"))


def test_sign_in_home_and_sign_out_at_phone_and_desktop_size(
    server: str, browser: Any, staff_park: StaffPark, output_dir: Path
) -> None:
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page = browser.new_page()
        page.set_viewport_size(size)
        watch = Watch(page, server)
        page.goto(f"{server}/staff")
        assert page.url == f"{server}/signin?next=/staff"  # no session yet
        assert page.inner_text("h1") == "工作人员登录"
        page.screenshot(path=str(output_dir / f"{size_name}_1_signin.png"), full_page=True)
        assert _phone_rules_broken(page) == []
        sign_in_browser(page, server, staff_park.keys["court-clerk"])
        assert page.url == f"{server}/staff"
        card = page.inner_text("[data-testid=user-card]")
        assert "court-clerk" in card and "法院/管理人" in card and COURT in card
        assert int(page.inner_text("[data-testid=count-tasks]")) > 0
        page.screenshot(path=str(output_dir / f"{size_name}_2_staff_home.png"), full_page=True)
        assert _phone_rules_broken(page) == [] and _words_broken(page) == []
        page.click("a[hreflang=en]")
        assert page.inner_text("h1") == "What to do today"
        assert "Court / administrator" in page.inner_text("[data-testid=user-card]")
        page.screenshot(path=str(output_dir / f"{size_name}_3_staff_home_en.png"), full_page=True)
        page.click("a[hreflang=zh]")
        with page.expect_navigation():
            page.click("text=退出登录")
        assert page.url == f"{server}/signin?out=true"
        assert "您已退出登录" in page.inner_text("main")
        page.goto(f"{server}/staff")
        assert page.url.startswith(f"{server}/signin")  # the session is gone
        assert watch.errors == [] and watch.failed == []
        page.close()


def test_a_wrong_key_is_shown_beside_the_field(server: str, browser: Any, output_dir: Path) -> None:
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/signin")
    page.fill("#key", "pk_not_a_key_at_all")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "密钥无效或已撤销" in page.inner_text(".field-error")
    assert page.evaluate("document.activeElement.className") == "error-summary"
    page.screenshot(path=str(output_dir / "signin_error_phone.png"), full_page=True)
    assert _phone_rules_broken(page) == [] and _words_broken(page) == []


def test_case_pages_at_phone_and_desktop_size(
    server: str, browser: Any, staff_park: StaffPark, output_dir: Path
) -> None:
    page = browser.new_page()
    watch = Watch(page, server)
    sign_in_browser(page, server, staff_park.keys["court-clerk"])
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"{server}/staff/cases")
        assert "破产案件" in page.inner_text("h1")
        page.screenshot(path=str(output_dir / f"{size_name}_cases.png"), full_page=True)
        assert _phone_rules_broken(page) == [] and _words_broken(page) == []
        page.click(".items a >> nth=1")
        assert "/staff/cases/" in page.url
        assert "法定期限" in page.inner_text("main")
        page.screenshot(path=str(output_dir / f"{size_name}_case.png"), full_page=True)
        assert _phone_rules_broken(page) == [] and _words_broken(page) == []
        if page.locator("form.move button").count():
            with page.expect_navigation():
                page.click("form.move button >> nth=0")  # a refusal or a record: words
            after = output_dir / f"{size_name}_case_after_move.png"
            page.screenshot(path=str(after), full_page=True)
            assert _words_broken(page) == []
    # A refusal is a page with status 409 (Chromium logs that status): nothing else failed.
    assert [e for e in watch.errors if "status of 409" not in e] == []
    assert [f for f in watch.failed if not f.endswith(" 409")] == []


@pytest.fixture(scope="module")
def marked_park(staff_park: StaffPark) -> dict[str, Any]:
    """Markup stored in public text fields (park, parcel, road names) and staff ones (debtor,
    task titles, enquiry project, administrator, a user's name)."""
    with staff_park.engine.begin() as conn:
        db.set_actor(conn, "pytest")
        conn.execute(text("UPDATE zone SET name_zh = :a"), {"a": ATTACK})
        conn.execute(text("UPDATE road_segment SET name = :a"), {"a": ATTACK})
        parcel = conn.execute(
            text("UPDATE parcel SET name = :a WHERE id = (SELECT min(p.id) FROM parcel p "
                 "JOIN land_status s ON s.code = p.status WHERE s.is_public) "
                 "RETURNING id, plot_no")
        , {"a": ATTACK}).one()  # fmt: skip
        case_id = conn.execute(
            text("SELECT min(id) FROM bankruptcy_case WHERE court = :c"), {"c": COURT}
        ).scalar_one()
        conn.execute(
            text("UPDATE firm SET name = :a WHERE id IN "
                 "(SELECT debtor_firm_id FROM bankruptcy_case WHERE court = :c)"),
            # A firm name may not appear in a parcel name (the parcel above holds ATTACK).
            {"a": ATTACK + "有限公司", "c": COURT},
        )  # fmt: skip
        conn.execute(text("UPDATE joint_task SET title = :a"), {"a": ATTACK})
        conn.execute(text("UPDATE bankruptcy_case SET administrator = :a"), {"a": ATTACK})
        conn.execute(text("UPDATE investor_enquiry SET project_name = :a"), {"a": ATTACK})
        _, key = access.create_user(conn, ATTACK, "admin")
    return {"plot_no": parcel.plot_no, "case_id": case_id, "admin_key": key}


_OPEN_EVERY_POPUP = """async () => {
    const name = Object.keys(window).find(k => k.startsWith('map_') && window[k].getZoom);
    const map = window[name];
    let opened = 0, injected = 0;
    const layers = [];
    map.eachLayer(l => { if (l.getPopup && l.getPopup()) layers.push(l); });
    for (const l of layers) {
        l.openPopup();
        opened += 1;
        await new Promise(r => setTimeout(r, 150));
        const bad = '.leaflet-popup img[src="x"], .leaflet-popup script';
        injected += document.querySelectorAll(bad).length;
    }
    return [opened, injected];
}"""


def _no_script_ran(page: Page) -> None:
    page.wait_for_timeout(300)  # an <img onerror> fires after its failed load
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0


def test_stored_markup_never_runs_on_any_page(
    server: str, browser: Any, marked_park: dict[str, Any], output_dir: Path
) -> None:
    page = browser.new_page()
    page.set_viewport_size(DESKTOP)
    watch = Watch(page, server)
    # The visitor's map: the park boundary's popup (folium) and a parcel's (vector tiles).
    page.goto(f"{server}/map", wait_until="load")
    page.wait_for_function("() => window.parkgisReady", timeout=30_000)
    opened, injected = page.evaluate(_OPEN_EVERY_POPUP)
    assert opened >= 1 and injected == 0
    assert "<img src=x" in page.inner_text(".leaflet-popup")  # shown as text
    page.fill("#parkgis-search", marked_park["plot_no"])
    page.press("#parkgis-search", "Enter")
    page.wait_for_function("() => (window.parkgisLastSearch || []).length >= 1")
    page.wait_for_function("() => window.parkgisReady", timeout=30_000)
    point = page.evaluate(
        """() => {
            const name = Object.keys(window).find(k => k.startsWith('map_') && window[k].getZoom);
            const map = window[name], hit = window.parkgisLastSearch[0].bbox;
            const p = map.latLngToContainerPoint([(hit[1] + hit[3]) / 2, (hit[0] + hit[2]) / 2]);
            const box = map.getContainer().getBoundingClientRect();
            return [p.x + box.left, p.y + box.top];
        }"""
    )
    page.mouse.click(point[0], point[1])
    page.wait_for_selector(".parkgis-popup", timeout=10_000)
    assert "<img src=x" in page.inner_text(".parkgis-popup")
    _no_script_ran(page)
    page.screenshot(path=str(output_dir / "xss_map_popup.png"))
    # The staff pages, signed in as the admin whose own name is markup.
    sign_in_browser(page, server, marked_park["admin_key"])
    assert "<img src=x" in page.inner_text("[data-testid=user-card]")
    assert "<img src=x" in page.inner_text("#tasks")
    _no_script_ran(page)
    page.screenshot(path=str(output_dir / "xss_staff_home.png"), full_page=True)
    for path in (f"/cases/{marked_park['case_id']}/dossier", "/map/infrastructure"):
        page.goto(f"{server}{path}", wait_until="load")
        if path.startswith("/map"):
            page.wait_for_function("() => window.parkgisReady", timeout=30_000)
            assert page.evaluate(_OPEN_EVERY_POPUP)[1] == 0
        _no_script_ran(page)
    assert watch.errors == [] and watch.failed == []
