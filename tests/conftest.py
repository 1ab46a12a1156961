"""Test fixtures: a real PostGIS, never a fake.

The private cluster (or ``PARKGIS_DATABASE_URL``'s server) holds a migrated template
database named after the schema fingerprint; each pytest process creates its own
database from it (and one more with the demo park loaded, when a test asks). Each
test runs in a transaction that is rolled back at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from parkgis import db, localdb
from parkgis.config import get_settings

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"


def _admin_engine() -> Engine:
    return create_engine(
        db.database_url(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )


def _ensure_template(name: str, build: callable) -> None:  # type: ignore[valid-type]
    """Create template database ``name`` once (under an advisory lock) with ``build(url)``."""
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext('parkgis-test-template'))"))
        try:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                tmp = f"{name}_building"
                conn.execute(text(f'DROP DATABASE IF EXISTS "{tmp}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{tmp}"'))
                build(db.database_url(database=tmp))
                conn.execute(text(f'ALTER DATABASE "{tmp}" RENAME TO "{name}"'))
                conn.execute(text(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true'))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext('parkgis-test-template'))"))
    admin.dispose()


def _create_from_template(template: str) -> str:
    name = f"parkgis_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext('parkgis-test-template'))"))
        try:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext('parkgis-test-template'))"))
    admin.dispose()
    return name


def _drop(name: str) -> None:
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _drop_stale_databases(keep: set[str]) -> None:
    """Drop templates of older schemas and test databases of processes that are gone."""
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext('parkgis-test-template'))"))
        try:
            names = (
                conn.execute(
                    text("SELECT datname FROM pg_database WHERE datname LIKE 'parkgis_t%'")
                )
                .scalars()
                .all()
            )
            for name in names:
                if name.startswith("parkgis_test_"):
                    pid = int(name.split("_")[2])
                    if _alive(pid):
                        continue
                elif (
                    name in keep
                    or name.endswith("_building")
                    or os.environ.get("PARKGIS_TEST_KEEP_TEMPLATES")
                ):
                    continue
                conn.execute(text(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false'))
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext('parkgis-test-template'))"))
    admin.dispose()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def template_name() -> str:
    """The migrated, empty template database for this schema."""
    settings = get_settings()
    localdb.up(settings)
    name = f"parkgis_tpl_{db.schema_fingerprint()}"
    _ensure_template(name, lambda url: db.migrate(url, settings))
    return name


@pytest.fixture(scope="session")
def database_url(template_name: str) -> Iterator[str]:
    """URL of this test session's own migrated, empty database."""
    name = _create_from_template(template_name)
    yield db.database_url(database=name)
    _drop(name)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Engine on the session's database."""
    eng = create_engine(database_url, poolclass=NullPool)
    yield eng
    eng.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        trans = connection.begin()
        db.set_actor(connection, "pytest")
        yield connection
        trans.rollback()


@pytest.fixture(scope="session")
def demo_template(template_name: str) -> str:
    """A template database with the demo park (seed 42) loaded."""
    from parkgis.demo import DEMO_VERSION, load_demo

    name = f"parkgis_tpl_{db.schema_fingerprint()}_demo{DEMO_VERSION}"

    def build(url: str) -> None:
        admin = _admin_engine()
        with admin.connect() as c:
            dbname = make_url(url).database
            c.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{dbname}" TEMPLATE "{template_name}"'))
        admin.dispose()
        eng = create_engine(url, poolclass=NullPool)
        with eng.begin() as c:
            db.set_actor(c, "demo")
            load_demo(c, seed=42, scale=1, progress=False)
        eng.dispose()

    _ensure_template(name, build)
    return name


@pytest.fixture(scope="session")
def demo_url(demo_template: str) -> Iterator[str]:
    """URL of this session's own copy of the demo park."""
    name = _create_from_template(demo_template)
    yield db.database_url(database=name)
    _drop(name)


@pytest.fixture(scope="session")
def demo_engine(demo_url: str) -> Iterator[Engine]:
    """Engine on the session's demo-park database."""
    eng = create_engine(demo_url, poolclass=NullPool)
    yield eng
    eng.dispose()


@pytest.fixture
def demo_conn(demo_engine: Engine) -> Iterator[Connection]:
    """A connection to the demo park inside a transaction rolled back after the test."""
    with demo_engine.connect() as connection:
        trans = connection.begin()
        db.set_actor(connection, "pytest")
        yield connection
        trans.rollback()


@pytest.fixture
def fresh_db(template_name: str) -> Iterator[str]:
    """URL of a brand-new migrated database for one test that must commit."""
    name = _create_from_template(template_name)
    yield db.database_url(database=name)
    _drop(name)


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A folder under test-output/ for files a test leaves for people to look at."""
    path = OUTPUT_DIR / request.node.name.replace("/", "_")[:80]
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_sessionstart(session: pytest.Session) -> None:
    """Remove templates of older schemas so they do not pile up."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    try:
        settings = get_settings()
        localdb.up(settings)
        current = f"parkgis_tpl_{db.schema_fingerprint()}"
        from parkgis.demo import DEMO_VERSION

        _drop_stale_databases({current, f"{current}_demo{DEMO_VERSION}"})
    except Exception:
        pass
