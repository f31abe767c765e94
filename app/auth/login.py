"""Signing in: throttled, and alike for known and unknown e-mail addresses in text and in time."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth import throttle
from app.auth.passwords import verify_password
from app.auth.sessions import close_session, open_session, purge_expired_sessions
from app.core.errors import NotAuthenticated

WRONG_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."


def sign_in(
    conn: Connection, email: str, password: str, address: str | None, replacing: str | None = None
) -> str:
    """Check the password and open a session (ending the browser's previous one, `replacing`);
    return the session token. Commits, so that a failure is counted even though it raises."""
    email = email.strip().lower()
    keys = [throttle.email_key(email)]
    if address:
        keys.append(throttle.address_key(address))
    throttle.check(conn, keys)
    row = conn.execute(
        text("SELECT id, password_hash FROM account WHERE email = :e AND active"), {"e": email}
    ).one_or_none()
    if not verify_password(row.password_hash if row else None, password) or row is None:
        throttle.record_failure(conn, keys)
        conn.commit()
        raise NotAuthenticated(WRONG_CREDENTIALS)
    throttle.clear(conn, keys[0])
    throttle.purge(conn)
    purge_expired_sessions(conn)
    if replacing:
        close_session(conn, replacing)
    token = open_session(conn, row.id, address)
    conn.commit()
    return token
