"""The response cache's own rules (app/core/cache.py): one build per key at a time."""

from __future__ import annotations

import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from app.core.cache import Entry, ResponseCache

KEY = (("http://test/", "/api/residences", ()), "anonyme", 1)


def test_concurrent_misses_build_once() -> None:
    """Twenty requests for a missing layer at once: one builds it, the others wait for it."""
    cache = ResponseCache(1024 * 1024)
    builds = []
    started = threading.Event()

    def build() -> bytes:
        builds.append(1)
        started.set()
        time.sleep(0.3)
        return b'{"type":"FeatureCollection"}'

    with ThreadPoolExecutor(20) as pool:
        entries = list(pool.map(lambda _: cache.fetch(KEY, build), range(20)))
    assert len(builds) == 1
    assert {gzip.decompress(e.compressed) for e in entries} == {b'{"type":"FeatureCollection"}'}
    assert cache.holds(KEY[0]) and len(cache) == 1


def test_a_failed_build_leaves_each_waiter_to_build() -> None:
    cache = ResponseCache(1024 * 1024)
    calls = []
    first = threading.Event()

    def build() -> bytes:
        calls.append(1)
        if len(calls) == 1:
            first.set()
            time.sleep(0.2)
            raise RuntimeError("base injoignable")
        return b"ok"

    def ask() -> bytes | str:
        try:
            return gzip.decompress(cache.fetch(KEY, build).compressed)
        except RuntimeError as error:
            return str(error)

    with ThreadPoolExecutor(2) as pool:
        failing = pool.submit(ask)
        first.wait(5)
        waiting = pool.submit(ask)
        assert failing.result() == "base injoignable"
        assert waiting.result() == b"ok"
    assert not cache._building


def test_entries_are_counted_per_resource() -> None:
    """`holds` follows the entries of a resource into and out of the LRU."""
    cache = ResponseCache(300)
    for version in range(3):
        cache.put((("couche",), "anonyme", version), Entry(b"x" * 100, False))
    assert cache.holds(("couche",)) and len(cache) == 3
    for version in range(3):
        cache.put((("tuile",), "anonyme", version), Entry(b"y" * 100, False))
    assert not cache.holds(("couche",)) and cache.holds(("tuile",))
