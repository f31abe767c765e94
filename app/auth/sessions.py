"""Server-side sessions and API-token look-ups, and the CSRF token bound to the session.

The session cookie carries a random token; the database keeps only its SHA-256, with the times
that end it (idle and absolute expiry, read on the database clock: nothing the client sends can
extend a session). A session ends at sign-out, on a password change and when the account is
disabled. The CSRF token is an HMAC of the session token under the secret key: a token taken
from another session does not fit this one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.passwords import token_digest
from app.auth.principal import Credential
from app.core.events import publish_revocation
from app.core.keys import secret_key
from app.core.settings import get_settings

SESSION_COOKIE = "qp_session"
CSRF_COOKIE = "qp_csrf"
CSRF_HEADER = "X-CSRF-Token"
TOUCH_AFTER_S = 60
"""A session's (or token's) last use is written at most once a minute, not at every request."""

SESSION_END = """least(
    s.last_seen_at + make_interval(mins => :idle_minutes),
    s.created_at + make_interval(hours => :max_hours)
)"""
"""When a session ends unless used again (idle expiry) and at the latest (absolute expiry)."""
LIVE_SESSION = f"{SESSION_END} > now()"


@dataclass(frozen=True)
class Signed:
    """Who a credential signs in: the account, the credential to re-check later, and for how
    many more seconds at most (a session's expiry; an API token ends only when revoked)."""

    account_id: int
    credential: Credential
    lifetime_s: float = float("inf")


def session_lifetimes() -> dict[str, int]:
    settings = get_settings()
    return {
        "idle_minutes": settings.session_idle_minutes,
        "max_hours": settings.session_max_hours,
    }


def cookie_max_age() -> int:
    return get_settings().session_max_hours * 3600


def open_session(conn: Connection, account_id: int, address: str | None) -> str:
    """Start a session for `account_id`; return the cookie's token (only its digest is kept)."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        text(
            "INSERT INTO session (account_id, token_hash, address) VALUES (:a, :digest, :address)"
        ),
        {"a": account_id, "digest": token_digest(token), "address": address},
    )
    return token


def session_of(conn: Connection, token: str) -> Signed | None:
    """The live session of cookie `token`, its last use noted (at most once a minute)."""
    row = conn.execute(
        text(
            "SELECT s.id, s.account_id,"
            f" s.last_seen_at < now() - make_interval(secs => {TOUCH_AFTER_S}) AS stale,"
            f" extract(epoch FROM {SESSION_END} - now()) AS lifetime"
            f" FROM session s WHERE s.token_hash = :digest AND {LIVE_SESSION}"
        ),
        {"digest": token_digest(token), **session_lifetimes()},
    ).one_or_none()
    if row is None:
        return None
    if row.stale:
        conn.execute(text("UPDATE session SET last_seen_at = now() WHERE id = :id"), {"id": row.id})
    return Signed(row.account_id, Credential("session", row.id), float(row.lifetime))


def token_of(conn: Connection, token: str) -> Signed | None:
    """The unrevoked API token `token`, its last use noted (at most once a minute)."""
    row = conn.execute(
        text(
            "SELECT id, account_id, (last_used_at IS NULL OR last_used_at <"
            f" now() - make_interval(secs => {TOUCH_AFTER_S})) AS stale"
            " FROM api_token WHERE token_hash = :digest AND revoked_at IS NULL"
        ),
        {"digest": token_digest(token)},
    ).one_or_none()
    if row is None:
        return None
    if row.stale:
        conn.execute(
            text("UPDATE api_token SET last_used_at = now() WHERE id = :id"), {"id": row.id}
        )
    return Signed(row.account_id, Credential("token", row.id))


def still_valid(conn: Connection, account_id: int, credential: Credential | None) -> bool:
    """Whether the account is active and its credential (if any) neither ended nor revoked."""
    if credential is None:
        sql = "SELECT EXISTS (SELECT 1 FROM account WHERE id = :account AND active)"
    elif credential.kind == "session":
        sql = (
            "SELECT EXISTS (SELECT 1 FROM session s JOIN account a ON a.id = s.account_id"
            f" WHERE s.id = :id AND a.id = :account AND a.active AND {LIVE_SESSION})"
        )
    else:
        sql = (
            "SELECT EXISTS (SELECT 1 FROM api_token t JOIN account a ON a.id = t.account_id"
            " WHERE t.id = :id AND a.id = :account AND a.active AND t.revoked_at IS NULL)"
        )
    params = {
        "account": account_id,
        "id": credential.id if credential else None,
        **session_lifetimes(),
    }
    return bool(conn.execute(text(sql), params).scalar_one())


def close_session(conn: Connection, token: str) -> None:
    """End one session (sign-out); its live streams close at once."""
    account_id = conn.execute(
        text("DELETE FROM session WHERE token_hash = :d RETURNING account_id"),
        {"d": token_digest(token)},
    ).scalar_one_or_none()
    if account_id is not None:
        publish_revocation(conn, account_id)


def close_sessions(conn: Connection, account_id: int) -> int:
    """End every session of an account (password change, disabling); return how many. Its
    live streams close at once."""
    publish_revocation(conn, account_id)
    return conn.execute(
        text("DELETE FROM session WHERE account_id = :a"), {"a": account_id}
    ).rowcount


def purge_expired_sessions(conn: Connection) -> None:
    conn.execute(text(f"DELETE FROM session s WHERE NOT ({LIVE_SESSION})"), session_lifetimes())


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: the pages send it back in the `X-CSRF-Token` header."""
    message = b"csrf:" + session_token.encode("utf-8", "surrogatepass")
    return hmac.new(secret_key(), message, hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, sent: str) -> bool:
    expected = csrf_token(session_token).encode()
    return bool(sent) and hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected)
