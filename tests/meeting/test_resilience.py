"""The live path outlives the database. When PostgreSQL restarts, or drops every connection, an
open stream stays open, resumes from what it last sent and misses nothing, and the next decision
reaches it within a second again; meanwhile the API answers 503, never 500."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import create_engine, text

from app.core import events
from app.core.cluster import LocalCluster
from app.core.database import sqlalchemy_url
from app.meeting.stream import HEARTBEAT_S
from tests.meeting.support import MeetingServer, SseReader

UNREACHABLE = "base de données injoignable, nouvel essai"


def _admin(server: MeetingServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.admin_token}"}


def _pending(server: MeetingServer, count: int) -> list[dict]:
    response = httpx.get(
        f"{server.base}/api/campaigns/{server.campaign_id}/divergences", headers=_admin(server)
    )
    assert response.status_code == 200, response.text
    return [r for r in response.json()["residences"] if not r["harmonised"]][:count]


def _harmonise(server: MeetingServer, residence: dict, value: int) -> httpx.Response:
    """Decide, trying again while the database is still starting (503)."""
    deadline = time.monotonic() + 30
    while True:
        response = httpx.put(
            f"{server.base}/api/campaigns/{server.campaign_id}/harmonisations/{residence['code']}",
            headers=_admin(server),
            json={"value": value, "rationale": "après la coupure", "expected_version": 0},
            timeout=15,
        )
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def _decision_of(reader: SseReader, code: str, timeout: float) -> tuple[dict, list[dict]]:
    """The event of the decision on `code`, and every message received until it."""
    deadline = time.monotonic() + timeout
    received = []
    while True:
        message = reader.next_event(timeout=max(0.1, deadline - time.monotonic()))
        received.append(message)
        if message["data"].get("residence_code") == code:
            return message, received


def _listeners(server: MeetingServer) -> int:
    """The workers that LISTEN (those serving a stream; one connection each, named for it)."""
    engine = create_engine(sqlalchemy_url(server.url))
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": events.APPLICATION_NAME},
            ).scalar_one()
    finally:
        engine.dispose()


def _listening_again(server: MeetingServer, before: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (found := _listeners(server)) < before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found >= before, f"{found} processus à l'écoute sur {before}"


def _live_again(server: MeetingServer, reader: SseReader, residence: dict, listeners: int) -> None:
    """Once the workers listen again (they retry every second at most), a decision reaches
    the open stream (how fast is the bench's live-meeting row, not asserted here)."""
    _listening_again(server, listeners)
    started = time.monotonic()
    assert _harmonise(server, residence, 2).status_code == 200
    event, _ = _decision_of(reader, residence["code"], timeout=5)
    print(f"événement reçu en {time.monotonic() - started:.2f} s après la reprise")
    assert event["data"]["grades"]["harmonised"] == 2


def test_an_open_stream_survives_a_database_restart(
    meeting_server: MeetingServer, cluster: LocalCluster
) -> None:
    stream = f"{meeting_server.base}/api/campaigns/{meeting_server.campaign_id}/events"
    first, second = _pending(meeting_server, 2)
    reader = SseReader(stream, meeting_server.elu_token)
    port = cluster.port
    try:
        assert reader.status == 200 and reader.wait_for_comment("en direct")
        listeners = _listeners(meeting_server)
        cluster.stop()
        try:
            assert reader.wait_for_comment(UNREACHABLE, timeout=HEARTBEAT_S + 5)
            down = httpx.get(
                f"{meeting_server.base}/api/campaigns/{meeting_server.campaign_id}/day",
                headers=_admin(meeting_server),
                timeout=15,
            )
            assert down.status_code == 503, down.text
            assert "injoignable" in down.json()["error"]["message"]
            assert down.headers["retry-after"]
        finally:
            cluster.start()
        assert cluster.port == port

        # Decided as soon as the database answers, maybe before the workers listen again.
        assert _harmonise(meeting_server, first, 3).status_code == 200
        event, received = _decision_of(reader, first["code"], timeout=30)
        assert event["data"]["grades"]["harmonised"] == 3
        assert not reader.wait_closed(0), "le flux s'est fermé pendant la coupure"
        # The screens are told to re-read the rest (the focus, what notifications were lost).
        while "resync" not in [m["data"]["type"] for m in received]:
            received.append(reader.next_event(timeout=10))
        _live_again(meeting_server, reader, second, listeners)
    finally:
        reader.close()

    # A screen that saw nothing since before the restart catches up on both decisions.
    back = SseReader(stream, meeting_server.elu_token, last_event_id=event["id"] - 1)
    try:
        codes = [back.next_event(timeout=10)["data"]["residence_code"] for _ in range(2)]
        assert codes == [first["code"], second["code"]]
    finally:
        back.close()


def test_an_open_stream_survives_its_connections_being_cut(meeting_server: MeetingServer) -> None:
    stream = f"{meeting_server.base}/api/campaigns/{meeting_server.campaign_id}/events"
    first, second = _pending(meeting_server, 2)
    reader = SseReader(stream, meeting_server.elu_token)
    engine = create_engine(sqlalchemy_url(meeting_server.url))
    try:
        assert reader.status == 200 and reader.wait_for_comment("en direct")
        listeners = _listeners(meeting_server)
        with engine.begin() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert killed >= listeners >= 1  # the listener of the stream's worker, pooled ones
        assert _harmonise(meeting_server, first, 1).status_code == 200
        event, _ = _decision_of(reader, first["code"], timeout=15)
        assert event["data"]["grades"]["harmonised"] == 1
        _live_again(meeting_server, reader, second, listeners)
    finally:
        engine.dispose()
        reader.close()
