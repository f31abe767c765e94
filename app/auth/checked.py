"""Credentials checked lately, kept by each worker while nobody's access has changed.

Checking a session or an API token is three statements on a connection of its own (the
credential, the account and its scopes, the commit). A reader with an account asks for tiles by
the hundred: each worker keeps the account a credential signed in, with the access version
(migration 0012) read *before* that check, for at most a minute. A request whose own version
read, made after it arrived, finds the same number is signed in as that account: no revocation,
sign-out, disabling or change of role or scope has been committed since the check (each of them
changes the version), so the answer is the one a check of its own would give.

An entry lasts no longer than the session it signs in (idle and absolute expiry, computed by the
database), nor than a minute: a credential in use is checked again, and its last use noted, at
least once a minute. Only a credential that signs someone in is kept; keys are the SHA-256 of
the secret, never the secret.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from app.auth.principal import Principal

MAX_TRUST_S = 60.0
"""How long a check is trusted at most (the last use is noted once a minute too)."""
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Checked:
    principal: Principal
    access_version: int
    until: float
    """`time.monotonic()` after which the credential is checked again."""


class CheckedCredentials:
    """An LRU of credentials checked lately (thread-safe: checks run in the thread pool)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], _Checked] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, str], access_version: int) -> Principal | None:
        """The account `key` signed in when checked, if nothing has changed since (the access
        version is the same, read after the request arrived) and the check is recent enough."""
        with self._lock:
            checked = self._entries.get(key)
            if checked is None:
                return None
            if checked.access_version != access_version or time.monotonic() >= checked.until:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return checked.principal

    def keep(
        self, key: tuple[str, str], principal: Principal, access_version: int, lifetime_s: float
    ) -> None:
        """Keep the check of `key`: `access_version` read before it, valid `lifetime_s` more
        seconds (capped at `MAX_TRUST_S`)."""
        lifetime = min(lifetime_s, MAX_TRUST_S)
        if lifetime <= 0:
            return
        with self._lock:
            self._entries[key] = _Checked(principal, access_version, time.monotonic() + lifetime)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
