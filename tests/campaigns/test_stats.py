"""Campaign figures and the comparison layer, checked against values computed by hand."""

from __future__ import annotations

import pytest

from tests.campaigns.builders import LANDLORD_A, LANDLORD_B, LILLE, ROUBAIX, Territory

GRADES = {
    # code: (commune, bailleur) — L1 agree, L2 and R1 diverge, L3 one side only, R2 none.
    "L1": (2, 2),
    "L2": (1, 3),
    "L3": (3, None),
    "R1": (4, 3),
}


def grade_all(territory: Territory, campaign_id: int) -> None:
    for code, (commune, bailleur) in GRADES.items():
        for side, value in (("commune", commune), ("bailleur", bailleur)):
            if value is not None:
                response = territory.grade("admin", campaign_id, code, side, value)
                assert response.status_code == 200, response.text


@pytest.fixture
def graded(territory: Territory) -> int:
    campaign_id = territory.new_campaign("grading")
    grade_all(territory, campaign_id)
    return campaign_id


def test_figures_match_hand_computed_values(territory: Territory, graded: int):
    stats = territory.call("GET", f"/api/campaigns/{graded}/stats", "admin").json()
    # 5 MEL residences (A1 is in Arras), 300 dwellings; both sides graded L1, L2, R1 (230
    # dwellings): coverage 230 / 300; L2 and R1 diverge: 2 of the 3 graded by both.
    assert stats["residences_total"] == 5
    assert stats["dwellings_total"] == 300
    assert stats["graded_commune"] == 4
    assert stats["graded_bailleur"] == 3
    assert stats["graded_one_side"] == 1
    assert stats["graded_both"] == 3
    assert stats["divergent"] == 2
    assert stats["harmonised"] == 0
    assert stats["dwellings_graded_both"] == 230
    assert stats["coverage_dwellings_pct"] == 76.7
    assert stats["divergence_pct"] == 66.7
    assert stats["agreed_by_grade"] == {"1": 0, "2": 1, "3": 0, "4": 0, "none": 4}

    by_commune = {row["code"]: row for row in stats["by_commune"]}
    assert set(by_commune) == {LILLE, ROUBAIX}
    lille, roubaix = by_commune[LILLE], by_commune[ROUBAIX]
    assert (lille["residences_total"], lille["graded_both"], lille["divergent"]) == (3, 2, 1)
    assert lille["coverage_dwellings_pct"] == 83.3  # 150 / 180
    assert lille["divergence_pct"] == 50.0
    assert (roubaix["residences_total"], roubaix["graded_both"], roubaix["divergent"]) == (2, 1, 1)
    assert roubaix["coverage_dwellings_pct"] == 66.7  # 80 / 120
    assert roubaix["divergence_pct"] == 100.0

    by_bailleur = {row["name"]: row for row in stats["by_bailleur"]}
    assert by_bailleur[LANDLORD_A]["coverage_dwellings_pct"] == 85.7  # 180 / 210
    assert by_bailleur[LANDLORD_A]["divergence_pct"] == 50.0
    assert by_bailleur[LANDLORD_B]["coverage_dwellings_pct"] == 55.6  # 50 / 90
    assert by_bailleur[LANDLORD_B]["divergence_pct"] == 100.0


def test_threshold_and_harmonisation_change_the_figures(territory: Territory, graded: int):
    territory.move(graded, "harmonisation")
    assert territory.harmonise("admin", graded, "L2", 2, expected_version=0).status_code == 200
    stats = territory.call("GET", f"/api/campaigns/{graded}/stats", "admin").json()
    assert (stats["divergent"], stats["harmonised"], stats["divergent_pending"]) == (2, 1, 1)

    patched = territory.call(
        "PATCH", f"/api/campaigns/{graded}", "admin", json={"divergence_threshold": 2}
    )
    assert patched.json()["divergence_threshold"] == 2
    stats = territory.call("GET", f"/api/campaigns/{graded}/stats", "admin").json()
    # A gap of 2 is needed now: only L2 (1 vs 3) diverges; R1 (4 vs 3) agrees on 3.
    assert stats["divergent"] == 1
    assert stats["divergence_pct"] == 33.3
    assert stats["agreed_by_grade"] == {"1": 0, "2": 2, "3": 1, "4": 0, "none": 2}


def test_figures_are_limited_to_the_callers_scope(territory: Territory, graded: int):
    stats = territory.call("GET", f"/api/campaigns/{graded}/stats", "roubaix").json()
    assert stats["residences_total"] == 2
    assert [row["code"] for row in stats["by_commune"]] == [ROUBAIX]
    assert stats["graded_commune"] == 1
    # Still grading: a side learns neither the other side's progress nor how the two compare.
    hidden = ("graded_bailleur", "graded_both", "graded_one_side", "divergent", "divergence_pct")
    assert [stats[key] for key in hidden] == [None] * len(hidden)
    assert stats["by_commune"][0]["graded_bailleur"] is None
    admin = territory.call("GET", f"/api/campaigns/{graded}/stats", "admin").json()
    assert admin["graded_both"] is not None


def test_comparison_with_the_previous_campaign(territory: Territory):
    previous = territory.new_campaign("grading", name="MEL 2025", year=2025)
    for code, value in (("L1", 2), ("L2", 3), ("R1", 3)):
        for side in ("commune", "bailleur"):
            assert territory.grade("admin", previous, code, side, value).status_code == 200
    territory.move(previous, "harmonisation")
    territory.move(previous, "closed")
    current = territory.new_campaign("grading")
    for code, value in (("L1", 3), ("L2", 3), ("R1", 2), ("L3", 4)):
        for side in ("commune", "bailleur"):
            assert territory.grade("admin", current, code, side, value).status_code == 200
    territory.move(current, "harmonisation")

    response = territory.call("GET", f"/api/campaigns/{current}/comparison", "admin")
    assert response.headers["content-type"].startswith("application/geo+json")
    rows = {
        f["properties"]["code"]: (
            f["properties"]["grade"],
            f["properties"]["previous_grade"],
            f["properties"]["trend"],
        )
        for f in response.json()["features"]
    }
    assert rows == {
        "L1": (3, 2, "improved"),
        "L2": (3, 3, "stable"),
        "R1": (2, 3, "worsened"),
        "L3": (4, None, "new"),
        "R2": (None, None, None),
    }
    lille = territory.call("GET", f"/api/campaigns/{current}/comparison", "elu").json()
    assert {f["properties"]["code"] for f in lille["features"]} == {"L1", "L2", "L3"}
