"""Harmonisation with optimistic versioning: stale edits get 409, concurrent ones cannot both win,
and every attempt lands in the append-only history."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.events import CHANNEL
from app.main import create_app
from tests.campaigns.builders import Territory


@pytest.fixture
def campaign(territory: Territory) -> int:
    campaign_id = territory.new_campaign("grading")
    territory.grade("admin", campaign_id, "L2", "commune", 1)
    territory.grade("admin", campaign_id, "L2", "bailleur", 3)
    territory.move(campaign_id, "harmonisation")
    return campaign_id


def harmonisation_history(territory: Territory) -> list[tuple]:
    events = territory.call("GET", "/api/residences/L2/history", "admin").json()["events"]
    return [(e["before"], e["after"], e["outcome"]) for e in events if e["kind"] == "harmonisation"]


def test_versions_advance_and_a_stale_edit_gets_409(territory: Territory, campaign: int):
    path = f"/api/campaigns/{campaign}/harmonisations/L2"
    empty = territory.call("GET", path, "admin").json()
    assert (empty["value"], empty["version"]) == (None, 0)

    first = territory.harmonise("admin", campaign, "L2", 2, 0, "bailleur convaincu")
    assert first.status_code == 200, first.text
    assert (first.json()["value"], first.json()["version"]) == (2, 1)
    second = territory.harmonise("admin", campaign, "L2", 3, 1, "travaux livrés")
    assert (second.json()["value"], second.json()["version"]) == (3, 2)

    stale = territory.harmonise("admin", campaign, "L2", 1, 1, "avis de la commune")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "conflit"
    assert (error["value"], error["version"], error["decided_by"]) == (3, 2, "admin")
    assert "harmonisée à 3 (version 2) par admin" in error["message"]

    current = territory.call("GET", path, "lille").json()
    assert current["value"] == 3 and current["version"] == 2
    assert current["rationale"] == "travaux livrés" and current["decided_by"] == "admin"
    assert current["decided_at"]
    assert harmonisation_history(territory) == [
        (None, 2, "applied"),
        (2, 3, "applied"),
        (3, 1, "conflict"),
    ]
    grades = territory.call("GET", f"/api/campaigns/{campaign}/grades/L2", "admin").json()
    assert (grades["agreed_grade"], grades["harmonised_grade"]) == (3, 3)


def _wait_for_lock_waiters(territory: Territory, count: int, timeout: float = 20) -> int:
    """How many sessions wait on a lock, once `count` do or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with territory.engine.connect() as probe:
        while True:
            waiting = probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            probe.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting >= count or time.monotonic() > deadline:
                return waiting
            time.sleep(0.02)


def _race(territory: Territory, campaign: int, values: tuple[int, int], expected: int, blocker):
    """Send two harmonisations of L2 at once, each through its own app and client, while
    `blocker` holds the row; release it once both requests wait on the lock."""
    headers = territory.headers["admin"]
    barrier = threading.Barrier(2)

    def send(client: TestClient, value: int):
        barrier.wait()
        return client.put(
            f"/api/campaigns/{campaign}/harmonisations/L2",
            json={"value": value, "expected_version": expected, "rationale": f"choix {value}"},
            headers=headers,
        )

    with (
        TestClient(create_app()) as one,
        TestClient(create_app()) as two,
        ThreadPoolExecutor(2) as pool,
    ):
        futures = [pool.submit(send, one, values[0]), pool.submit(send, two, values[1])]
        try:
            waiting = _wait_for_lock_waiters(territory, 2)
        finally:
            blocker.rollback()
        assert waiting == 2, "les deux requêtes n'ont pas attendu le verrou"
        return [f.result(timeout=30) for f in futures]


def test_two_concurrent_first_harmonisations_one_wins(territory: Territory, campaign: int):
    residence = territory.call("GET", f"/api/campaigns/{campaign}/grades/L2", "admin").json()
    assert residence["harmonisation_version"] == 0
    with territory.engine.connect() as blocker:
        # An uncommitted first harmonisation: both requests wait on its unique key.
        blocker.execute(
            text(
                "INSERT INTO harmonisation (campaign_id, residence_id, value, version)"
                " SELECT :c, id, 4, 1 FROM residence WHERE code = 'L2'"
            ),
            {"c": campaign},
        )
        responses = _race(territory, campaign, (2, 3), 0, blocker)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 409).json()["error"]
    assert winner["version"] == 1
    assert (loser["value"], loser["version"]) == (winner["value"], 1)
    history = harmonisation_history(territory)
    assert sorted(outcome for *_, outcome in history) == ["applied", "conflict"]
    assert (None, winner["value"], "applied") in history


def test_two_concurrent_updates_of_one_version_one_wins(territory: Territory, campaign: int):
    assert territory.harmonise("admin", campaign, "L2", 2, 0).status_code == 200
    with territory.engine.connect() as blocker:
        blocker.execute(
            text("SELECT 1 FROM harmonisation WHERE campaign_id = :c FOR UPDATE"),
            {"c": campaign},
        )
        responses = _race(territory, campaign, (3, 4), 1, blocker)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert winner["version"] == 2
    current = territory.call("GET", f"/api/campaigns/{campaign}/harmonisations/L2", "admin")
    assert (current.json()["value"], current.json()["version"]) == (winner["value"], 2)
    history = harmonisation_history(territory)
    assert history[0] == (None, 2, "applied")
    assert sorted(history[1:]) == sorted(
        [(2, winner["value"], "applied"), (winner["value"], 7 - winner["value"], "conflict")]
    )


def test_events_are_published_on_commit(territory: Territory, campaign: int, db_url: str):
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        assert territory.harmonise("admin", campaign, "L2", 2, 0, "accord").status_code == 200
        assert territory.harmonise("admin", campaign, "L2", 4, 0).status_code == 409
        received = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=1)]
    assert received == [{"campaign_id": campaign, "type": "harmonisation", "count": 1}]


def test_grade_events_are_published(territory: Territory, db_url: str):
    campaign = territory.new_campaign("grading")
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        assert territory.grade("lille", campaign, "L1", "commune", 3).status_code == 200
        received = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=1)]
    assert received == [{"campaign_id": campaign, "type": "grade", "count": 1}]


def test_history_cannot_be_rewritten(territory: Territory, campaign: int):
    assert territory.harmonise("admin", campaign, "L2", 2, 0).status_code == 200
    before = territory.count("grade_event")
    for statement in ("UPDATE grade_event SET after = 4", "DELETE FROM grade_event"):
        with pytest.raises(DBAPIError, match="ne se modifie pas"), territory.engine.begin() as conn:
            conn.execute(text(statement))
    assert territory.count("grade_event") == before
