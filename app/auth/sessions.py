"""Signed session cookies (HMAC-SHA256) and the CSRF double-submit token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from app.core.keys import secret_key

SESSION_COOKIE = "qp_session"
CSRF_COOKIE = "qp_csrf"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE = 12 * 3600
"""A working day: a meeting laptop stays signed in, a forgotten one does not for long."""


def _sign(payload: str) -> str:
    return hmac.new(secret_key(), payload.encode(), hashlib.sha256).hexdigest()


def make_session(account_id: int) -> str:
    payload = f"{account_id}.{int(time.time())}"
    return f"{payload}.{_sign(payload)}"


def read_session(value: str | None) -> int | None:
    """The account id of a valid, unexpired session cookie, else None."""
    if not value or value.count(".") != 2:
        return None
    account, issued, signature = value.split(".")
    if not hmac.compare_digest(signature, _sign(f"{account}.{issued}")):
        return None
    if not (account.isdigit() and issued.isdigit()):
        return None
    if time.time() - int(issued) > SESSION_MAX_AGE:
        return None
    return int(account)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)
