"""The engine: one pool per process, pointed at the configured or the local database."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import lru_cache
from typing import TypeVar

import anyio
from psycopg.adapt import Buffer, Loader
from sqlalchemy import URL, Engine, TextClause, create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool

from app.core.cluster import LocalCluster
from app.core.settings import get_settings

T = TypeVar("T")
U = TypeVar("U")


def sqlalchemy_url(url: str) -> str:
    """Accept a plain `postgresql://` URL and pick the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"URL de base de données non reconnue : {url!r} (attendu postgresql://…)")


class _Utf8Loader(Loader):
    """A text value as the bytes PostgreSQL sent, for a connection whose encoding is UTF-8."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


def text_as_bytes(conn: Connection, statement: TextClause, params: dict) -> bytes | None:
    """The one text value `statement` selects, as UTF-8 bytes, without the `str` psycopg would
    decode and the caller encode again: a full layer is 118 MB of GeoJSON at 210,000
    residences, and each pass over it cost about 0.3 s (bench/README.md)."""
    compiled = statement.compile(dialect=conn.dialect)
    driver = conn.connection.driver_connection
    utf8 = driver.info.encoding == "utf-8"
    with driver.cursor() as cursor:
        if utf8:
            cursor.adapters.register_loader("text", _Utf8Loader)
        cursor.execute(compiled.string, compiled.construct_params(params))
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return row[0] if utf8 else row[0].encode()


def resolve_database_url() -> str:
    """The configured database, or the project-local cluster (started when needed)."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    return LocalCluster(settings.cluster_dir).ensure()


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the resolved database), its pool sized by the
    settings; a request waiting longer than `db_pool_timeout` gets a 503 (app/core/errors.py)."""
    settings = get_settings()
    return create_engine(
        sqlalchemy_url(url or resolve_database_url()),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
    )


@lru_cache
def _spare_engine(url: URL) -> Engine:
    return create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)


_spare = threading.Lock()
"""Held while the process's spare connection is in use: it is never waited for."""
_spare_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spare-connection")


def run_at_once(
    conn: Connection, first: Callable[[Connection], T], second: Callable[[Connection], U]
) -> tuple[T, U]:
    """`first(conn)` and `second(spare)` at the same time, on two PostgreSQL processes: `spare`
    is the process's one spare connection, used by a thread of its own. While another request
    holds it, both run on `conn`, one after the other. The two calls see each their own
    snapshot of the data (each at least as new as what `conn` read before)."""
    if not _spare.acquire(blocking=False):
        return first(conn), second(conn)
    try:
        with _spare_engine(conn.engine.url).connect() as spare:
            later = _spare_thread.submit(second, spare)
            try:
                done = first(conn)
            except BaseException:
                wait([later])  # the spare is not closed under its query
                raise
            return done, later.result()
    finally:
        _spare.release()


class RequestDatabase:
    """The one connection of a request, taken from the pool on first use (a request that needs
    no database holds none) and returned when the handler is done.

    Waiting for a connection happens on the event loop, for one of `pool_size + max_overflow`
    slots of the worker, never in a thread: a thread blocked on an empty pool would be missing
    to the requests that hold the connections and need a thread to finish (with more requests
    than threads, all waited and none finished until the pool timeout)."""

    def __init__(self) -> None:
        self._connection: Connection | None = None
        self._slots: asyncio.Semaphore | None = None

    async def acquire(self) -> Connection:
        if self._connection is None:
            slots = await _take_slot()
            try:
                self._connection = await run_in_threadpool(get_engine().connect)
            except BaseException:
                slots.release()
                raise
            self._slots = slots
        return self._connection

    async def release(self) -> None:
        connection, slots = self._connection, self._slots
        self._connection = self._slots = None
        with anyio.CancelScope(shield=True):
            try:
                if connection is not None:
                    await run_in_threadpool(connection.close)
            finally:
                if slots is not None:
                    slots.release()


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _request_slots() -> asyncio.Semaphore:
    """The request slots of this worker's event loop: as many as its pool has connections."""
    settings = get_settings()
    size = settings.db_pool_size + settings.db_max_overflow
    loop = asyncio.get_running_loop()
    known = _slots.get(loop)
    if known is None or known[0] != size:
        known = _slots[loop] = (size, asyncio.Semaphore(size))
    return known[1]


async def _take_slot() -> asyncio.Semaphore:
    """One of this worker's request slots, waited for on the event loop (PoolTimeout past
    `db_pool_timeout`); the caller releases it."""
    slots = _request_slots()
    try:
        await asyncio.wait_for(slots.acquire(), get_settings().db_pool_timeout)
    except TimeoutError:
        raise PoolTimeout("no database connection free in time") from None
    return slots


async def request_database() -> AsyncIterator[RequestDatabase]:
    """A `RequestDatabase` released when the request's handler returns (a FastAPI dependency)."""
    database = RequestDatabase()
    try:
        yield database
    finally:
        await database.release()


async def run_with_connection(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """`function(conn, *args, **kwargs)` on a connection of its own, taken like a request's slot
    (waited for on the event loop), then opened, used and closed in one trip to a thread (for the
    live stream, and for the answers served from the cache before routing)."""
    slots = await _take_slot()

    def call() -> T:
        with get_engine().connect() as conn:
            return function(conn, *args, **kwargs)

    try:
        return await run_in_threadpool(call)  # a cancelled wait lets the thread finish first
    finally:
        slots.release()
