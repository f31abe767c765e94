"""Campaign events shared by every worker process through PostgreSQL LISTEN/NOTIFY.

`publish` queues a notification in the writer's transaction. Each worker process runs one
`EventHub` task that LISTENs on `CHANNEL` with its own psycopg connection and hands every
notification to the in-process subscribers of its campaign (asyncio queues).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.database import resolve_database_url

CHANNEL = "qualiparc_campaign_events"
APPLICATION_NAME = "qualiparc-events"
"""How the listening connection shows in `pg_stat_activity`."""
RESYNC = {"type": "resync"}
"""Sent to every subscriber when the listener reconnects: notifications may have been missed."""
REVOCATION = "revocation"
"""A credential of an account ended: its streams re-check it at once (never passed on)."""
QUEUE_SIZE = 256
HEALTH_CHECK_S = 20.0
"""A quiet connection is probed this often, so that a silently dead one is replaced."""
RETRY_DELAYS_S = (0.2, 0.5, 1.0)
"""Waits between attempts to reach the database again: never more than a second, so that the
live path is back within a second of the database."""
SUBSCRIBE_WAIT_S = 5.0

log = logging.getLogger(__name__)


def publish(conn: Connection, campaign_id: int, event: dict) -> None:
    """Queue `event` for the campaign's listeners; it is delivered when the transaction commits."""
    payload = json.dumps({"campaign_id": campaign_id, **event}, default=str)
    conn.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )


def publish_revocation(conn: Connection, account_id: int) -> None:
    """Wake every stream when a session or token of `account_id` ends or the account is
    disabled, so that its own streams close at once (delivered when the transaction commits)."""
    payload = json.dumps({"type": REVOCATION, "account_id": account_id})
    conn.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )


def libpq_url(url: str) -> str:
    """A SQLAlchemy or plain PostgreSQL URL as psycopg expects it (`postgresql://…`)."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url


class EventHub:
    """One LISTEN connection for the process, its notifications fanned out by campaign."""

    def __init__(self, url: str | None = None) -> None:
        self._url = url
        self._subscribers: dict[int, set[asyncio.Queue[dict]]] = {}
        self._listening = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.loop = asyncio.get_running_loop()
        self.connections = 0
        """How many times the listener connected (1 + reconnections)."""

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def subscribe(self, campaign_id: int) -> asyncio.Queue[dict]:
        """A queue receiving the campaign's events; waits (a little) until LISTEN is active."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen(), name="qualiparc-events")
        queue: asyncio.Queue[dict] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.setdefault(campaign_id, set()).add(queue)
        with suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), SUBSCRIBE_WAIT_S)
        return queue

    def unsubscribe(self, campaign_id: int, queue: asyncio.Queue[dict]) -> None:
        queues = self._subscribers.get(campaign_id, set())
        queues.discard(queue)
        if not queues:
            self._subscribers.pop(campaign_id, None)

    @asynccontextmanager
    async def subscription(self, campaign_id: int) -> AsyncIterator[asyncio.Queue[dict]]:
        queue = await self.subscribe(campaign_id)
        try:
            yield queue
        finally:
            self.unsubscribe(campaign_id, queue)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        """LISTEN for ever: reconnect after any failure, then tell subscribers to resync."""
        failures = 0
        while True:
            try:
                url = self._url or await asyncio.to_thread(resolve_database_url)
                async with await psycopg.AsyncConnection.connect(
                    libpq_url(url),
                    autocommit=True,
                    application_name=APPLICATION_NAME,
                    keepalives=1,
                    keepalives_idle=10,
                    keepalives_interval=5,
                    keepalives_count=3,
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connections += 1
                    failures = 0
                    self._listening.set()
                    if self.connections > 1:
                        self._broadcast(RESYNC)
                    while True:
                        async for notify in conn.notifies(timeout=HEALTH_CHECK_S):
                            self._dispatch(notify.payload)
                        await conn.execute("SELECT 1")
            except (psycopg.Error, OSError) as exc:
                log.warning("Écoute des événements interrompue (%s) : reconnexion.", exc)
            self._listening.clear()
            await asyncio.sleep(RETRY_DELAYS_S[min(failures, len(RETRY_DELAYS_S) - 1)])
            failures += 1

    def _dispatch(self, payload: str) -> None:
        try:
            event = json.loads(payload)
            if event.get("type") == REVOCATION:
                self._broadcast({"type": REVOCATION, "account_id": int(event["account_id"])})
                return
            campaign_id = int(event["campaign_id"])
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("Notification illisible ignorée : %.200s", payload)
            return
        for queue in tuple(self._subscribers.get(campaign_id, ())):
            _offer(queue, event)

    def _broadcast(self, event: dict) -> None:
        for queues in tuple(self._subscribers.values()):
            for queue in tuple(queues):
                _offer(queue, event)


def _offer(queue: asyncio.Queue[dict], event: dict) -> None:
    """A full queue belongs to a stalled reader: it will resync from the database anyway."""
    with suppress(asyncio.QueueFull):
        queue.put_nowait(event)


_hub: EventHub | None = None


def get_hub() -> EventHub:
    """The event hub of the running event loop (one per worker process), created on first use."""
    global _hub
    if _hub is None or _hub.loop is not asyncio.get_running_loop():
        _hub = EventHub()
    return _hub
