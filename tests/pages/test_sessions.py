"""Sign-in sessions (parkgis.access.sessions) in the database: hashed, ending, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from parkgis import access
from parkgis.access import sessions
from parkgis.errors import AuthenticationError


@pytest.fixture
def clerk_key(conn: Connection) -> str:
    return access.create_user(conn, "session-clerk", "court", court="烈山区人民法院")[1]


def test_a_session_names_its_user_and_stores_only_a_hash(conn: Connection, clerk_key: str) -> None:
    token, session = sessions.start_session(conn, clerk_key)
    assert session.user.name == "session-clerk" and session.user.court == "烈山区人民法院"
    assert sessions.session_user(conn, token) == session.user
    stored = conn.execute(text("SELECT * FROM web_session")).mappings().one()
    assert token not in str(dict(stored)) and clerk_key not in str(dict(stored))
    assert stored["expires_at"] - stored["created_at"] == sessions.lifetime()
    assert token != clerk_key and not token.startswith("pk_")


def test_a_bad_key_opens_no_session(conn: Connection, clerk_key: str) -> None:
    with pytest.raises(AuthenticationError):
        sessions.start_session(conn, clerk_key[:-3] + "xyz")
    assert conn.execute(text("SELECT count(*) FROM web_session")).scalar() == 0


def test_sign_out_ends_only_that_session(conn: Connection, clerk_key: str) -> None:
    first, _ = sessions.start_session(conn, clerk_key)
    second, _ = sessions.start_session(conn, clerk_key)
    assert sessions.end_session(conn, first)
    assert sessions.session_user(conn, first) is None
    assert sessions.session_user(conn, second) is not None
    assert not sessions.end_session(conn, first)  # already ended


def test_revoking_the_user_ends_every_session_at_once(conn: Connection, clerk_key: str) -> None:
    tokens = [sessions.start_session(conn, clerk_key)[0] for _ in range(2)]
    access.revoke_user(conn, "session-clerk")
    assert [sessions.session_user(conn, t) for t in tokens] == [None, None]
    live = "SELECT count(*) FROM web_session WHERE revoked_at IS NULL"
    assert conn.execute(text(live)).scalar() == 0


def test_an_expired_session_no_longer_counts(conn: Connection, clerk_key: str) -> None:
    token, _ = sessions.start_session(conn, clerk_key)
    conn.execute(
        text("UPDATE web_session SET created_at = now() - interval '9 hours', "
             "expires_at = now() - interval '1 hour'")
    )  # fmt: skip
    assert sessions.session_user(conn, token) is None


def test_unknown_and_oversized_tokens_are_nobody(conn: Connection) -> None:
    assert sessions.session_user(conn, "not-a-session") is None
    assert sessions.session_user(conn, "x" * 10_000) is None
    assert sessions.session_user(conn, "") is None


def test_csrf_tokens_belong_to_one_session(conn: Connection, clerk_key: str) -> None:
    first, _ = sessions.start_session(conn, clerk_key)
    second, _ = sessions.start_session(conn, clerk_key)
    assert sessions.csrf_matches(first, sessions.csrf_token(first))
    assert not sessions.csrf_matches(first, sessions.csrf_token(second))
    assert not sessions.csrf_matches(first, None) and not sessions.csrf_matches(first, "")


def test_the_request_role_cannot_read_sessions(conn: Connection) -> None:
    """parkgis_app (every request) has no right on web_session (70_security.sql)."""
    rights = conn.execute(
        text("SELECT has_table_privilege('parkgis_app', 'web_session', 'SELECT')")
    ).scalar()
    assert rights is False
