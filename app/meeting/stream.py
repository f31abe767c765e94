"""The Server-Sent Events stream of a campaign: catch-up from the history, then live changes.

A notification only wakes the stream up; what it sends is read from the history (`feed`), with
the history id as the SSE `id:`. Ids are taken when a transaction writes, not when it commits,
so the stream keeps a window of ids below the newest it sent and picks up late committers.

A stream outlives the request that opened it: every `HEARTBEAT_S`, and at once when a credential
of its account ends (`events.publish_revocation`), it checks with one short query that its
account is still active and its session or API token neither ended nor revoked, and closes
otherwise (EventSource's reconnection then gets a 401).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from app.auth.principal import Principal
from app.auth.sessions import still_valid
from app.campaigns.service import Campaign
from app.core import events
from app.core.database import run_with_connection
from app.meeting import feed

HEARTBEAT_S = 5.0
"""A comment this often keeps proxies from closing the stream, and the credential is re-checked."""
RETRY_MS = 1000
"""How soon EventSource reconnects after losing the stream."""
REORDER_WINDOW = 500
"""History ids below the newest sent that are still looked at (slow transactions)."""
FEED_EVENTS = frozenset({"grade", "harmonisation", "resync"})
"""Notifications that mean "read the history again"; others are passed on as they are."""
SIGNED_OUT = {
    "type": "signed_out",
    "message": "Session terminée ou accès révoqué : reconnectez-vous pour suivre la réunion.",
}


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


async def _start(principal: Principal, campaign: Campaign, last_event_id: int | None) -> Cursor:
    """From `last_event_id` (a reconnecting screen) or from now; what lies at or below it in
    the window counts as delivered."""
    newest = last_event_id
    if newest is None:
        newest = await run_with_connection(feed.latest_event_id)
    cursor = Cursor(newest)
    delivered = await run_with_connection(
        feed.changes, principal, campaign, after=cursor.floor, until=newest, limit=None
    )
    cursor.seen = {change["id"] for change in delivered}
    return cursor


async def _new_changes(principal: Principal, campaign: Campaign, cursor: Cursor) -> list[dict]:
    found = []
    while True:
        page = await run_with_connection(
            feed.changes, principal, campaign, after=cursor.floor, seen=cursor.seen
        )
        for change in page:
            cursor.add(change["id"])
        found.extend(page)
        if len(page) < feed.PAGE_SIZE:
            return found


async def campaign_stream(
    principal: Principal, campaign: Campaign, last_event_id: int | None = None
) -> AsyncIterator[str]:
    """The SSE text of the campaign's changes, with a heartbeat comment every `HEARTBEAT_S`."""
    async with events.get_hub().subscription(campaign.id) as queue:
        cursor = await _start(principal, campaign, last_event_id)
        yield f"retry: {RETRY_MS}\n: en direct\n\n"
        for change in await _new_changes(principal, campaign, cursor):
            yield sse(change, change["id"])
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
            if any(e["account_id"] == principal.id for e in revoked) or (
                time.monotonic() - checked >= HEARTBEAT_S
            ):
                if not await run_with_connection(still_valid, principal.id, principal.credential):
                    yield sse(SIGNED_OUT)
                    return
                checked = time.monotonic()
            if not pending:
                yield ": heartbeat\n\n"
                continue
            for event in pending:
                if event.get("type") not in FEED_EVENTS:
                    yield sse(event)
            if any(event.get("type") in FEED_EVENTS for event in pending):
                for change in await _new_changes(principal, campaign, cursor):
                    yield sse(change, change["id"])
            if events.RESYNC in pending:
                yield sse({**events.RESYNC, "campaign_id": campaign.id})
