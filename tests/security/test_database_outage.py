"""The database goes away mid-service: 503 problem+json, /readyz says so; back when it returns.

Runs its own private cluster in a temporary folder on a free port (as tests/test_localdb.py
does), so stopping it disturbs nobody else's tests.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from parkgis import db
from parkgis.config import Settings
from parkgis.localdb import cluster_for
from tests.test_localdb import _cli, _free_port


@pytest.fixture
def own_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment of a second private cluster, started and migrated; removed afterwards."""
    base = Path("/tmp") if os.geteuid() == 0 else tmp_path_factory.mktemp("pg")
    folder = base / f"parkgis-outage-{os.getpid()}-{_free_port()}"
    env = {
        "PARKGIS_DATA_DIR": str(folder),
        "PARKGIS_PG_PORT": str(_free_port()),
        "PARKGIS_DATABASE_URL": "",
    }
    try:
        for step in (("db", "up"), ("db", "migrate")):
            done = _cli(*step, env=env)
            assert done.returncode == 0, done.stdout + done.stderr
        yield env
    finally:
        _cli("db", "down", env=env)
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def test_database_down_is_503_and_service_recovers(own_cluster: dict[str, str]) -> None:
    settings = Settings(
        data_dir=Path(own_cluster["PARKGIS_DATA_DIR"]),
        pg_port=int(own_cluster["PARKGIS_PG_PORT"]),
        database_url=None,
    )
    url = cluster_for(settings).url()
    engine = db.make_engine(url, pool_size=2, max_overflow=0)
    try:
        with TestClient(create_app(engine=engine)) as client:
            assert client.get("/readyz").json()["status"] == "ok"
            assert client.get("/collections/parcels/items").status_code == 200

            down = _cli("db", "down", env=own_cluster)
            assert down.returncode == 0, down.stderr
            for path in ("/collections/parcels/items", "/collections/parcels/items?limit=5"):
                response = client.get(path)
                assert response.status_code == 503, response.text
                assert response.headers["content-type"].startswith("application/problem+json")
                body = response.json()
                assert body["message"] and body["message_en"]
                assert "Traceback" not in response.text and "psycopg2" not in response.text
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
            assert client.get("/healthz").status_code == 200

            up = _cli("db", "up", env=own_cluster)
            assert up.returncode == 0, up.stderr
            assert client.get("/collections/parcels/items").status_code == 200
            assert client.get("/readyz").json()["status"] == "ok"
    finally:
        engine.dispose()
