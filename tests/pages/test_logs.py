"""Logs: one JSON line per request with its id and user, and never a key."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from api.logs import RedactSecrets, redact_target
from tests.pages.conftest import StaffPark, sign_in


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "parkgis.access"]


def test_each_request_writes_the_promised_json_line(
    web: TestClient, staff_park: StaffPark, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(web, staff_park.keys["court-clerk"])
    with caplog.at_level(logging.INFO, logger="parkgis.access"):
        r = web.get("/staff", params={"lang": "en"}, headers={"X-Request-ID": "req-42"})
    (line,) = [x for x in _request_lines(caplog) if x["request_id"] == "req-42"]
    assert r.headers["x-request-id"] == "req-42"
    assert line["method"] == "GET" and line["path"] == "/staff?lang=en"
    assert line["status"] == 200 and isinstance(line["ms"], float)
    assert line["user"] == "court-clerk"


def test_no_key_reaches_a_log_line(
    web: TestClient, staff_park: StaffPark, caplog: pytest.LogCaptureFixture
) -> None:
    key = staff_park.keys["pipe-engineer"]
    with caplog.at_level(logging.DEBUG):
        web.get("/map/infrastructure", params={"key": key, "plan": "1"})
        web.get("/collections", params={"token": "s3cret-token", "q": key})
        web.post("/signin", data={"key": key})  # refused (no form cookie), still logged
    # Every line the service writes (the test client's own httpx lines are not the service's).
    service = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert service and not [m for m in service if key in m or "s3cret-token" in m]
    paths = [str(x["path"]) for x in _request_lines(caplog)]
    assert "/map/infrastructure?key=[redacted]&plan=1" in paths


def test_the_access_log_of_uvicorn_is_redacted() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/map?key=pk_abcdefghijklmnop&x=1", "1.1", 200), None,
    )  # fmt: skip
    assert RedactSecrets().filter(record)
    assert "pk_abcdefghijklmnop" not in record.getMessage()
    assert "x=1" in record.getMessage()


def test_redaction_keeps_what_is_not_secret() -> None:
    assert redact_target("/tiles/1/2/3") == "/tiles/1/2/3"
    assert redact_target("/items?limit=5&api_key=abc") == "/items?limit=5&api_key=[redacted]"
