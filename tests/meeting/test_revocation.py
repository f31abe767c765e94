"""A live stream outlives the request that opened it, not its credential: revoking the token,
disabling the account or signing out closes it within seconds, and it cannot reconnect. Through
the application, the revocation wakes the stream at once; even a change made by hand in the
database is caught at the next heartbeat."""

from __future__ import annotations

import itertools
import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.auth.accounts import (
    account_id_of,
    create_account,
    create_token,
    list_tokens,
    revoke_token,
    set_active,
)
from app.core.database import sqlalchemy_url
from app.meeting.stream import HEARTBEAT_S
from tests.meeting.support import CU_ARRAS, PASSWORD, MeetingServer, SseReader

CLOSES_WITHIN = HEARTBEAT_S + 5
"""A revocation by hand in SQL: found at the next heartbeat's check."""
PUSHED_WITHIN = 3.0
"""A revocation through the application: notified to the stream at once."""
_numbers = itertools.count()


@pytest.fixture
def viewer(meeting_server: MeetingServer) -> tuple[str, str]:
    """A new elected official of the CU d'Arras on the meeting server: e-mail, API token."""
    email = f"elu-{next(_numbers)}-{time.monotonic_ns()}@arras.test"
    engine = create_engine(sqlalchemy_url(meeting_server.url))
    with engine.begin() as conn:
        create_account(conn, email, "elu", [CU_ARRAS], password=PASSWORD)
        token = create_token(conn, email)
    engine.dispose()
    return email, token


def _in_database(meeting_server: MeetingServer, action) -> None:
    engine = create_engine(sqlalchemy_url(meeting_server.url))
    with engine.begin() as conn:
        action(conn)
    engine.dispose()


def _stream(meeting_server: MeetingServer) -> str:
    return f"{meeting_server.base}/api/campaigns/{meeting_server.campaign_id}/events"


def _assert_closes(reader: SseReader, started: float, within: float = PUSHED_WITHIN) -> None:
    assert reader.wait_closed(within), "le flux reste ouvert après la révocation"
    assert time.monotonic() - started < within
    last = None
    while not reader.events.empty():
        last = reader.events.get_nowait()
    assert last is not None and last["data"]["type"] == "signed_out"


def test_a_token_revoked_by_hand_in_sql_closes_its_stream(meeting_server: MeetingServer, viewer):
    email, token = viewer
    reader = SseReader(_stream(meeting_server), token)
    assert reader.status == 200 and reader.wait_for_comment("en direct")
    started = time.monotonic()
    _in_database(
        meeting_server,
        lambda conn: conn.execute(
            text(
                "UPDATE api_token SET revoked_at = now() WHERE account_id ="
                " (SELECT id FROM account WHERE email = :e)"
            ),
            {"e": email},
        ),
    )
    _assert_closes(reader, started, CLOSES_WITHIN)
    again = httpx.get(_stream(meeting_server), headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401


def test_a_token_revoked_by_the_command_closes_its_stream(meeting_server: MeetingServer, viewer):
    email, token = viewer
    reader = SseReader(_stream(meeting_server), token)
    assert reader.status == 200 and reader.wait_for_comment("en direct")
    started = time.monotonic()
    _in_database(
        meeting_server,
        lambda conn: [revoke_token(conn, row["id"]) for row in list_tokens(conn, email)],
    )
    _assert_closes(reader, started)


def test_disabling_the_account_closes_its_signed_in_stream(meeting_server: MeetingServer, viewer):
    email, _ = viewer
    signed_in = httpx.post(
        f"{meeting_server.base}/api/auth/login", json={"email": email, "password": PASSWORD}
    )
    cookie = f"qp_session={signed_in.cookies['qp_session']}"
    reader = SseReader(_stream(meeting_server), None, cookie=cookie)
    assert reader.status == 200 and reader.wait_for_comment("en direct")
    started = time.monotonic()
    _in_database(meeting_server, lambda conn: set_active(conn, account_id_of(conn, email), False))
    _assert_closes(reader, started)
    assert httpx.get(_stream(meeting_server), headers={"Cookie": cookie}).status_code == 401


def test_signing_out_closes_the_stream_of_that_session(meeting_server: MeetingServer, viewer):
    email, _ = viewer
    with httpx.Client(base_url=meeting_server.base) as browser:
        csrf = browser.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "csrf_token"
        ]
        cookie = f"qp_session={browser.cookies['qp_session']}"
        reader = SseReader(_stream(meeting_server), None, cookie=cookie)
        assert reader.status == 200 and reader.wait_for_comment("en direct")
        started = time.monotonic()
        assert browser.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).is_success
    _assert_closes(reader, started)
