"""Property-based run over the whole OpenAPI document (schemathesis, in process).

Every operation of ``/openapi.json`` gets a bounded number of generated requests
(``max_examples`` per operation, derandomized: the same requests on every run), against
the real app on a database of its own holding the small park of tests/serving/conftest.py.
Checks: no 5xx (``not_a_server_error``) and bodies that match the declared response
schema (``response_schema_conformance``; routes returning free-form JSON pass trivially).

Run twice: as admin over every operation (writes included: the database is this module's
own and is dropped afterwards), and anonymously over the read operations (GET). Nothing is
skipped.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from parkgis import access, db
from tests.conftest import _create_from_template, _drop
from tests.serving.conftest import build_small_park

#: Generated requests per operation (default 5: the module stays well under 3 minutes);
#: PARKGIS_SCHEMATHESIS_EXAMPLES raises it for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("PARKGIS_SCHEMATHESIS_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance]
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Target:
    """The schema of the app under test and the admin key."""

    schema: Any
    admin_key: str


@pytest.fixture(scope="module")
def target(template_name: str) -> Iterator[Target]:
    """The app on its own database with the small park and an admin."""
    name = _create_from_template(template_name)
    engine = create_engine(db.database_url(database=name), poolclass=NullPool)
    with engine.begin() as conn:
        db.set_actor(conn, "pytest")
        build_small_park(conn)
        key = access.create_user(conn, "schemathesis_admin", "admin")[1]
    app = create_app(engine=engine)
    yield Target(schemathesis.openapi.from_asgi("/openapi.json", app), key)
    engine.dispose()
    _drop(name)


def _run(schema: Any, headers: dict[str, str]) -> tuple[int, Counter[int], list[str]]:
    """Run every operation of ``schema``; return how many ran, the statuses, the failures."""
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @SETTINGS
        def check(case: Any) -> None:
            statuses[case.call_and_validate(headers=headers, checks=CHECKS).status_code] += 1

        ran += 1
        try:
            check()
        except Exception as exc:  # schemathesis groups check failures per operation
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    print(f"{ran} operations, statuses {sorted(statuses.items())}")
    return ran, statuses, failures


def test_every_operation_as_admin(target: Target) -> None:
    ran, statuses, failures = _run(target.schema, {"X-API-Key": target.admin_key})
    assert ran > 40 and sum(n for s, n in statuses.items() if s < 300) > 40
    assert not failures, "\n\n".join(failures)


def test_read_operations_anonymously(target: Target) -> None:
    ran, statuses, failures = _run(target.schema.include(method="GET"), {})
    assert ran > 30 and statuses[401] > 0 and sum(n for s, n in statuses.items() if s < 300) > 20
    assert not failures, "\n\n".join(failures)
