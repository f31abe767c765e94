"""Live events: PostgreSQL NOTIFY fanned out in a process, and the SSE stream with catch-up."""

from __future__ import annotations

import asyncio
import time

import httpx
from sqlalchemy import Engine, create_engine, text

from app.core import events
from app.core.database import sqlalchemy_url
from tests.meeting.support import MeetingServer, SseReader


def _publish(engine: Engine, campaign_id: int, event: dict) -> None:
    with engine.begin() as conn:
        events.publish(conn, campaign_id, event)


async def _next(queue: asyncio.Queue, timeout: float = 5) -> dict:
    return await asyncio.wait_for(queue.get(), timeout)


def test_notifications_reach_subscribers_of_their_campaign(db_url: str, engine: Engine) -> None:
    async def scenario() -> None:
        hub = events.EventHub(db_url)
        try:
            seven = await hub.subscribe(7)
            eight = await hub.subscribe(8)
            assert hub.listening
            await asyncio.to_thread(_publish, engine, 7, {"type": "status", "status": "closed"})
            assert await _next(seven) == {"campaign_id": 7, "type": "status", "status": "closed"}
            assert eight.empty()
            hub.unsubscribe(7, seven)
            await asyncio.to_thread(_publish, engine, 7, {"type": "grade"})
            await asyncio.to_thread(_publish, engine, 8, {"type": "grade"})
            assert await _next(eight) == {"campaign_id": 8, "type": "grade"}
            assert seven.empty()
        finally:
            await hub.close()

    asyncio.run(scenario())


def test_nothing_is_delivered_before_commit(db_url: str, engine: Engine) -> None:
    async def scenario() -> None:
        hub = events.EventHub(db_url)
        try:
            queue = await hub.subscribe(1)
            with engine.connect() as conn:
                events.publish(conn, 1, {"type": "grade"})
                await asyncio.sleep(0.3)
                assert queue.empty()
                conn.rollback()
            await asyncio.sleep(0.3)
            assert queue.empty()
        finally:
            await hub.close()

    asyncio.run(scenario())


def test_listener_reconnects_and_asks_for_a_resync(db_url: str, engine: Engine) -> None:
    async def scenario() -> None:
        hub = events.EventHub(db_url)
        try:
            queue = await hub.subscribe(3)
            with engine.begin() as conn:
                killed = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = :name AND datname = current_database()"
                    ),
                    {"name": events.APPLICATION_NAME},
                ).scalar_one()
            assert killed == 1
            assert await _next(queue, 10) == events.RESYNC
            assert hub.connections == 2
            await asyncio.to_thread(_publish, engine, 3, {"type": "grade"})
            assert await _next(queue) == {"campaign_id": 3, "type": "grade"}
        finally:
            await hub.close()

    asyncio.run(scenario())


def _first_pending(server: MeetingServer) -> dict:
    response = httpx.get(
        f"{server.base}/api/campaigns/{server.campaign_id}/divergences",
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )
    assert response.status_code == 200, response.text
    return next(r for r in response.json()["residences"] if not r["harmonised"])


def _harmonise(server: MeetingServer, residence: dict, value: int, version: int) -> httpx.Response:
    return httpx.put(
        f"{server.base}/api/campaigns/{server.campaign_id}/harmonisations/{residence['code']}",
        headers={"Authorization": f"Bearer {server.admin_token}"},
        json={"value": value, "rationale": "test du flux", "expected_version": version},
    )


def test_stream_delivers_changes_and_catches_up(meeting_server: MeetingServer) -> None:
    url = f"{meeting_server.base}/api/campaigns/{meeting_server.campaign_id}/events"
    assert httpx.get(url).status_code == 401
    residence = _first_pending(meeting_server)
    live = SseReader(url, meeting_server.elu_token)
    try:
        assert live.status == 200
        assert live.wait_for_comment("en direct")
        started = time.monotonic()
        assert _harmonise(meeting_server, residence, 2, 0).status_code == 200
        first = live.next_event(timeout=5)
        print(f"événement reçu en {time.monotonic() - started:.2f} s")  # measured by the bench
        assert first["data"]["type"] == "harmonisation"
        assert first["data"]["residence_code"] == residence["code"]
        assert first["data"]["grades"]["harmonised"] == 2
        assert first["data"]["grades"]["version"] == 1
        assert first["data"]["rationale"] == "test du flux"
        assert first["id"] == first["data"]["id"]

        assert _harmonise(meeting_server, residence, 1, 1).status_code == 200
        second = live.next_event(timeout=5)
        assert second["id"] > first["id"]
        assert second["data"]["grades"]["harmonised"] == 1
        stale = _harmonise(meeting_server, residence, 4, 1)
        assert stale.status_code == 409

        # A change written by another process (this test, not a server worker) reaches the
        # stream too: NOTIFY goes through PostgreSQL, not through process memory.
        engine = create_engine(sqlalchemy_url(meeting_server.url))
        with engine.begin() as conn:
            outside = conn.execute(
                text(
                    "INSERT INTO grade_event (campaign_id, residence_id, kind, before, after,"
                    " actor_label) SELECT :c, r.id, 'harmonisation', 1, 1, 'autre processus'"
                    " FROM residence r WHERE r.code = :code RETURNING id"
                ),
                {"c": meeting_server.campaign_id, "code": residence["code"]},
            ).scalar_one()
            events.publish(conn, meeting_server.campaign_id, {"type": "harmonisation"})
        engine.dispose()
        assert live.next_event(timeout=5)["id"] == outside
    finally:
        live.close()

    # A screen that saw only the first event reconnects: it gets the second, not the first,
    # and the refused attempt is not an event (nothing changed).
    back = SseReader(url, meeting_server.elu_token, last_event_id=first["id"])
    try:
        caught_up = back.next_event(timeout=5)
        assert caught_up["id"] == second["id"]
        assert caught_up["data"]["grades"]["harmonised"] == 1
        assert back.next_event(timeout=5)["id"] == outside
        assert back.events.empty()
    finally:
        back.close()

    # A screen that loaded its queue at `last_event_id` connects with `after`: same catch-up.
    loaded = SseReader(f"{url}?after={second['id']}", meeting_server.elu_token)
    try:
        assert loaded.next_event(timeout=5)["id"] == outside
    finally:
        loaded.close()
