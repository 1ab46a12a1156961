"""The map viewers in headless Chromium against a real uvicorn server, with no internet.

Debian's ``chromium`` (``make sysdeps``) driven by playwright's Python library with
``executable_path``; the page must load with no console error and no failed request
(any request leaving the loopback server counts as failed), draw the parcels, and a
filter must change what is drawn. Screenshots are left under ``test-output/``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import create_engine

from api.app import create_app
from api.vendor import vendor
from tests.maps.conftest import MapPark, map_settings
from tests.pages.conftest import sign_in_browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(database_url: str, pool_size: int = 10) -> Iterator[str]:
    """A real uvicorn server over ``database_url`` on a free loopback port, basemap none."""
    vendor()
    engine = create_engine(database_url, pool_size=pool_size)  # pooled, as in production
    app = create_app(settings=map_settings(), engine=engine)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
        engine.dispose()


@pytest.fixture
def server(map_park: MapPark) -> Iterator[str]:
    """The promotion map's server on the map park."""
    with live_server(map_park.url) as url:
        yield url


class Watch:
    """Console errors and failed requests of a page."""

    def __init__(self, page: Page, base: str) -> None:
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} {r.status}"))

        def outside(route: Any) -> None:
            self.failed.append(f"left the server: {route.request.url}")
            route.abort()

        page.route(lambda url: not url.startswith(base), outside)


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Page]:
    """A page of a fresh headless Chromium profile."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def _wait(page: Page, condition: str, timeout_ms: int = 20_000) -> None:
    page.wait_for_function(f"() => window.parkgisReady && ({condition})", timeout=timeout_ms)


def _visible(page: Page) -> dict[str, int]:
    return dict(page.evaluate("() => window.parkgisVisible"))


def _set_filter(page: Page, name: str, value: str) -> None:
    selector = f"#parkgis-filter-{name}"
    if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
        page.select_option(selector, value)
    else:
        page.fill(selector, value)
        page.dispatch_event(selector, "change")


def test_promotion_map_in_chromium(
    server: str, browser_page: Page, output_dir: Path, map_park: MapPark
) -> None:
    page = browser_page
    watch = Watch(page, server)
    page.goto(f"{server}/map", wait_until="load")
    # Visitors see the three parcels on offer (M-3 is in use), building B-1 and unit U-1.
    _wait(page, "window.parkgisVisible.parcels === 3 && window.parkgisVisible.units === 1")
    assert _visible(page) == {"parcels": 3, "buildings": 1, "units": 1}
    page.screenshot(path=str(output_dir / "promotion_map.png"))

    # A filter a visitor uses: at least 30 mu leaves M-2 (60 mu) and M-4 (33.75 mu).
    _set_filter(page, "area_mu_min", "30")
    _wait(page, "window.parkgisVisible.parcels === 2")
    assert _visible(page) == {"parcels": 2, "buildings": 1, "units": 0}
    _set_filter(page, "kind", "building")
    _wait(page, "window.parkgisVisible.parcels === 0")
    _set_filter(page, "area_mu_min", "")
    _set_filter(page, "floor_load_min", "20")
    _wait(page, "window.parkgisVisible.units === 1")
    assert "显示" in page.inner_text("#parkgis-count")
    _set_filter(page, "kind", "")
    _set_filter(page, "floor_load_min", "")
    _wait(page, "window.parkgisVisible.parcels === 3")

    # Search by plot number zooms to the parcel.
    page.fill("#parkgis-search", "M-2")
    page.press("#parkgis-search", "Enter")
    page.wait_for_function("() => (window.parkgisLastSearch || []).length === 1")
    _wait(page, "window.parkgisVisible.parcels >= 1")

    # A click on the parcel opens its popup with Chinese labels and the detail link.
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
    popup = page.inner_text(".parkgis-popup")
    assert "M-2" in popup and "地块编号" in popup and "面积 (亩)" in popup
    # Coded values as words, numbers with separators (M-2 is 200 m x 200 m).
    assert "净地" in popup and "二类工业用地" in popup and "40,000" in popup
    assert "available" not in popup and "100102" not in popup
    link = page.get_attribute(".parkgis-popup a", "href")
    assert link == f"/collections/parcels/items/{map_park.ids['M-2']}"
    page.screenshot(path=str(output_dir / "promotion_map_popup.png"))

    assert watch.errors == []
    assert watch.failed == []


def test_infrastructure_map_in_chromium(
    server: str, browser_page: Page, output_dir: Path, map_park: MapPark
) -> None:
    page = browser_page
    watch = Watch(page, server)
    page.goto(f"{server}/map/infrastructure")
    assert page.url.startswith(f"{server}/signin?next=")  # no session: the sign-in form
    sign_in_browser(page, server, map_park.keys["infrastructure"], "/map/infrastructure")
    assert page.url == f"{server}/map/infrastructure"
    _wait(page, "window.parkgisVisible.pipes === 1 && window.parkgisVisible.manholes === 2")
    seen = _visible(page)
    assert seen["parcels"] == 4 and seen["roads"] == 2
    page.screenshot(path=str(output_dir / "infrastructure_map.png"))
    assert watch.errors == []
    assert watch.failed == []
