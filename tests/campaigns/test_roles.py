"""Every role tries what it may not do: 403 with a French message; anonymous callers get 401."""

from __future__ import annotations

import pytest

from tests.campaigns.builders import CU_ARRAS, MEL, Territory


@pytest.fixture
def campaign(territory: Territory) -> int:
    return territory.new_campaign("grading")


def refused(response, status: int = 403) -> str:
    assert response.status_code == status, response.text
    return response.json()["error"]["message"]


def test_anonymous_callers_get_401_everywhere(territory: Territory, campaign: int):
    base = f"/api/campaigns/{campaign}"
    for method, path, body in (
        ("GET", "/api/campaigns", None),
        ("POST", "/api/campaigns", {"epci": MEL, "name": "X", "year": 2027}),
        ("GET", base, None),
        ("PATCH", base, {"status": "harmonisation"}),
        ("GET", f"{base}/stats", None),
        ("GET", f"{base}/comparison", None),
        ("GET", f"{base}/grades", None),
        ("GET", f"{base}/grades/L1", None),
        ("PUT", f"{base}/grades/L1", {"side": "commune", "value": 2}),
        ("GET", f"{base}/harmonisations/L1", None),
        ("PUT", f"{base}/harmonisations/L1", {"value": 2, "expected_version": 0}),
        ("GET", "/api/residences/L1/history", None),
    ):
        response = territory.call(method, path, json=body)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"]["code"] == "non_authentifie"


def test_only_the_epci_administrator_runs_campaigns(territory: Territory, campaign: int):
    body = {"epci": MEL, "name": "MEL 2027", "year": 2027}
    for who in ("admin_arras", "lille", "bailleur_a", "elu", "reader"):
        assert "administrateur" in refused(territory.call("POST", "/api/campaigns", who, json=body))
    for who in ("lille", "bailleur_a", "elu", "reader"):
        response = territory.call(
            "PATCH", f"/api/campaigns/{campaign}", who, json={"status": "harmonisation"}
        )
        refused(response)
    duplicate = {"epci": MEL, "name": "MEL 2026", "year": 2026}
    assert "existe déjà" in refused(
        territory.call("POST", "/api/campaigns", "admin", json=duplicate), 409
    )
    # The CU d'Arras administrator does not even see the MEL campaign.
    refused(territory.call("GET", f"/api/campaigns/{campaign}", "admin_arras"))
    assert territory.call("GET", "/api/campaigns", "admin_arras").json() == []
    for who in ("lille", "roubaix", "bailleur_a", "bailleur_b", "elu", "reader"):
        listed = territory.call("GET", "/api/campaigns", who).json()
        assert [c["id"] for c in listed] == [campaign], who
    arras = territory.call(
        "POST",
        "/api/campaigns",
        "admin_arras",
        json={"epci": CU_ARRAS, "name": "CUA", "year": 2026},
    )
    assert arras.status_code == 201
    refused(territory.call("GET", f"/api/campaigns/{arras.json()['id']}", "lille"))


def test_status_moves_one_step_forward_only(territory: Territory):
    campaign = territory.new_campaign("preparation")
    response = territory.call(
        "PATCH", f"/api/campaigns/{campaign}", "admin", json={"status": "closed"}
    )
    assert "une étape à la fois" in refused(response, 409)
    territory.move(campaign, "grading")
    response = territory.call(
        "PATCH", f"/api/campaigns/{campaign}", "admin", json={"status": "preparation"}
    )
    refused(response, 409)
    response = territory.call("PATCH", f"/api/campaigns/{campaign}", "admin", json={"status": "x"})
    refused(response, 422)


def test_each_side_grades_only_its_own_residences(territory: Territory, campaign: int):
    assert territory.grade("lille", campaign, "L1", "commune", 2).status_code == 200
    assert territory.grade("bailleur_a", campaign, "L1", "bailleur", 3).status_code == 200
    assert territory.grade("bailleur_b", campaign, "R2", "bailleur", 4).status_code == 200
    assert "hors de vos communes" in refused(territory.grade("lille", campaign, "R1", "commune", 2))
    assert "pas celle du bailleur" in refused(
        territory.grade("lille", campaign, "L1", "bailleur", 2)
    )
    assert "pas à votre organisme" in refused(
        territory.grade("bailleur_a", campaign, "L2", "bailleur", 2)
    )
    refused(territory.grade("bailleur_a", campaign, "L1", "commune", 2))
    for who in ("elu", "reader"):
        assert "réservée aux comptes" in refused(territory.grade(who, campaign, "L1", "commune", 2))
    refused(territory.grade("admin_arras", campaign, "L1", "commune", 2))
    # A residence of another EPCI is not part of the campaign.
    refused(territory.grade("admin", campaign, "A1", "commune", 2), 404)


