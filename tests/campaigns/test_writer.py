"""The one grade writer: a closed campaign never changes, by any path; a stale save of a side's
grade is refused and kept in the history; every write is logged and woken up live."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from tests.campaigns.builders import LANDLORD_A, LILLE, Territory


def snapshot(territory: Territory) -> tuple:
    """Every grade, harmonisation and history row: what must not move."""
    with territory.engine.connect() as conn:
        return tuple(
            conn.execute(text(sql)).all()
            for sql in (
                "SELECT campaign_id, residence_id, side, value, comment, version FROM grade"
                " ORDER BY 1, 2, 3",
                "SELECT campaign_id, residence_id, value, version FROM harmonisation ORDER BY 1, 2",
                "SELECT id FROM grade_event ORDER BY id",
            )
        )


@pytest.fixture
def closed(territory: Territory) -> int:
    """A closed MEL campaign: L1 graded 2 by both sides, L2 harmonised to 3."""
    campaign = territory.new_campaign("grading")
    for code, commune, bailleur in (("L1", 2, 2), ("L2", 1, 4)):
        assert territory.grade("admin", campaign, code, "commune", commune).status_code == 200
        assert territory.grade("admin", campaign, code, "bailleur", bailleur).status_code == 200
    territory.move(campaign, "harmonisation")
    assert territory.harmonise("admin", campaign, "L2", 3, 0).status_code == 200
    territory.move(campaign, "closed")
    return campaign


def test_a_closed_campaign_cannot_change_by_any_path(
    territory: Territory, closed: int, tmp_path, db_url: str
):
    before = snapshot(territory)
    name = "« MEL 2026 » est clôturée"

    response = territory.grade("admin", closed, "L1", "commune", 4)
    assert response.status_code == 409 and name in response.json()["error"]["message"]
    response = territory.harmonise("admin", closed, "L2", 1, 1)
    assert response.status_code == 409 and name in response.json()["error"]["message"]

    sheet = tmp_path / "notes.csv"
    sheet.write_text("code;note_commune\nL1;4\n", encoding="utf-8")
    with sheet.open("rb") as upload:
        response = territory.call(
            "POST",
            f"/api/campaigns/{closed}/grades/import",
            "admin",
            files={"file": ("notes.csv", upload, "text/csv")},
            data={"side": "commune"},
        )
    assert response.status_code == 422 and "clôturée" in response.text

    result = CliRunner().invoke(
        cli, ["import", "grades", str(sheet), "--campaign", str(closed), "--side", "commune"]
    )
    assert result.exit_code != 0 and "clôturée" in result.output

    residences = tmp_path / "residences.csv"
    residences.write_text(
        "code;nom;bailleur;commune_insee;nb_logements;lon;lat;note_commune;note_bailleur\n"
        f"L1;Résidence des Tilleuls;{LANDLORD_A};{LILLE};100;3.0550;50.6308;4;4\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["import", "residences", str(residences)])
    assert result.exit_code != 0 and "clôturée" in result.output

    with territory.engine.connect() as conn, pytest.raises(DBAPIError, match="clôturée"):
        conn.execute(text("UPDATE grade SET value = 4 WHERE campaign_id = :c"), {"c": closed})
    with territory.engine.connect() as conn, pytest.raises(DBAPIError, match="clôturée"):
        conn.execute(text("DELETE FROM harmonisation WHERE campaign_id = :c"), {"c": closed})

    assert snapshot(territory) == before


def test_a_stale_side_grade_is_refused_and_kept_in_the_history(territory: Territory):
    campaign = territory.new_campaign("grading")
    path = f"/api/campaigns/{campaign}/grades/L1"

    def save(value: int, expected: int | None):
        body = {"side": "commune", "value": value, "expected_version": expected}
        return territory.call("PUT", path, "lille", json=body)

    first = save(2, 0)
    assert first.status_code == 200 and first.json()["version"] == 1
    assert save(3, 0).status_code == 409
    second = save(3, 1)
    assert (second.status_code, second.json()["version"], second.json()["before"]) == (200, 2, 2)
    stale = save(4, 1)
    assert stale.status_code == 409
    assert "version actuelle 2" in stale.json()["error"]["message"]
    assert save(4, None).status_code == 200  # no version given: the save goes through
    read = territory.call("GET", path, "lille").json()
    assert (read["commune_grade"], read["commune_version"]) == (4, 3)
    with territory.engine.connect() as conn:
        history = conn.execute(
            text("SELECT before, after, outcome FROM grade_event ORDER BY id")
        ).all()
    assert history == [
        (None, 2, "applied"),
        (2, 3, "conflict"),
        (2, 3, "applied"),
        (3, 4, "conflict"),
        (3, 4, "applied"),
    ]


def test_concurrent_saves_of_one_version_let_one_win(territory: Territory):
    campaign = territory.new_campaign("grading")
    path = f"/api/campaigns/{campaign}/grades/L1"
    assert territory.grade("lille", campaign, "L1", "commune", 1).status_code == 200
    headers = territory.headers["lille"]
    barrier = threading.Barrier(4)
    results: list[int] = []

    def send(value: int) -> None:
        with TestClient(create_app()) as client:
            barrier.wait()
            body = {"side": "commune", "value": value, "expected_version": 1}
            results.append(client.put(path, json=body, headers=headers).status_code)

    threads = [threading.Thread(target=send, args=(value,)) for value in (2, 3, 4, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [200, 409, 409, 409]
    with territory.engine.connect() as conn:
        outcomes = conn.execute(
            text("SELECT outcome, count(*) FROM grade_event GROUP BY 1 ORDER BY 1")
        ).all()
    assert outcomes == [("applied", 2), ("conflict", 3)]


@pytest.mark.parametrize("value", [True, "2", 2.0, 5, 0])
def test_a_grade_is_an_integer_of_the_scale(territory: Territory, value):
    campaign = territory.new_campaign("grading")
    response = territory.grade("lille", campaign, "L1", "commune", value)
    assert response.status_code == 422, response.text
    assert territory.count("grade") == 0
