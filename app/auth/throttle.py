"""Sign-in throttling, per e-mail address and per client address, shared by every worker.

Each key (the SHA-256 of `email:…` or `address:…`, so that no typed address is stored) counts its
failures in a window; reaching the limit locks the key, for `login_lock_minutes` the first time
and twice as long at each further lock within a day (24 h at most). While a key is locked, sign-in
is refused before any password is checked, with the same answer whether the account exists or not.
A success clears its e-mail's count, never its address's: an attacker cannot reset the address
count with an account of their own.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.errors import TooManyRequests
from app.core.settings import get_settings

MAX_LOCK = timedelta(days=1)


@dataclass(frozen=True)
class ThrottleKey:
    digest: str
    limit: int


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


def email_key(email: str) -> ThrottleKey:
    return ThrottleKey(_digest("email", email.strip().lower()), get_settings().login_max_failures)


def address_key(address: str) -> ThrottleKey:
    return ThrottleKey(_digest("address", address), get_settings().login_max_failures_per_address)


def check(conn: Connection, keys: list[ThrottleKey]) -> None:
    """Refuse (429, French, Retry-After) while any of `keys` is locked."""
    wait = conn.execute(
        text(
            "SELECT max(extract(epoch FROM locked_until - now())) FROM login_throttle"
            " WHERE key = ANY(:keys) AND locked_until > now()"
        ),
        {"keys": [key.digest for key in keys]},
    ).scalar_one()
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        minutes = math.ceil(seconds / 60)
        raise TooManyRequests(
            "Trop de tentatives de connexion : par sécurité, la connexion est suspendue. "
            f"Réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.",
            retry_after=seconds,
        )


def record_failure(conn: Connection, keys: list[ThrottleKey]) -> None:
    """Count one failure on each key, locking those that reach their limit."""
    settings = get_settings()
    window = timedelta(minutes=settings.login_window_minutes)
    first_lock = timedelta(minutes=settings.login_lock_minutes)
    for key in sorted(keys, key=lambda k: k.digest):
        conn.execute(
            text("INSERT INTO login_throttle (key) VALUES (:key) ON CONFLICT (key) DO NOTHING"),
            {"key": key.digest},
        )
        row = conn.execute(
            text(
                "SELECT failures, window_start, lockouts, locked_until, now() AS now"
                " FROM login_throttle WHERE key = :key FOR UPDATE"
            ),
            {"key": key.digest},
        ).one()
        now, window_start = row.now, row.window_start
        failures, lockouts = row.failures, row.lockouts
        if now - window_start > window:
            failures, window_start = 0, now
        if row.locked_until is not None and now - row.locked_until > MAX_LOCK:
            lockouts = 0
        failures += 1
        locked_until = row.locked_until
        if failures >= key.limit:
            lockouts += 1
            locked_until = now + min(first_lock * 2 ** (lockouts - 1), MAX_LOCK)
            failures, window_start = 0, now
        conn.execute(
            text(
                "UPDATE login_throttle SET failures = :failures, window_start = :window_start,"
                " lockouts = :lockouts, locked_until = :locked_until, updated_at = now()"
                " WHERE key = :key"
            ),
            {
                "key": key.digest,
                "failures": failures,
                "window_start": window_start,
                "lockouts": lockouts,
                "locked_until": locked_until,
            },
        )


def clear(conn: Connection, key: ThrottleKey) -> None:
    conn.execute(text("DELETE FROM login_throttle WHERE key = :key"), {"key": key.digest})


def purge(conn: Connection) -> None:
    """Forget keys idle for a day and unlocked."""
    conn.execute(
        text(
            "DELETE FROM login_throttle WHERE updated_at < now() - interval '1 day'"
            " AND (locked_until IS NULL OR locked_until < now())"
        )
    )
