"""Security headers: a CSP on every HTML page, nonces on the map pages' own scripts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.pages.conftest import StaffPark, sign_in

HTML = {"Accept": "text/html"}


def _script_src(policy: str) -> str:
    return next(p for p in policy.split(";") if p.strip().startswith("script-src"))


def _check_html_headers(response: object) -> str:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-type"].startswith("text/html")
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    scripts = _script_src(policy)
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    return policy


def test_every_html_page_has_the_headers(web: TestClient, staff_park: StaffPark) -> None:
    with staff_park.engine.connect() as conn:
        case_id = conn.execute(
            text("SELECT min(id) FROM bankruptcy_case WHERE court = '烈山区人民法院'")
        ).scalar_one()
        unit_id = conn.execute(text("SELECT min(id) FROM building_unit")).scalar_one()
    pages = ["/signin", "/map", "/?f=html", "/docs", "/redoc", f"/sites/unit/{unit_id}/brochure"]
    for path in pages:
        _check_html_headers(web.get(path, headers=HTML))
    sign_in(web, staff_park.keys["court-clerk"])
    for path in ("/staff", f"/cases/{case_id}/dossier", "/staff?lang=en"):
        _check_html_headers(web.get(path, headers=HTML))
    sign_in(web, staff_park.keys["pipe-engineer"])
    _check_html_headers(web.get("/map/infrastructure", headers=HTML))
    # Refusals shown as pages carry them too.
    _check_html_headers(web.get(f"/cases/{case_id}/dossier", headers=HTML))


def test_json_answers_are_not_sniffed(web: TestClient) -> None:
    r = web.get("/collections")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in r.headers


def test_map_pages_run_only_their_own_nonced_scripts(web: TestClient) -> None:
    r = web.get("/map", headers=HTML)
    nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)  # type: ignore[union-attr]
    tags = re.findall(r"<script\b[^>]*>", r.text)
    assert tags and all(f'nonce="{nonce}"' in tag for tag in tags)
    again = web.get("/map", headers=HTML).headers["content-security-policy"]
    assert f"'nonce-{nonce}'" not in again  # a fresh nonce per response


def test_our_pages_have_no_inline_script(web: TestClient) -> None:
    page = web.get("/signin").text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert 'content="width=device-width, initial-scale=1"' in page
    assert "user-scalable" not in page and "maximum-scale" not in page


def test_the_api_docs_are_served_offline(web: TestClient) -> None:
    for path, assets in (
        ("/docs", ("/static/vendor/swagger-ui/swagger-ui-bundle.js",
                   "/static/vendor/swagger-ui/swagger-ui.css")),
        ("/redoc", ("/static/vendor/redoc/redoc.standalone.js",)),
    ):  # fmt: skip
        page = web.get(path)
        policy = page.headers["content-security-policy"]
        assert "https://" not in _script_src(policy)
        assert "frame-ancestors 'none'" in policy
        assert "https://" not in page.text and "http://" not in page.text, path
        for asset in assets:
            assert asset in page.text
            served = web.get(asset)
            assert served.status_code == 200 and len(served.content) > 10_000, asset
