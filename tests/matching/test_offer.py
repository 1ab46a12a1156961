"""The offer held in memory (parkgis.matching.offer) follows the database exactly.

Commits of other connections reach the next match through the delta; a transaction's own
uncommitted writes are seen by its own match but never reach the shared copy; a full
rebuild starts a new generation; two databases never share a copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from parkgis import db
from parkgis.matching import match, refresh_site_facts
from parkgis.matching.offer import current_offer
from tests.matching.sites import build_park

AS_OF = dt.date(2026, 6, 1)
ENQUIRY = {"investor_name": "庚公司", "industry_code": "C34", "site_kind": "building",
           "floor_area_m2_min": 1000, "floor_area_m2_max": 1400}  # fmt: skip


@pytest.fixture
def park(fresh_db: str) -> Iterator[tuple[Engine, dict[str, int]]]:
    """A committed hand-built park and an engine on it."""
    eng = create_engine(fresh_db, poolclass=NullPool)
    with eng.begin() as c:
        db.set_actor(c, "pytest")
        ids = build_park(c, AS_OF)
        refresh_site_facts(c)
    yield eng, ids
    eng.dispose()


def _labels(conn: Connection) -> set[str]:
    return {s["label"] for s in match(conn, ENQUIRY, "promotion", as_of=AS_OF).sites}


def _set_unit(eng: Engine, unit_id: int, status: str) -> None:
    with eng.begin() as c:
        db.set_actor(c, "pytest")
        c.execute(
            text("UPDATE building_unit SET status = :s WHERE id = :i"), {"s": status, "i": unit_id}
        )


def test_commits_of_another_connection_reach_the_next_match(
    park: tuple[Engine, dict[str, int]],
) -> None:
    eng, ids = park
    with eng.connect() as reader:
        assert "U-A+U-B" in _labels(reader)
        reader.rollback()
        first = current_offer(reader)
        reader.rollback()
        assert current_offer(reader).num is first.num  # unchanged: the same copy
        reader.rollback()
        _set_unit(eng, ids["u_a"], "let")  # another connection lets a unit and commits
        assert "U-A+U-B" not in _labels(reader)
        reader.rollback()
        after = current_offer(reader)
        assert after.generation == first.generation  # followed by delta, not reloaded
        assert ids["u_a"] not in after.row_of["unit"] and ids["u_b"] in after.row_of["unit"]
        for kind in ("parcel", "unit", "building"):  # rewritten rows replaced, not doubled
            assert len(after.row_of[kind]) == after.kind_mask[kind].sum()
        assert after.n == first.n - 1  # only U-A left the offer
        reader.rollback()
        _set_unit(eng, ids["u_a"], "vacant")
        assert "U-A+U-B" in _labels(reader)


def test_uncommitted_writes_never_reach_the_shared_copy(
    park: tuple[Engine, dict[str, int]],
) -> None:
    eng, ids = park
    with eng.connect() as c:
        assert "U-A+U-B" in _labels(c)
        c.rollback()
        c.execute(text("UPDATE building_unit SET status = 'let' WHERE id = :i"), {"i": ids["u_a"]})
        assert "U-A+U-B" not in _labels(c)  # the transaction sees its own write...
        c.rollback()
        assert ids["u_a"] in current_offer(c).row_of["unit"]  # ...nobody else does
        c.rollback()
        assert "U-A+U-B" in _labels(c)


def test_a_full_rebuild_starts_a_new_generation(park: tuple[Engine, dict[str, int]]) -> None:
    eng, _ = park
    with eng.connect() as c:
        before = current_offer(c)
        c.rollback()
    with eng.begin() as c:
        refresh_site_facts(c)
    with eng.connect() as c:
        after = current_offer(c)
        assert after.generation != before.generation
        assert sorted(after.site_id.tolist()) == sorted(before.site_id.tolist())


def test_compacting_the_removal_log_starts_a_new_generation(
    park: tuple[Engine, dict[str, int]],
) -> None:
    """`parkgis db compact` empties logic.site_offer_gone; a copy that might have needed it
    is of the old generation, so it is copied whole again, with the same rows."""
    eng, ids = park
    with eng.connect() as c:
        before = current_offer(c)
        c.rollback()
    _set_unit(eng, ids["u_a"], "let")
    with eng.begin() as c:
        assert c.execute(text("SELECT logic.compact_site_offer_gone()")).scalar_one() > 0
        assert c.execute(text("SELECT count(*) FROM logic.site_offer_gone")).scalar_one() == 0
    with eng.connect() as c:
        after = current_offer(c)
        assert after.generation != before.generation
        assert ids["u_a"] not in after.row_of["unit"]
        assert after.n == before.n - 1
        c.rollback()
    with eng.begin() as c:  # nothing removed since: the generation stays
        assert c.execute(text("SELECT logic.compact_site_offer_gone()")).scalar_one() == 0
    with eng.connect() as c:
        assert current_offer(c).generation == after.generation


def test_two_databases_never_share_a_copy(
    park: tuple[Engine, dict[str, int]], engine: Engine
) -> None:
    eng, _ = park
    with eng.connect() as c:
        assert current_offer(c).n > 0
    with engine.connect() as other:  # the bare migrated database: nothing on offer
        assert current_offer(other).n == 0
