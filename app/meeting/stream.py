"""The Server-Sent Events stream of a campaign: catch-up from the history, then live changes.

A notification only wakes the stream up; what it sends is read from the database as the stream's
account may read it: the grade history (`feed`, with the history id as the SSE `id:`) and the
facilitator's focus (`focus`, no id: only the latest matters). Ids are taken when a transaction
writes, not when it commits, so the stream keeps a window of ids below the newest it sent and picks
up late committers.

A stream outlives the request that opened it: every `HEARTBEAT_S`, and at once when a credential
of its account ends (`events.publish_revocation`), it checks with one short query that its
account is still active and its session or API token neither ended nor revoked, and closes
otherwise (EventSource's reconnection then gets a 401). It also outlives the database:
when a query fails for want of a connection (restart, network), it says so in a comment, waits
(longer each time, as the event hub's listener does) and resumes from what it last sent, then
tells the screen to re-read what notifications may have been lost meanwhile (`resync`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.auth.principal import Principal
from app.auth.sessions import still_valid
from app.campaigns.service import Campaign
from app.core import events
from app.core.database import run_with_connection
from app.meeting import feed
from app.meeting.focus import read_focus

HEARTBEAT_S = 5.0
"""A comment this often keeps proxies from closing the stream, and the credential is re-checked."""
RETRY_MS = 1000
"""How soon EventSource reconnects after losing the stream."""
REORDER_WINDOW = 500
"""History ids below the newest sent that are still looked at (slow transactions)."""
FEED_EVENTS = frozenset({"grade", "harmonisation", "resync"})
"""Notifications that mean "read the history again"; `focus` means "read the focus of its
room"; others are passed on as they are."""
DATABASE_UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout)
SIGNED_OUT = {
    "type": "signed_out",
    "message": "Session terminée ou accès révoqué : reconnectez-vous pour suivre la réunion.",
}

log = logging.getLogger(__name__)


def sse(data: dict, event_id: int | None = None) -> str:
    """One SSE message (default `message` type; `data` carries its `type`)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@dataclass
class Cursor:
    """The history ids a stream has accounted for."""

    newest: int
    seen: set[int] = field(default_factory=set)

    @property
    def floor(self) -> int:
        return self.newest - REORDER_WINDOW

    def add(self, event_id: int) -> None:
        self.seen.add(event_id)
        if event_id > self.newest:
            self.newest = event_id
            self.seen = {i for i in self.seen if i > self.floor}


@dataclass
class CampaignStream:
    """One screen's stream; `messages` survives the database going away and coming back."""

    principal: Principal
    campaign: Campaign
    last_event_id: int | None
    cursor: Cursor | None = None
    failures: int = 0

    async def _start(self) -> Cursor:
        """From `last_event_id` (a reconnecting screen) or from now; what lies at or below it
        in the window counts as delivered."""
        newest = self.last_event_id
        if newest is None:
            newest = await run_with_connection(feed.latest_event_id)
        cursor = Cursor(newest)
        delivered = await run_with_connection(
            feed.changes,
            self.principal,
            self.campaign,
            after=cursor.floor,
            until=newest,
            limit=None,
        )
        cursor.seen = {change["id"] for change in delivered}
        return cursor

    async def _changes(self, cursor: Cursor) -> AsyncIterator[str]:
        """What the history holds beyond the cursor, page by page; the cursor moves only past
        what was sent."""
        while True:
            page = await run_with_connection(
                feed.changes, self.principal, self.campaign, after=cursor.floor, seen=cursor.seen
            )
            for change in page:
                cursor.add(change["id"])
                yield sse(change, change["id"])
            if len(page) < feed.PAGE_SIZE:
                return

    async def _focus(self, room: int) -> str:
        focus = await run_with_connection(read_focus, self.principal, self.campaign, room)
        return sse(focus)

    async def _serve(self, queue: asyncio.Queue[dict], cursor: Cursor) -> AsyncIterator[str]:
        """Catch up, then relay the campaign's notifications until the credential ends."""
        async for message in self._changes(cursor):
            yield message
        if self.failures:
            yield sse({**events.RESYNC, "campaign_id": self.campaign.id})
        self.failures = 0
        checked = time.monotonic()
        while True:
            try:
                pending = [await asyncio.wait_for(queue.get(), HEARTBEAT_S)]
            except TimeoutError:
                pending = []
            while not queue.empty():
                pending.append(queue.get_nowait())
            revoked = [e for e in pending if e.get("type") == events.REVOCATION]
            pending = [e for e in pending if e not in revoked]
            if any(e["account_id"] == self.principal.id for e in revoked) or (
                time.monotonic() - checked >= HEARTBEAT_S
            ):
                valid = await run_with_connection(
                    still_valid, self.principal.id, self.principal.credential
                )
                if not valid:
                    yield sse(SIGNED_OUT)
                    return
                checked = time.monotonic()
            if not pending:
                yield ": heartbeat\n\n"
                continue
            rooms = {event["room"] for event in pending if event.get("type") == "focus"}
            for event in pending:
                if event.get("type") not in FEED_EVENTS | {"focus"}:
                    yield sse(event)
            for room in sorted(rooms):
                yield await self._focus(room)
            if any(event.get("type") in FEED_EVENTS for event in pending):
                async for message in self._changes(cursor):
                    yield message
            if events.RESYNC in pending:
                yield sse({**events.RESYNC, "campaign_id": self.campaign.id})

    async def messages(self) -> AsyncIterator[str]:
        """The SSE text of the campaign, with a heartbeat comment every `HEARTBEAT_S`."""
        async with events.get_hub().subscription(self.campaign.id) as queue:
            announced = False
            while True:
                try:
                    if self.cursor is None:
                        self.cursor = await self._start()
                    if not announced:
                        announced = True
                        yield f"retry: {RETRY_MS}\n: en direct\n\n"
                    async for message in self._serve(queue, self.cursor):
                        yield message
                    return
                except DATABASE_UNREACHABLE as exc:
                    delays = events.RETRY_DELAYS_S
                    delay = delays[min(self.failures, len(delays) - 1)]
                    self.failures += 1
                    log.warning(
                        "Flux en direct : base injoignable (%s), essai dans %s s.", exc, delay
                    )
                    yield ": base de données injoignable, nouvel essai\n\n"
                    await asyncio.sleep(delay)


def campaign_stream(
    principal: Principal, campaign: Campaign, last_event_id: int | None = None
) -> AsyncIterator[str]:
    """The SSE text of the campaign's changes after `last_event_id` (None: from now)."""
    return CampaignStream(principal, campaign, last_event_id).messages()
