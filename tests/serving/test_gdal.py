"""GDAL's OAPIF driver reads every public collection completely through the paging links."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import text

from api.app import create_app
from parkgis.access import ANONYMOUS
from parkgis.serving.layers import collections_for, relation, row_filter_sql
from tests.serving.conftest import Served


@pytest.fixture(scope="module")
def server(served: Served) -> Iterator[str]:
    """A real uvicorn server on a free loopback port over the committed park."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(engine=served.engine), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(5)


def test_ogr_reads_every_public_collection_through_paging(
    served: Served, server: str, tmp_path: Path
) -> None:
    assert shutil.which("ogr2ogr"), "gdal-bin is missing: apt-get install gdal-bin (make sysdeps)"
    public = collections_for(ANONYMOUS)
    assert {"parcels", "buildings", "units", "roads"} <= {lyr.id for lyr in public}
    listing = subprocess.run(
        ["ogrinfo", "-ro", "-q", f"OAPIF:{server}"], capture_output=True, text=True, check=True
    )
    with served.engine.connect() as conn:
        for layer in public:
            assert layer.id in listing.stdout
            expected = conn.execute(
                text(
                    f"SELECT count(*) FROM {relation(layer)} "
                    f"WHERE {row_filter_sql(layer, 'public')}"
                )
            ).scalar_one()
            out = tmp_path / f"{layer.id}.geojson"
            subprocess.run(
                ["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{server}", layer.id,
                 "-oo", "PAGE_SIZE=1"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            got = json.loads(out.read_text())["features"]
            assert len(got) == expected, layer.id
            if got:
                assert "holder_firm_id" not in got[0]["properties"]
