"""Users and their API keys.

A key is shown once when issued and stored only as a salted scrypt hash; its first
characters (the prefix) find the row, then the hash is compared in constant time.
Every key that is not in the in-process cache costs exactly one scrypt, whether a row
matches its prefix or not (no match: against a dummy hash), so neither the time nor the
CPU spent tells a prefix that exists from one that does not. Verified keys are
remembered in-process for a short time so that each request does not pay the slow hash
(revocation takes effect within ``_CACHE_SECONDS``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Connection, text

from parkgis.access.roles import PUBLIC, get_role, load_roles
from parkgis.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError

_PREFIX_LEN = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, User]] = {}
#: Verified against when no row matches a key's prefix: a salt and a digest no key hashes
#: to (random when written), so the work is the same as for a real row.
_DUMMY_HASH = (
    "5f0a2c9e41d7b3861e4fa0c2d9b7e613"
    "$8d3e0b6f2a9c4d71e5b0a3f69c2e1d4b7a8f0c3e6d9b2a5f8e1c4b7a0d3f6e92"
)


@dataclass(frozen=True)
class User:
    """Who is calling: a name, a role, the department code (departments), the court (courts)."""

    name: str
    role: str
    department_code: str | None = None
    court: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.name == "anonymous"

    @property
    def scope(self) -> str:
        """What the user's rows depend on: the role, and the court or department that narrow
        it (cache keys of tiles, counts and extents must not mix two courts)."""
        if self.court:
            return f"{self.role}:{self.court}"
        if self.department_code:
            return f"{self.role}:{self.department_code}"
        return self.role


ANONYMOUS = User(name="anonymous", role=PUBLIC)


def hash_key(key: str, salt: bytes | None = None) -> str:
    """Salted scrypt hash of an API key, as ``salt_hex$hash_hex``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(key.encode(), salt=salt, **_SCRYPT)
    return f"{salt.hex()}${digest.hex()}"


def _verify(key: str, stored: str) -> bool:
    """Whether ``key`` hashes to ``stored``: one scrypt, compared in constant time."""
    salt_hex, _, digest_hex = stored.partition("$")
    candidate = hashlib.scrypt(key.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest_hex)


def _check_department(conn: Connection, code: str) -> None:
    """A department code of the department table, else an error listing them."""
    rows = conn.execute(text("SELECT code, label_zh FROM department ORDER BY code"))
    known: dict[str, str] = {str(c): str(n) for c, n in rows}
    if code not in known:
        raise ValidationError(
            message=f"没有代码为“{code}”的部门；已有部门："
            + "、".join(f"{c}（{n}）" for c, n in known.items()),
            message_en=f"no department {code!r}; known: {', '.join(known)}",
            field="department_code",
            expected=list(known),
            found=code,
        )


def create_user(
    conn: Connection,
    name: str,
    role: str,
    department_code: str | None = None,
    court: str | None = None,
) -> tuple[User, str]:
    """Issue a new API key for ``name`` with ``role``; return the user and the key (shown once).

    A court user belongs to one court (``court``, as written in ``bankruptcy_case.court``)
    and sees only that court's cases; other roles have no court.
    """
    _check_scope(conn, role, department_code, court)
    if department_code:
        _check_department(conn, department_code)
    court = court.strip() if court else None
    exists = conn.execute(text("SELECT 1 FROM app_user WHERE name = :n"), {"n": name}).scalar()
    if exists:
        raise ConflictError(
            message=f"用户 {name} 已存在",
            message_en=f"user {name} already exists",
            field="name",
            found=name,
        )
    key = "pk_" + secrets.token_urlsafe(32)
    conn.execute(
        text(
            "INSERT INTO app_user (name, role, department_code, court, key_prefix, key_hash) "
            "VALUES (:n, :r, :d, :c, :p, :h)"
        ),
        {
            "n": name,
            "r": role,
            "d": department_code,
            "c": court,
            "p": key[:_PREFIX_LEN],
            "h": hash_key(key),
        },
    )
    return User(name=name, role=role, department_code=department_code, court=court), key


def _check_scope(
    conn: Connection, role: str, department_code: str | None, court: str | None
) -> None:
    """Refuse an unknown role, a scoped role without its scope, a court on another role."""
    caps = get_role(conn, role)  # re-reads the table once for a code it does not know
    roles = load_roles(conn)
    if role not in roles:
        raise ValidationError(
            message=f"未知角色 {role!r}，可选：{', '.join(roles)}",
            message_en=f"unknown role {role!r}; expected one of {', '.join(roles)}",
            field="role",
            expected=list(roles),
            found=role,
        )
    if caps.department_scoped and not department_code:
        raise ValidationError(
            message=f"{caps.label_zh}角色必须指定部门代码（--department）",
            message_en=f"role {role!r} needs a department code (--department)",
            field="department_code",
            expected="a code of the department table",
            found=None,
        )
    court = court.strip() if court else None
    if caps.court_scoped and not court:
        raise ValidationError(
            message=f"{caps.label_zh}角色必须指定所属法院（--court，如 烈山区人民法院）",
            message_en=f"role {role!r} needs the user's court (--court, e.g. 烈山区人民法院)",
            field="court",
            expected="the court as written in the cases, e.g. 烈山区人民法院",
            found=None,
        )
    if not caps.court_scoped and court:
        raise ValidationError(
            message=f"只有属于某一法院的角色可以指定法院，{caps.label_zh}角色不能",
            message_en=f"only a court's roles have a court; role {role!r} does not",
            field="court",
            expected=None,
            found=court,
        )


def revoke_user(conn: Connection, name: str) -> None:
    """Revoke a user's key (the row stays for the history) and end their sign-in sessions."""
    from parkgis.access.sessions import end_user_sessions

    done = conn.execute(
        text("UPDATE app_user SET revoked_at = now() WHERE name = :n AND revoked_at IS NULL"),
        {"n": name},
    ).rowcount
    if not done:
        raise NotFoundError(
            message=f"没有有效的用户 {name}",
            message_en=f"no active user {name}",
            field="name",
            found=name,
        )
    end_user_sessions(conn, name)
    _cache.clear()


def list_users(conn: Connection) -> list[dict[str, object]]:
    """Every user with role, key prefix and state (never the hash)."""
    rows = (
        conn.execute(
            text(
                "SELECT name, role, department_code, court, key_prefix, created_at, revoked_at "
                "FROM app_user ORDER BY name"
            )
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def authenticate(conn: Connection, key: str) -> User:
    """The user owning ``key``; AuthenticationError when unknown or revoked."""
    memo = hashlib.sha256(key.encode()).hexdigest()
    hit = _cache.get(memo)
    if hit and time.monotonic() - hit[0] < _CACHE_SECONDS:
        return hit[1]
    row = conn.execute(
        text(
            "SELECT name, role, department_code, court, key_hash FROM app_user "
            "WHERE key_prefix = :p AND revoked_at IS NULL"
        ),
        {"p": key[:_PREFIX_LEN]},
    ).first()
    # Exactly one scrypt for every key not cached, whether its prefix matches or not.
    verified = _verify(key, row.key_hash if row is not None else _DUMMY_HASH)
    if row is None or not verified:
        raise AuthenticationError(
            message="API 密钥无效或已撤销",
            message_en="invalid or revoked API key",
            field="X-API-Key",
        )
    user = User(name=row.name, role=row.role, department_code=row.department_code, court=row.court)
    _cache[memo] = (time.monotonic(), user)
    return user
