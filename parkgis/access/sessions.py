"""Staff sign-in sessions: a browser holds a random session token, never an API key.

A user signs in once with their API key (``start_session``); the browser then carries
a random token in an HttpOnly cookie. The table ``web_session`` stores only the token's
SHA-256, the user, when it was created, when it expires, when it was last seen and when
it ended. A session counts while it is not ended, not expired and its user is not
revoked: ``parkgis users revoke`` therefore ends every session of that user at once
(the lookup joins ``app_user.revoked_at``; ``end_user_sessions`` also marks the rows).

A form posted with the session cookie must carry the session's CSRF token
(``csrf_token``): an HMAC of a fixed label under the session token, so a page can print
it while another site, which cannot read the HttpOnly cookie, cannot compute it.

Lifetimes are operational policy in ``parkgis/rules/serving.toml`` (``[sessions]``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from parkgis.access.users import User, authenticate
from parkgis.config import get_rules

#: Characters of a session token (secrets.token_urlsafe(32) gives 43).
TOKEN_MAX_LEN = 128


@dataclass(frozen=True)
class Session:
    """A live session: its user and when it expires."""

    user: User
    expires_at: datetime


def _policy() -> dict[str, float]:
    cfg = get_rules()["sessions"]
    return {k: float(v) for k, v in cfg.items()}


def lifetime() -> timedelta:
    """How long a session lasts after sign-in."""
    return timedelta(hours=_policy()["lifetime_hours"])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: Connection, key: str) -> tuple[str, Session]:
    """Check ``key`` and open a session for its user; return the token (given once) and it.

    Raises AuthenticationError for an unknown or revoked key (nothing is stored then).
    """
    user = authenticate(conn, key.strip())
    token = secrets.token_urlsafe(32)
    expires_at = conn.execute(
        text(
            "INSERT INTO web_session (token_sha256, user_id, expires_at) "
            "SELECT :t, id, now() + make_interval(secs => :s) FROM app_user "
            "WHERE name = :n AND revoked_at IS NULL RETURNING expires_at"
        ),
        {"t": _digest(token), "n": user.name, "s": lifetime().total_seconds()},
    ).scalar_one()
    return token, Session(user=user, expires_at=expires_at)


def session_user(conn: Connection, token: str) -> User | None:
    """The user of a live session, or None (unknown, ended, expired or user revoked).

    ``last_seen_at`` is written at most every ``last_seen_every_s`` seconds.
    """
    if not token or len(token) > TOKEN_MAX_LEN:
        return None
    row = conn.execute(
        text(
            "SELECT s.id, u.name, u.role, u.department_code, u.court, "
            "       s.last_seen_at < now() - make_interval(secs => :every) AS stale "
            "  FROM web_session s JOIN app_user u ON u.id = s.user_id "
            " WHERE s.token_sha256 = :t AND s.revoked_at IS NULL AND s.expires_at > now() "
            "   AND u.revoked_at IS NULL"
        ),
        {"t": _digest(token), "every": _policy()["last_seen_every_s"]},
    ).first()
    if row is None:
        return None
    if row.stale:
        conn.execute(
            text("UPDATE web_session SET last_seen_at = now() WHERE id = :id"), {"id": row.id}
        )
    return User(name=row.name, role=row.role, department_code=row.department_code, court=row.court)


def end_session(conn: Connection, token: str) -> bool:
    """End one session (sign-out); False when it was not live."""
    return bool(
        conn.execute(
            text(
                "UPDATE web_session SET revoked_at = now() "
                "WHERE token_sha256 = :t AND revoked_at IS NULL"
            ),
            {"t": _digest(token)},
        ).rowcount
    )


def end_user_sessions(conn: Connection, name: str) -> int:
    """End every session of user ``name`` (on revocation); return how many were live."""
    return int(
        conn.execute(
            text(
                "UPDATE web_session s SET revoked_at = now() FROM app_user u "
                "WHERE u.id = s.user_id AND u.name = :n AND s.revoked_at IS NULL"
            ),
            {"n": name},
        ).rowcount
    )


def csrf_token(token: str) -> str:
    """The CSRF token of the session ``token`` (printed in its forms)."""
    return hmac.new(token.encode(), b"parkgis-csrf-v1", hashlib.sha256).hexdigest()


def csrf_matches(token: str, sent: str | None) -> bool:
    """Whether ``sent`` is the CSRF token of session ``token`` (constant time)."""
    return bool(sent) and hmac.compare_digest(csrf_token(token), str(sent))
