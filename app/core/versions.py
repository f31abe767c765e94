"""The database's two versions, and the shared queries that read them on a loaded server.

The data version (migration 0010) changes with whatever the layers and tiles show; the access
version (migration 0012) with whatever decides who a credential signs in. The cached answers
(`app/api/caching.py`) and the credentials checked lately (`app/auth/checked.py`) are kept per
version: a request that reads the versions after it arrived gets nothing older than the
database's own state at that moment.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.database import run_with_connection


class Versions(NamedTuple):
    data: int
    access: int


def data_version(conn: Connection) -> int:
    """The database's data version (migration 0010)."""
    return int(conn.execute(text("SELECT version FROM data_version")).scalar_one())


def access_version(conn: Connection) -> int:
    """The database's access version (migration 0012)."""
    return int(conn.execute(text("SELECT version FROM access_version")).scalar_one())


def read_versions(conn: Connection) -> Versions:
    """Both versions, in one query (one snapshot)."""
    row = conn.execute(
        text("SELECT d.version, a.version FROM data_version d CROSS JOIN access_version a")
    ).one()
    return Versions(int(row[0]), int(row[1]))


def _autocommit_versions(conn: Connection) -> Versions:
    conn.execution_options(isolation_level="AUTOCOMMIT")  # a read: no transaction to end
    return read_versions(conn)


class VersionReads:
    """The versions for the answers given before routing, read by as few queries as a loaded
    server needs: a request waits for the next query *sent after it arrived*, which every
    request waiting meanwhile shares. What it gets is therefore at least as new as a query of
    its own, never older: a decision or a revocation committed before the request came is
    always seen."""

    def __init__(self) -> None:
        self._next: asyncio.Future[Versions] | None = None
        self._reading = False

    async def read(self) -> Versions:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if not self._reading:
            self._reading = True
            asyncio.get_running_loop().create_task(self._serve())
        return await asyncio.shield(waiting)

    async def _serve(self) -> None:
        batch: asyncio.Future[Versions] | None = None
        try:
            while self._next is not None:
                batch, self._next = self._next, None  # later arrivals wait for the next query
                try:
                    versions = await run_with_connection(_autocommit_versions)
                except Exception as error:  # every waiter gets it: the route answers them
                    batch.set_exception(error)
                else:
                    batch.set_result(versions)
        finally:
            self._reading = False
            for left in (batch, self._next):  # stopped (the server shutting down)
                if left is not None and not left.done():
                    left.cancel()
            self._next = None


_version_reads: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, VersionReads] = (
    weakref.WeakKeyDictionary()
)


def version_reads() -> VersionReads:
    """The shared version reads of this event loop (one per worker)."""
    loop = asyncio.get_running_loop()
    reads = _version_reads.get(loop)
    if reads is None:
        reads = _version_reads[loop] = VersionReads()
    return reads
