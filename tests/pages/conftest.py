"""The staff pages against a committed copy of the demo park, one user per role.

The demo park (seed 42) has six bankruptcy cases of two courts with their joint tasks,
and investor enquiries; its dates are fixed, so tests that count use ``AS_OF``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from tests.conftest import _create_from_template, _drop
from tests.maps.conftest import map_settings

#: The demo's own "today" (its deadlines are set around it).
AS_OF = date(2026, 12, 4)
COURT = "烈山区人民法院"

#: One user per staff role (name, role, department, court).
USERS = (
    ("court-clerk", "court", None, COURT),
    ("other-court", "court", None, "淮北市中级人民法院"),
    ("tax-clerk", "department", "tax", None),
    ("promotion-officer", "promotion", None, None),
    ("land-analyst", "land_bureau", None, None),
    ("pipe-engineer", "infrastructure", None, None),
    ("administrator", "admin", None, None),
)


@dataclass
class StaffPark:
    """The committed demo park: its URL, engine and an API key per user name."""

    url: str
    engine: Engine
    keys: dict[str, str]


@pytest.fixture(scope="module")
def staff_park(demo_template: str) -> Iterator[StaffPark]:
    """A committed database with the demo park and the users of ``USERS``."""
    name = _create_from_template(demo_template)
    url = db.database_url(database=name)
    engine = create_engine(url, poolclass=NullPool)
    keys = {}
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        for user, role, department, court in USERS:
            keys[user] = access.create_user(conn, user, role, department, court)[1]
    yield StaffPark(url, engine, keys)
    engine.dispose()
    _drop(name)


@pytest.fixture
def web(staff_park: StaffPark) -> Iterator[TestClient]:
    """The real app on the staff park, as a browser would call it (no redirects followed)."""
    app = create_app(settings=map_settings(), engine=staff_park.engine)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def form_token(html: str) -> str:
    """The CSRF token printed in a page's form."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, key: str, next_page: str = "/staff") -> None:
    """Sign in through the form, as a person does; the client then holds the session."""
    page = client.get("/signin", params={"next": next_page})
    assert page.status_code == 200
    r = client.post(
        "/signin", data={"key": key, "next": next_page, "csrf_token": form_token(page.text)}
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == next_page


def sign_in_browser(page: Page, base: str, key: str, next_page: str = "/staff") -> None:
    """Sign in with the form in a real browser, as a person does, and land on ``next_page``."""
    page.goto(f"{base}/signin?next={next_page}")
    page.fill("#key", key)
    with page.expect_navigation():
        page.click("button[type=submit]")
