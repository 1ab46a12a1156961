"""The service's plumbing: health, readiness, request ids, size cap, problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from parkgis.config import Settings


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    app = create_app(settings=Settings(max_body_mb=1), engine=engine)
    with TestClient(app) as c:
        yield c


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


def test_request_id_is_returned_and_kept(client: TestClient) -> None:
    fresh = client.get("/healthz")
    assert len(fresh.headers["x-request-id"]) == 32
    kept = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"


def test_oversized_body_is_413_problem(client: TestClient) -> None:
    resp = client.post("/healthz", content=b"x" * 1_500_000)
    assert resp.status_code == 413
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["field"] == "body"


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    resp = client.get("/no/such/thing")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
