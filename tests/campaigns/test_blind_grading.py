"""The leaks found while a campaign was being graded, closed through each route that had them:
a side learns neither the agreed grade nor the other side's grade or progress."""

from __future__ import annotations

import csv
import io

import pytest

from tests.campaigns.builders import Territory

GRADED = {"L1": (2, 2), "L2": (1, 4), "R1": (3, 3)}
"""Both sides' grades in the campaign being graded: L1 and R1 agree, L2 diverges."""


@pytest.fixture
def campaigns(territory: Territory) -> tuple[int, int]:
    """A closed MEL 2025 (every MEL residence agreed at 4) and a MEL 2026 being graded."""
    previous = territory.new_campaign("grading", name="MEL 2025", year=2025)
    for code in ("L1", "L2", "L3", "R1", "R2"):
        for side in ("commune", "bailleur"):
            assert territory.grade("admin", previous, code, side, 4).status_code == 200
    territory.move(previous, "harmonisation")
    territory.move(previous, "closed")
    current = territory.new_campaign("grading")
    for code, (commune, bailleur) in GRADED.items():
        assert territory.grade("admin", current, code, "commune", commune).status_code == 200
        assert territory.grade("admin", current, code, "bailleur", bailleur).status_code == 200
    return previous, current


CALLERS = ("lille", "bailleur_a", "elu", "reader", "admin_arras")


@pytest.mark.parametrize("who", CALLERS)
def test_peuplements_show_the_default_campaign_and_nothing_of_the_blind_one(
    territory: Territory, campaigns: tuple[int, int], who: str
):
    previous, current = campaigns
    default = territory.call("GET", "/api/peuplements", who).json()["features"]
    assert {f["properties"]["campaign_id"] for f in default} <= {previous}
    assert {f["properties"]["grade"] for f in default} <= {4}
    blind = territory.call("GET", f"/api/peuplements?campaign={current}", who)
    assert blind.status_code == 200 and blind.json()["features"] == []
    admin = territory.call("GET", f"/api/peuplements?campaign={current}", "admin").json()
    assert {f["properties"]["code"] for f in admin["features"]} >= {"L1", "R1"}


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_residence_exports_of_the_blind_campaign_carry_no_grade(
    territory: Territory, campaigns: tuple[int, int], who: str, fmt: str
):
    _, current = campaigns
    response = territory.call("GET", f"/api/exports/residences.{fmt}?campaign={current}", who)
    assert response.status_code == 200, response.text
    if fmt == "csv":
        rows = list(
            csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        )
        grades = {row["code"]: row["grade"] for row in rows}
        assert set(grades.values()) <= {""}
    else:
        features = response.json()["features"]
        assert {f["properties"]["grade"] for f in features} <= {None}
    admin = territory.call("GET", f"/api/exports/residences.geojson?campaign={current}", "admin")
    shown = {f["properties"]["code"]: f["properties"]["grade"] for f in admin.json()["features"]}
    assert (shown["L1"], shown["L2"], shown["R1"]) == (2, None, 3)


@pytest.mark.parametrize("who", CALLERS)
def test_quartiers_of_the_blind_campaign_are_refused(
    territory: Territory, campaigns: tuple[int, int], who: str
):
    _, current = campaigns
    for level in ("commune", "epci", "qpv"):
        response = territory.call("GET", f"/api/quartiers?level={level}&campaign={current}", who)
        assert response.status_code == 403, response.text
        response = territory.call(
            "GET", f"/api/exports/quartiers.csv?level={level}&campaign={current}", who
        )
        assert response.status_code == 403, response.text
    admin = territory.call("GET", f"/api/quartiers?level=commune&campaign={current}", "admin")
    assert admin.status_code == 200


def test_map_and_history_of_the_blind_campaign(territory: Territory, campaigns: tuple[int, int]):
    _, current = campaigns
    layer = territory.call("GET", f"/api/residences?campaign={current}", "lille").json()
    statuses = {f["properties"]["code"]: f["properties"]["grade_status"] for f in layer["features"]}
    # The caller may not even learn which residences have an agreed grade yet (A1, in Arras,
    # is outside the campaign: it has no grade there).
    assert statuses.pop("A1") == "none"
    assert set(statuses.values()) == {"hidden"}
    history = territory.call("GET", "/api/residences/L2/history", "lille").json()["events"]
    kinds = {(e["campaign_id"], e["kind"]) for e in history}
    assert (current, "bailleur") not in kinds and (current, "commune") in kinds
    grades = territory.call("GET", f"/api/campaigns/{current}/grades/L2", "lille").json()
    assert (grades["commune_grade"], grades["bailleur_grade"], grades["agreed_grade"]) == (
        1,
        None,
        None,
    )


def test_the_map_tells_hidden_from_ungraded(territory: Territory, campaigns: tuple[int, int]):
    anonymous = territory.call("GET", "/api/residences").json()["features"]
    statuses = {f["properties"]["code"]: f["properties"]["grade_status"] for f in anonymous}
    # MEL residences have an agreed grade in the closed campaign; Arras has no campaign at all.
    assert statuses == {
        "L1": "hidden",
        "L2": "hidden",
        "L3": "hidden",
        "R1": "hidden",
        "R2": "hidden",
        "A1": "none",
    }
    arras = territory.call("GET", "/api/residences", "admin_arras").json()["features"]
    assert {f["properties"]["grade_status"] for f in arras if f["properties"]["code"] != "A1"} == {
        "hidden"
    }
    lille = territory.call("GET", "/api/residences", "lille").json()["features"]
    shown = {f["properties"]["code"]: f["properties"]["grade_status"] for f in lille}
    assert (shown["L1"], shown["R1"]) == ("visible", "hidden")
