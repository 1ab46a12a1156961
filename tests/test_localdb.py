"""The private cluster: `db up` twice, clear errors for a taken port, a bad folder, no binaries."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parkgis import localdb
from parkgis.config import Settings
from parkgis.errors import LocalDatabaseError

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parkgis.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=180,
        check=False,
    )


@pytest.fixture
def own_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Settings (as environment) for a second private cluster in a temporary folder."""
    base = Path("/tmp") if os.geteuid() == 0 else tmp_path_factory.mktemp("pg")
    folder = base / f"parkgis-test-{os.getpid()}-{_free_port()}"
    # An empty PARKGIS_DATABASE_URL means "no external server": the private cluster.
    env = {
        "PARKGIS_DATA_DIR": str(folder),
        "PARKGIS_PG_PORT": str(_free_port()),
        "PARKGIS_DATABASE_URL": "",
    }
    yield env
    _cli("db", "down", env=env)
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def test_db_up_twice_then_status_and_down(own_cluster: dict[str, str]) -> None:
    first = _cli("db", "up", env=own_cluster)
    assert first.returncode == 0, first.stderr
    assert "private cluster started" in first.stdout
    second = _cli("db", "up", env=own_cluster)
    assert second.returncode == 0, second.stderr
    assert "already running" in second.stdout
    assert "initialising" not in second.stdout
    status = _cli("db", "status", env=own_cluster)
    assert "running" in status.stdout
    assert "schema revision: none" in status.stdout
    url = _cli("db", "url", env=own_cluster)
    assert f"127.0.0.1:{own_cluster['PARKGIS_PG_PORT']}" in url.stdout
    assert "***" in url.stdout  # the password is hidden unless asked for
    down = _cli("db", "down", env=own_cluster)
    assert "stopped" in down.stdout


def test_port_taken_is_a_clear_error(tmp_path: Path) -> None:
    port = _free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        settings = Settings(data_dir=Path("/tmp") / f"parkgis-port-{os.getpid()}", pg_port=port)
        try:
            with pytest.raises(LocalDatabaseError, match=f"port {port} .* taken"):
                localdb.up(settings)
        finally:
            subprocess.run(["rm", "-rf", str(settings.data_dir)], check=False)


def test_unwritable_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    settings = Settings(data_dir=not_a_folder / "data", pg_port=_free_port())
    with pytest.raises(LocalDatabaseError, match="not writable"):
        localdb.up(settings)


def test_missing_binaries_are_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PARKGIS_PG_BINDIR", str(tmp_path))
    with pytest.raises(LocalDatabaseError, match=r"initdb, pg_ctl.*not found"):
        localdb.find_bindir()


def test_external_url_starts_nothing() -> None:
    settings = Settings(database_url="postgresql+psycopg2://u:p@db.example:5432/park")
    assert "no private cluster" in localdb.up(settings)[0]
