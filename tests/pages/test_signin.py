"""Staff sign-in through the form: a session cookie (never the key), on every staff page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from parkgis import access, db
from tests.pages.conftest import StaffPark, form_token, sign_in


def _case_of(staff_park: StaffPark, court: str) -> int:
    with staff_park.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT min(id) FROM bankruptcy_case WHERE court = :c"), {"c": court}
            ).scalar_one()
        )


def test_the_cookie_is_a_session_not_the_key(web: TestClient, staff_park: StaffPark) -> None:
    key = staff_park.keys["court-clerk"]
    page = web.get("/signin")
    token = form_token(page.text)
    r = web.post("/signin", data={"key": key, "next": "/staff", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/staff"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("parkgis_session="))
    attributes = cookie.lower()
    assert "httponly" in attributes and "samesite=strict" in attributes
    assert "max-age=28800" in attributes  # 8 hours (rules/serving.toml [sessions])
    assert "secure" not in attributes  # plain HTTP here; HTTPS adds Secure
    assert key not in cookie and "pk_" not in cookie


def test_staff_pages_show_who_is_signed_in(web: TestClient, staff_park: StaffPark) -> None:
    sign_in(web, staff_park.keys["court-clerk"])
    home = web.get("/staff")
    assert home.status_code == 200
    assert "court-clerk" in home.text and "法院/管理人" in home.text
    assert "烈山区人民法院" in home.text
    assert "退出登录" in home.text
    english = web.get("/staff", params={"lang": "en"})
    assert "Court / administrator" in english.text and "Sign out" in english.text
    sign_in(web, staff_park.keys["tax-clerk"])
    assert "税务局" in web.get("/staff", params={"lang": "zh"}).text


def test_the_session_opens_every_staff_get_route(web: TestClient, staff_park: StaffPark) -> None:
    case_id = _case_of(staff_park, "烈山区人民法院")
    assert web.get(f"/cases/{case_id}/dossier").status_code == 401  # no session yet
    sign_in(web, staff_park.keys["court-clerk"])
    assert web.get(f"/cases/{case_id}/dossier").status_code == 200
    assert web.get(f"/cases/{case_id}").status_code == 200
    assert web.get("/tasks").status_code == 200
    assert web.get("/map").status_code == 200
    sign_in(web, staff_park.keys["pipe-engineer"])
    assert web.get("/map/infrastructure").status_code == 200
    # Another court's case stays out of reach (404, existence not confirmed).
    other = _case_of(staff_park, "淮北市中级人民法院")
    sign_in(web, staff_park.keys["court-clerk"])
    assert web.get(f"/cases/{other}/dossier").status_code == 404


def test_a_browser_without_a_session_is_sent_to_sign_in(web: TestClient) -> None:
    r = web.get("/staff", headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/staff"
    r = web.get("/map/infrastructure?plan=3", headers={"Accept": "text/html"})
    assert r.headers["location"] == "/signin?next=/map/infrastructure%3Fplan%3D3"
    # API clients keep problem+json.
    api = web.get("/staff")
    assert api.status_code == 401 and api.headers["content-type"] == "application/problem+json"


def test_a_key_in_the_address_signs_nobody_in(web: TestClient, staff_park: StaffPark) -> None:
    key = staff_park.keys["pipe-engineer"]
    r = web.get("/map/infrastructure", params={"key": key}, headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/map/infrastructure"
    assert "set-cookie" not in r.headers and key not in r.headers["location"]


def test_a_wrong_key_is_said_beside_the_field(web: TestClient, staff_park: StaffPark) -> None:
    page = web.get("/signin")
    token = form_token(page.text)
    r = web.post("/signin", data={"key": "pk_not_a_real_key_000", "csrf_token": token})
    assert r.status_code == 401
    assert 'class="field-error"' in r.text and "密钥无效或已撤销" in r.text
    assert "parkgis_session" not in r.headers.get("set-cookie", "")
    empty = web.post("/signin", data={"key": " ", "csrf_token": token})
    assert empty.status_code == 422 and "请填写 API 密钥" in empty.text


def test_next_never_leaves_the_site(web: TestClient, staff_park: StaffPark) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        page = web.get("/signin", params={"next": target})
        assert '<input type="hidden" name="next" value="/staff">' in page.text
        r = web.post(
            "/signin",
            data={"key": staff_park.keys["land-analyst"], "next": target,
                  "csrf_token": form_token(page.text)},
        )  # fmt: skip
        assert r.headers["location"] == "/staff"


def test_sign_out_ends_the_session(web: TestClient, staff_park: StaffPark) -> None:
    sign_in(web, staff_park.keys["land-analyst"])
    home = web.get("/staff")
    token = web.cookies["parkgis_session"]
    r = web.post("/signout", data={"csrf_token": form_token(home.text)})
    assert r.status_code == 303 and r.headers["location"] == "/signin?out=true"
    assert "您已退出登录" in web.get("/signin?out=true").text
    web.cookies.set("parkgis_session", token)  # a copy of the old cookie is worth nothing
    assert web.get("/staff").status_code == 401


def test_revoking_a_user_ends_their_sessions_at_once(
    web: TestClient, staff_park: StaffPark
) -> None:
    with staff_park.engine.begin() as conn:
        db.set_actor(conn, "pytest")
        _, key = access.create_user(conn, "soon-gone", "promotion")
    sign_in(web, key)
    assert web.get("/staff").status_code == 200
    with staff_park.engine.begin() as conn:
        access.revoke_user(conn, "soon-gone")
    assert web.get("/staff").status_code == 401
    assert web.get("/enquiries").status_code == 401
