"""Allocation targets of the law on the hand-made territory, and the EPCI's CIA settings."""

from __future__ import annotations

import pytest

from app.analysis.allocations import allocation_targets
from tests.analysis.conftest import EVERYTHING, LILLE, MEL, VILLENEUVE, YEAR


def targets(territory, level: str, year: int | None = YEAR) -> dict[str, dict]:
    with territory.engine.connect() as conn:
        return {row["code"]: row for row in allocation_targets(conn, level, year, gate=EVERYTHING)}


def test_epci_targets_by_hand(territory):
    (mel,) = targets(territory, "epci").values()
    assert mel["code"] == MEL and mel["year"] == YEAR
    # outside QPV: R4 (8 allocations, 1 q1 + 1 PRU) and R5 (12, 1 q1): 3 of 20
    assert mel["allocations_outside_qpv"] == 20 and mel["q1_or_pru_outside_qpv"] == 3
    assert mel["share_q1_or_pru_outside_qpv"] == pytest.approx(0.15)
    assert mel["target_outside"] == 0.25
    assert mel["missing_outside"] == 2 and mel["under_target_outside"] is True  # 25 % of 20 = 5
    # inside QPV: R1 (10, 6 q1), R2 (6, 1 q1), R3 on the border (4, 4 q1): 9 of 20 not q1
    assert mel["allocations_inside_qpv"] == 20 and mel["non_q1_inside_qpv"] == 9
    assert mel["share_non_q1_inside_qpv"] == pytest.approx(0.45)
    assert mel["target_inside"] == 0.5
    assert mel["missing_inside"] == 1 and mel["under_target_inside"] is True
    assert mel["share_priority"] == pytest.approx(11 / 40)


def test_commune_targets_include_a_commune_without_allocations(territory):
    rows = targets(territory, "commune")
    assert set(rows) == {LILLE, VILLENEUVE}
    assert rows[LILLE]["missing_outside"] == 2 and rows[LILLE]["missing_inside"] == 1
    villeneuve = rows[VILLENEUVE]
    assert villeneuve["allocations_outside_qpv"] == 0 and villeneuve["allocations_inside_qpv"] == 0
    assert villeneuve["share_q1_or_pru_outside_qpv"] is None
    assert villeneuve["missing_outside"] == 0 and villeneuve["under_target_outside"] is False


def test_landlord_targets_and_the_exact_floor(territory):
    rows = targets(territory, "bailleur")
    one, two = rows["900000111"], rows["900000222"]
    assert one["name"] == "Bailleur Test Un"
    # R4 alone outside: 2 of 8 = exactly 25 %: not under target
    assert one["share_q1_or_pru_outside_qpv"] == 0.25
    assert (one["missing_outside"], one["under_target_outside"]) == (0, False)
    assert one["share_non_q1_inside_qpv"] == pytest.approx(9 / 16) and one["missing_inside"] == 0
    # R5 outside: 1 of 12 (ceil(3) - 1 = 2); R3 inside: 0 of 4 not q1 (2 - 0)
    assert (two["missing_outside"], two["missing_inside"]) == (2, 2)


def test_epci_rates_apply_to_its_communes_and_landlords(territory, client):
    headers = territory.token("admin-mel@test.fr", "admin", [MEL])
    response = client.put(
        f"/api/epci/{MEL}/policy",
        json={"target_outside_qpv": 0.3, "peuplement_labels": {"accueil": "Accueil prioritaire"}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    policy = response.json()
    assert policy["target_outside_qpv"] == 0.3 and policy["target_inside_qpv"] == 0.5
    assert policy["peuplement_labels"]["accueil"] == "Accueil prioritaire"
    assert client.get(f"/api/epci/{MEL}/policy").json()["target_outside_qpv"] == 0.3
    rows = targets(territory, "commune")
    assert rows[LILLE]["target_outside"] == 0.3
    assert rows[LILLE]["missing_outside"] == 3  # ceil(0.3 × 20) = 6, minus 3
    assert targets(territory, "bailleur")["900000111"]["missing_outside"] == 1  # ceil(2.4) - 2


def test_policy_is_guarded_and_validated(territory, client):
    url = f"/api/epci/{MEL}/policy"
    assert client.put(url, json={"target_outside_qpv": 0.3}).status_code == 401
    other = territory.token("admin-arras@test.fr", "admin", ["200033579"])
    assert client.put(url, json={"target_outside_qpv": 0.3}, headers=other).status_code == 403
    headers = territory.token("admin-mel@test.fr", "admin", [MEL])
    bad_rate = client.put(url, json={"target_outside_qpv": 25}, headers=headers)
    assert bad_rate.status_code == 422 and "0,25" in bad_rate.json()["error"]["message"]
    bad_label = client.put(url, json={"peuplement_labels": {"z": "x"}}, headers=headers)
    assert bad_label.status_code == 422
    assert client.get("/api/epci/000000000/policy").status_code == 404


def test_targets_api_is_for_signed_in_partners_of_the_unit(territory, client):
    assert client.get("/api/allocation-targets").status_code == 401
    admin = territory.token("admin-mel@test.fr", "admin", [MEL])
    rows = client.get(f"/api/allocation-targets?level=epci&year={YEAR}", headers=admin).json()
    assert [row["missing_outside"] for row in rows] == [2]
    latest = client.get("/api/allocation-targets?level=commune", headers=admin).json()
    assert {row["code"] for row in latest} == {LILLE, VILLENEUVE}
    villeneuve = territory.token("villeneuve@test.fr", "commune", [VILLENEUVE])
    own = client.get("/api/allocation-targets?level=commune", headers=villeneuve).json()
    assert [row["code"] for row in own] == [VILLENEUVE]
    none = client.get("/api/allocation-targets?level=epci&year=2019", headers=admin).json()
    assert none == []
    assert client.get("/api/allocation-targets?level=iris", headers=admin).status_code == 422