def test_grades_are_entered_only_while_grading(territory: Territory):
    campaign = territory.new_campaign("preparation")
    assert "phase de notation" in refused(territory.grade("lille", campaign, "L1", "commune", 2))
    territory.move(campaign, "grading")
    assert territory.grade("lille", campaign, "L1", "commune", 2).status_code == 200
    territory.move(campaign, "harmonisation")
    refused(territory.grade("lille", campaign, "L1", "commune", 3))
    refused(territory.grade("admin", campaign, "L1", "commune", 3))


def test_grade_values_outside_the_scale_are_422(territory: Territory, campaign: int):
    for value in (0, 5, "NC", None):
        refused(territory.grade("lille", campaign, "L1", "commune", value), 422)
    refused(territory.grade("lille", campaign, "L1", "voisin", 2), 422)
    assert territory.count("grade") == 0


def test_only_the_epci_administrator_harmonises(territory: Territory):
    campaign = territory.new_campaign("harmonisation")
    for who in ("lille", "bailleur_a", "elu", "reader", "admin_arras"):
        refused(territory.harmonise(who, campaign, "L1", 2, expected_version=0))
    assert territory.harmonise("admin", campaign, "L1", 2, expected_version=0).status_code == 200
    grading = territory.new_campaign("grading", name="MEL 2027", year=2027)
    assert "phase d'harmonisation" in refused(
        territory.harmonise("admin", grading, "L1", 2, expected_version=0)
    )


def test_a_side_reads_only_its_own_grades_while_grading(territory: Territory, campaign: int):
    territory.grade("lille", campaign, "L2", "commune", 1, "cage d'escalier dégradée")
    territory.grade("bailleur_b", campaign, "L2", "bailleur", 3, "rien à signaler")
    path = f"/api/campaigns/{campaign}/grades/L2"

    lille = territory.call("GET", path, "lille").json()
    assert (lille["commune_grade"], lille["commune_comment"]) == (1, "cage d'escalier dégradée")
    assert lille["bailleur_grade"] is None and lille["bailleur_comment"] is None
    assert lille["divergent"] is None and lille["agreed_grade"] is None
    landlord = territory.call("GET", path, "bailleur_b").json()
    assert (landlord["commune_grade"], landlord["bailleur_grade"]) == (None, 3)
    elu = territory.call("GET", path, "elu").json()
    assert (elu["commune_grade"], elu["bailleur_grade"]) == (None, None)
    admin = territory.call("GET", path, "admin").json()
    assert (admin["commune_grade"], admin["bailleur_grade"], admin["divergent"]) == (1, 3, True)

    layer = territory.call("GET", f"/api/campaigns/{campaign}/grades", "bailleur_b").json()
    assert {f["properties"]["code"] for f in layer["features"]} == {"L2", "R2"}
    assert {f["properties"]["commune_grade"] for f in layer["features"]} == {None}

    history = territory.call("GET", "/api/residences/L2/history", "lille").json()["events"]
    assert [(e["kind"], e["after"]) for e in history] == [("commune", 1)]
    history = territory.call("GET", "/api/residences/L2/history", "bailleur_b").json()["events"]
    assert [(e["kind"], e["after"]) for e in history] == [("bailleur", 3)]

    territory.move(campaign, "harmonisation")
    lille = territory.call("GET", path, "lille").json()
    assert (lille["commune_grade"], lille["bailleur_grade"], lille["divergent"]) == (1, 3, True)
    history = territory.call("GET", "/api/residences/L2/history", "lille").json()["events"]
    assert [(e["kind"], e["after"], e["actor"]) for e in history] == [
        ("commune", 1, "lille"),
        ("bailleur", 3, "bailleur_b"),
    ]


def test_grades_of_another_commune_are_forbidden(territory: Territory, campaign: int):
    territory.grade("roubaix", campaign, "R1", "commune", 2)
    territory.move(campaign, "harmonisation")
    for path in (
        f"/api/campaigns/{campaign}/grades/R1",
        f"/api/campaigns/{campaign}/harmonisations/R1",
        "/api/residences/R1/history",
    ):
        assert "hors de votre périmètre" in refused(territory.call("GET", path, "lille"))
        assert territory.call("GET", path, "roubaix").status_code == 200
    refused(territory.call("GET", f"/api/campaigns/{campaign}/grades/R1", "bailleur_b"))
    layer = territory.call("GET", f"/api/campaigns/{campaign}/grades", "lille").json()
    assert {f["properties"]["code"] for f in layer["features"]} == {"L1", "L2", "L3"}
    refused(territory.call("GET", "/api/residences/NOPE/history", "lille"), 404)
