"""The commission view of a residence on the hand-made territory: its grade, type and stances,
and the effect of one allocation on this year's floors, against hand computations.

Allocations of 2025 (tests/analysis/conftest.py): outside QPV, R4 (8: 1 Q1, 1 PRU) and R5
(12: 1 Q1), 3 of 20 to Q1 or PRU; inside QPV A, R1 (10: 6 Q1), R2 (6: 1 Q1), R3 (4: 4 Q1),
9 of 20 to other quartiles. Every one of them is in Lille; B1 holds R1, R2, R4, B2 holds R3, R5.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.analysis.conftest import LILLE, MEL, YEAR

ADMIN = ("admin-mel@test.fr", "admin", [MEL])


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def view(client, territory, code: str, account=ADMIN, year: int = YEAR) -> dict:
    response = client.get(
        f"/api/commission/residences/{code}?year={year}", headers=territory.token(*account)
    )
    assert response.status_code == 200, response.text
    return response.json()


def phrases(found: dict, category: str) -> dict[str, str]:
    (effect,) = (e for e in found["effects"] if e["category"] == category)
    return {unit["level"]: plain(unit["phrase"]) for unit in effect["units"]}


def test_one_allocation_outside_qpv_against_a_hand_computation(territory, client):
    found = view(client, territory, "R5")
    assert (found["grade"], found["location"], found["peuplement"]) == (4, "outside", "accueil")
    assert found["epci_siren"] == MEL and found["commune_insee"] == LILLE
    # EPCI and Lille: 3 of 20 (15,0 %) → 4 of 21 (19,0 %); ceil(0.25 × 21) = 6, 2 missing.
    # B2 outside QPV: R5 alone, 1 of 12 (8,3 %) → 2 of 13 (15,4 %); ceil(3.25) = 4, 2 missing.
    assert phrases(found, "q1") == {
        "epci": "une attribution Q1 ici : hors QPV 15,0 % → 19,0 %, il en manque 2",
        "commune": "une attribution Q1 ici : hors QPV 15,0 % → 19,0 %, il en manque 2",
        "bailleur": "une attribution Q1 ici : hors QPV 8,3 % → 15,4 %, il en manque 2",
    }
    # Another quartile dilutes: 3 of 21 (14,3 %), 3 missing.
    assert phrases(found, "other")["epci"] == (
        "une attribution hors Q1 ici : hors QPV 15,0 % → 14,3 %, il en manque 3"
    )
    # Priority households of the MEL: 11 of 40 (27,5 %) → 12 of 41 (29,3 %).
    assert phrases(found, "priority")["epci"].startswith(
        "une attribution DALO/prioritaire ici : ménages prioritaires 27,5 % → 29,3 %"
    )
    (epci,) = (u for e in found["effects"] if e["category"] == "q1" for u in e["units"][:1])
    assert (epci["missing_before"], epci["missing_after"], epci["direction"]) == (2, 2, -1)
    assert epci["target"] == 0.25 and epci["cia_rate"] is False
    stances = {o["category"]: o["stance"] for o in found["orientations"]}
    assert stances == {"q1": "favour", "pru": "favour", "priority": "favour", "other": "neutral"}


def test_one_allocation_inside_qpv_at_the_cia_rate(territory, client):
    headers = territory.token(*ADMIN)
    response = client.put(
        f"/api/epci/{MEL}/policy", json={"target_inside_qpv": 0.6}, headers=headers
    )
    assert response.status_code == 200, response.text
    found = view(client, territory, "R2")
    # R2: in QPV A, harmonised 3 → C · Diversification.
    assert (found["grade"], found["location"], found["peuplement"]) == (3, "qpv", "diversification")
    assert found["qpv_code"] == "QN05990N"
    # EPCI: 9 of 20 (45,0 %) → 9 of 21 (42,9 %); the CIA's 60 % asks ceil(12.6) = 13: 4 missing.
    # B1 in QPV: R1 and R2, 9 of 16 (56,3 %) → 9 of 17 (52,9 %); ceil(10.2) = 11: 2 missing.
    assert phrases(found, "q1") == {
        "epci": "une attribution Q1 ici : en QPV 45,0 % → 42,9 %, il en manque 4",
        "commune": "une attribution Q1 ici : en QPV 45,0 % → 42,9 %, il en manque 4",
        "bailleur": "une attribution Q1 ici : en QPV 56,3 % → 52,9 %, il en manque 2",
    }
    epci = next(e for e in found["effects"] if e["category"] == "other")["units"][0]
    assert epci["cia_rate"] is True and plain(epci["target_label"]) == "60 %"
    assert plain(epci["phrase"]).endswith("en QPV 45,0 % → 47,6 %, il en manque 3")
    stances = {o["category"]: o for o in found["orientations"]}
    assert stances["q1"]["stance"] == "avoid" and stances["other"]["stance"] == "favour"
    assert any("au moins 60 %" in plain(r) for r in stances["other"]["reasons"])


def test_history_and_a_year_without_allocations(territory, client):
    found = view(client, territory, "R2", year=2026)
    (campaign,) = found["history"]
    assert campaign["grade"] == 3 and campaign["harmonised"] is True and campaign["shown"] is True
    # No allocation in 2026 yet: the first one reaches the floor at once.
    assert phrases(found, "other")["epci"] == (
        "une attribution hors Q1 ici : en QPV aucune attribution → 100,0 %, objectif atteint"
    )
    assert found["may_manage"] is True and found["vacancy"] is None and found["decisions"] == []


def test_unknown_and_out_of_scope_residences(territory, client):
    headers = territory.token("commune-lille@test.fr", "commune", [LILLE])
    assert client.get("/api/commission/residences/R6", headers=headers).status_code == 403
    missing = client.get("/api/commission/residences/ZZ", headers=headers)
    assert missing.status_code == 404 and "introuvable" in missing.json()["error"]["message"]
    assert client.get("/api/commission/residences/R1").status_code == 401
    bad_year = client.get("/api/commission/residences/R1?year=1999", headers=headers)
    assert bad_year.status_code == 422 and "year" in bad_year.json()["error"]["message"]


@pytest.mark.parametrize(
    ("category", "expected"),
    [("q1", ["R5", "R4", "R1"]), ("other", ["R1", "R4", "R5"]), ("priority", ["R5", "R4", "R1"])],
)
def test_the_reverse_question_ranks_residences_with_a_vacancy(
    territory, client, category, expected
):
    headers = territory.token(*ADMIN)
    for code in ("R1", "R4", "R5"):
        response = client.put(
            f"/api/commission/residences/{code}/vacancy",
            json={"dwellings": 2, "declared_on": "2025-03-01"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
    response = client.get(
        f"/api/commission/vacancies?category={category}&year={YEAR}", headers=headers
    )
    assert response.status_code == 200 and "geo+json" in response.headers["content-type"]
    features = [f["properties"] for f in response.json()["features"]]
    assert [f["code"] for f in features] == expected
    assert [f["rank"] for f in features] == [1, 2, 3]
    assert all(f["reasons"] and f["vacant"] == 2 for f in features)
    if category == "q1":
        # R5 (A · Accueil) favoured; R4 (grade 2 near the QPV: C) and R1 (grade 1 in the QPV:
        # D) avoided, R4 first since a Q1 allocation outside QPV brings Lille's floor closer.
        assert [f["stance"] for f in features] == ["favour", "avoid", "avoid"]
        assert plain(features[1]["reasons"][-1]) == (
            "Lille : une attribution Q1 ici : hors QPV 15,0 % → 19,0 %, il en manque 2"
        )
    unranked = client.get("/api/commission/vacancies", headers=headers).json()["features"]
    assert [f["properties"]["stance"] for f in unranked] == [None] * 3
    bad = client.get("/api/commission/vacancies?category=dalo", headers=headers)
    assert bad.status_code == 422 and "category" in bad.json()["error"]["message"]


def test_a_reader_sees_only_its_scope_and_writes_nothing(territory, client):
    admin = territory.token(*ADMIN)
    for code in ("R5", "R6"):
        body = {"dwellings": 1, "declared_on": date.today().isoformat()}
        assert (
            client.put(
                f"/api/commission/residences/{code}/vacancy", json=body, headers=admin
            ).status_code
            == 200
        )
    elu = territory.token("elu-lille@test.fr", "elu", [LILLE])
    listed = client.get("/api/commission/vacancies", headers=elu).json()["features"]
    assert [f["properties"]["code"] for f in listed] == ["R5"]
    assert (
        view(client, territory, "R5", ("elu-lille@test.fr", "elu", [LILLE]))["may_manage"] is False
    )
    refused = client.put(
        "/api/commission/residences/R5/vacancy",
        json={"dwellings": 3, "declared_on": "2025-01-02"},
        headers=elu,
    )
    assert refused.status_code == 403
