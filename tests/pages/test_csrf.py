"""CSRF: a write carrying our cookie needs this site's form token; API keys need none."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.pages.conftest import StaffPark, form_token, sign_in


def _tax_task(staff_park: StaffPark) -> tuple[int, int]:
    with staff_park.engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, version FROM joint_task WHERE department_code = 'tax' "
                 "AND status IN ('open', 'in_progress') ORDER BY id LIMIT 1")
        ).one()  # fmt: skip
    return int(row.id), int(row.version)


def _version(staff_park: StaffPark, task_id: int) -> int:
    with staff_park.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT version FROM joint_task WHERE id = :i"), {"i": task_id}
            ).scalar_one()
        )


@pytest.fixture
def task(staff_park: StaffPark) -> tuple[int, int]:
    return _tax_task(staff_park)


def test_a_cookie_write_without_the_token_changes_nothing(
    web: TestClient, staff_park: StaffPark, task: tuple[int, int]
) -> None:
    task_id, version = task
    sign_in(web, staff_park.keys["tax-clerk"])
    r = web.patch(
        f"/tasks/{task_id}", json={"status": "in_progress"}, headers={"If-Match": f'"{version}"'}
    )
    assert r.status_code == 403
    body = r.json()
    assert body["field"] == "csrf_token" and "防伪令牌" in body["message"]
    assert _version(staff_park, task_id) == version


def test_a_write_from_another_origin_is_refused(
    web: TestClient, staff_park: StaffPark, task: tuple[int, int]
) -> None:
    task_id, version = task
    sign_in(web, staff_park.keys["tax-clerk"])
    token = form_token(web.get("/staff").text)
    for header in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}):
        r = web.patch(
            f"/tasks/{task_id}",
            json={"status": "in_progress"},
            headers={"If-Match": f'"{version}"', "X-CSRF-Token": token, **header},
        )
        assert r.status_code == 403 and "其他网站" in r.json()["message"]
    assert _version(staff_park, task_id) == version
    # The same form from this site is accepted (the token in a header, as a script sends it).
    home = web.get("/staff")
    r = web.patch(
        f"/tasks/{task_id}",
        json={"status": "in_progress"},
        headers={"If-Match": f'"{version}"', "X-CSRF-Token": form_token(home.text),
                 "Origin": str(web.base_url).rstrip("/")},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert _version(staff_park, task_id) == version + 1


def test_a_token_of_another_session_is_refused(web: TestClient, staff_park: StaffPark) -> None:
    sign_in(web, staff_park.keys["land-analyst"])
    stale = form_token(web.get("/staff").text)
    sign_in(web, staff_park.keys["land-analyst"])  # a new session
    assert web.post("/signout", data={"csrf_token": stale}).status_code == 403
    assert web.get("/staff").status_code == 200  # still signed in: nothing changed


def test_api_keys_write_without_a_token(web: TestClient, staff_park: StaffPark) -> None:
    task_id, version = _tax_task(staff_park)
    sign_in(web, staff_park.keys["land-analyst"])  # a cookie is there, but the key decides
    r = web.patch(
        f"/tasks/{task_id}",
        json={"evidence_ref": "税务函〔2026〕12号"},
        headers={"If-Match": f'"{version}"', "X-API-Key": staff_park.keys["tax-clerk"]},
    )
    assert r.status_code == 200, r.text


def test_the_sign_in_form_needs_its_own_page(web: TestClient, staff_park: StaffPark) -> None:
    """A sign-in posted by another site's form carries none of our cookies: refused."""
    r = web.post("/signin", data={"key": staff_park.keys["administrator"], "csrf_token": "x"})
    assert r.status_code == 403 and "parkgis_session" not in r.headers.get("set-cookie", "")
    web.get("/signin")  # now the browser has the form cookie, but not the form's token
    r = web.post("/signin", data={"key": staff_park.keys["administrator"], "csrf_token": "x"})
    assert r.status_code == 403
