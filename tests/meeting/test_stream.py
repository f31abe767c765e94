"""The SSE stream in-process: catch-up after an id, scope filtering, late-committing writers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from app.auth.principal import Principal, load_principal
from app.campaigns.service import load_campaign
from app.core import events
from app.meeting.stream import campaign_stream
from tests.meeting.support import ACHICOURT, PASSWORD, SmallCampaign, login

LOG_CHANGE = text(
    """
    INSERT INTO grade_event (campaign_id, residence_id, kind, before, after, note, actor_label)
    SELECT :campaign, r.id, 'harmonisation', NULL, :value, 'essai', 'test'
    FROM residence r WHERE r.code = :code
    RETURNING id
    """
)


def _log(conn: Connection, campaign_id: int, code: str, value: int) -> int:
    event_id = conn.execute(
        LOG_CHANGE, {"campaign": campaign_id, "code": code, "value": value}
    ).scalar_one()
    events.publish(conn, campaign_id, {"type": "harmonisation", "residence_code": code})
    return event_id


def _principal(engine: Engine, email: str) -> Principal:
    with engine.connect() as conn:
        account_id = conn.execute(
            text("SELECT id FROM account WHERE email = :e"), {"e": email}
        ).scalar_one()
        return load_principal(conn, account_id)


async def _messages(stream: AsyncIterator[str], count: int, timeout: float = 5) -> list[dict]:
    """The next `count` data messages (comments skipped) as `{"id", "data"}`."""
    found: list[dict] = []
    while len(found) < count:
        chunk = await asyncio.wait_for(anext(stream), timeout)
        fields = dict(
            line.split(": ", 1) for line in chunk.strip().splitlines() if not line.startswith(":")
        )
        if "data" in fields:
            found.append({"id": int(fields["id"]), "data": json.loads(fields["data"])})
    return found


def test_catch_up_after_an_id_within_the_account_scope(small_campaign: SmallCampaign) -> None:
    engine = small_campaign.engine
    with engine.begin() as conn:
        first = _log(conn, small_campaign.id, "R1", 2)
        second = _log(conn, small_campaign.id, "R5", 1)
        third = _log(conn, small_campaign.id, "R1", 3)
    admin = _principal(engine, small_campaign.emails["admin"])
    with engine.connect() as conn:
        campaign = load_campaign(conn, admin, small_campaign.id)

    async def scenario() -> None:
        stream = campaign_stream(admin, campaign, last_event_id=first)
        try:
            received = await _messages(stream, 2)
        finally:
            await stream.aclose()
        assert [m["id"] for m in received] == [second, third]
        assert [m["data"]["residence_code"] for m in received] == ["R5", "R1"]
        # Each change carries the grades as they stand now (R1 has no harmonisation row here).
        assert received[1]["data"]["grades"]["commune"] == 1
        assert received[1]["data"]["grades"]["bailleur"] == 3

    asyncio.run(scenario())


def test_an_account_only_hears_of_its_residences(small_campaign: SmallCampaign) -> None:
    from app.auth.accounts import create_account

    engine = small_campaign.engine
    with engine.begin() as conn:
        create_account(conn, "elu@achicourt.test", "elu", [ACHICOURT], password=PASSWORD)
        start = _log(conn, small_campaign.id, "R1", 2)
    elu = _principal(engine, "elu@achicourt.test")
    with engine.connect() as conn:
        campaign = load_campaign(conn, elu, small_campaign.id)

    async def scenario() -> None:
        stream = campaign_stream(elu, campaign, last_event_id=start - 1)
        try:
            await asyncio.to_thread(_write, engine, small_campaign.id, [("R2", 3), ("R5", 2)])
            received = await _messages(stream, 1)
            assert [m["data"]["residence_code"] for m in received] == ["R5"]
        finally:
            await stream.aclose()

    asyncio.run(scenario())


def _write(engine: Engine, campaign_id: int, changes: list[tuple[str, int]]) -> list[int]:
    with engine.begin() as conn:
        return [_log(conn, campaign_id, code, value) for code, value in changes]


def test_a_writer_that_commits_late_is_not_missed(small_campaign: SmallCampaign) -> None:
    """Ids are taken at insert: a slow transaction's lower id must still reach the screens."""
    engine = small_campaign.engine
    admin = _principal(engine, small_campaign.emails["admin"])
    with engine.connect() as conn:
        campaign = load_campaign(conn, admin, small_campaign.id)

    async def scenario() -> None:
        stream = campaign_stream(admin, campaign)
        try:
            assert "en direct" in await asyncio.wait_for(anext(stream), 5)
            with engine.connect() as slow:
                slow_id = _log(slow, campaign.id, "R2", 4)
                (quick_id,) = await asyncio.to_thread(_write, engine, campaign.id, [("R4", 3)])
                assert quick_id > slow_id
                first = await _messages(stream, 1)
                slow.commit()
            second = await _messages(stream, 1)
        finally:
            await stream.aclose()
        assert [first[0]["id"], second[0]["id"]] == [quick_id, slow_id]

    asyncio.run(scenario())


def test_events_need_a_meeting_account(client, small_campaign: SmallCampaign) -> None:
    url = f"/api/campaigns/{small_campaign.id}/events"
    assert client.get(url).status_code == 401
    login(client, small_campaign.emails["other_admin"])
    assert client.get(url).status_code == 403
    client.cookies.clear()
    login(client, small_campaign.emails["elu"])
    refused = client.get(url, headers={"Last-Event-ID": "abc"})
    assert refused.status_code == 422
    assert "Last-Event-ID" in refused.json()["error"]["message"]
