"""Layer and tile bytes kept already compressed, keyed so that a grade never shows stale.

An entry's key holds the resource (path and canonical query), the caller's *visibility class*
(what the access gate depends on: anonymous, or the role and scopes of the account; two callers
share an entry only if the gate shows them exactly the same thing), and the database's data
version (migration 0010: it changes with every write to what the layers show, whoever writes).
A write therefore never needs to reach the cache: the next request reads the new version and
misses. The entries are gzip bytes, in a per-process LRU bounded in bytes
(`QUALIPARC_CACHE_MB`).

The ETag is a digest of the key (and of the content coding): a client's `If-None-Match` is
answered `304 Not Modified` after one query (the version), before any layer is built.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from app.auth.principal import Principal
from app.core.compression import gzip_bytes

GZIP_LEVEL = 5
VARY = "Cookie, Authorization, Accept-Encoding"
PRIVATE = "private, no-cache"
"""Anything with grades, or asked by an account: kept by the browser only, revalidated each time."""
PUBLIC = "public, no-cache"
"""Free of grades and asked anonymously: may be shared by a proxy, revalidated each time."""


def visibility_class(principal: Principal | None) -> Hashable:
    """What the access gate reads of a caller: its role and scopes (nothing for a visitor)."""
    if principal is None:
        return "anonyme"
    scopes = tuple(sorted((kind, tuple(sorted(codes))) for kind, codes in principal.scopes.items()))
    return (principal.role.value, scopes)


@dataclass(frozen=True)
class Entry:
    compressed: bytes
    """The body gzipped (empty for an empty body)."""
    empty: bool
    about: Hashable = None
    """What the caller stored with it (the HTTP layer: how to answer with it)."""


Key = tuple[Hashable, Hashable, int]
"""(resource, visibility class, data version): the resource names what was asked (the HTTP
layer: base URL, path and query)."""


class ResponseCache:
    """An LRU of compressed bodies bounded by their total size in bytes (thread-safe: the
    handlers run in a thread pool). It counts its entries per resource, so that `holds` tells,
    before any version is read, whether a resource may be in it at all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._resources: dict[Hashable, int] = {}
        self._building: dict[Key, _Building] = {}
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.early_hits = 0
        """Hits answered before routing (app/api/caching.py)."""

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def holds(self, resource: Hashable) -> bool:
        """Whether some entry (of any visibility class or version) is kept for `resource`."""
        return resource in self._resources

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Key, entry: Entry) -> None:
        size = len(entry.compressed)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is None:
                self._resources[key[0]] = self._resources.get(key[0], 0) + 1
            else:
                self._size -= len(old.compressed)
            self._entries[key] = entry
            self._size += size
            while self._size > self.max_bytes:
                evicted_key, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.compressed)
                left = self._resources[evicted_key[0]] - 1
                if left:
                    self._resources[evicted_key[0]] = left
                else:
                    del self._resources[evicted_key[0]]

    def fetch(self, key: Key, build: Callable[[], bytes], about: Hashable = None) -> Entry:
        """The entry of `key`, built and compressed on a miss (kept with `about`). One request
        builds it; those asking for it meanwhile wait for that build instead of repeating it
        (after a change of the data, a hundred readers of a layer would build it a hundred
        times at once); if it fails, each builds its own."""
        entry = self.get(key)
        if entry is not None:
            return entry
        with self._lock:
            entry = self._entries.get(key)  # built between the look above and now
            if entry is not None:
                return entry
            building = self._building.get(key)
            mine = building is None
            if building is None:
                building = self._building[key] = _Building()
        if not mine:
            building.done.wait()
            if building.entry is not None:
                return building.entry
            return self._build(key, build, about)
        try:
            building.entry = self._build(key, build, about)
            return building.entry
        finally:
            with self._lock:
                del self._building[key]
            building.done.set()

    def _build(self, key: Key, build: Callable[[], bytes], about: Hashable) -> Entry:
        body = build()
        compressed = gzip_bytes(body, GZIP_LEVEL) if body else b""
        entry = Entry(compressed, not body, about)
        self.put(key, entry)
        return entry


class _Building:
    """A build in progress, which other requests for the same key wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.entry: Entry | None = None


def etag(key: Key, coding: str) -> str:
    """A strong ETag of a key and a content coding (`gzip` or `identity`)."""
    digest = hashlib.sha256(repr((key, coding)).encode()).hexdigest()[:40]
    return f'"{digest}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether `If-None-Match` names `tag` (or is `*`)."""
    if not if_none_match:
        return False
    names = [part.strip() for part in if_none_match.split(",")]
    return "*" in names or tag in names
