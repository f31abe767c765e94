"""Quartier aggregates on the hand-made Lille territory, against values computed by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.access.gate import Gate
from app.analysis.aggregates import quartier_rows
from app.analysis.peuplements import peuplement_rows
from app.placement import place_residences
from tests.analysis.conftest import EVERYTHING, LILLE, MEL, QPV_A, QPV_B, VILLENEUVE, add_residence
from tests.territory import grade


def by_code(rows: list[dict]) -> dict[str, dict]:
    return {row["code"]: row for row in rows}


def test_placement_of_the_border_and_nearby_residences(territory):
    with territory.engine.connect() as conn:
        placed = {
            code: (qpv, near)
            for code, qpv, near in conn.execute(
                text("SELECT code, qpv_code, near_qpv_300m FROM residence")
            )
        }
    assert placed["R3"] == (QPV_A, False)  # exactly on the eastern edge: inside
    assert placed["R4"] == (None, True)  # 200 m east: the 300 m band
    assert placed["R5"] == (None, False)


def test_qpv_aggregates(territory):
    rows = by_code(quartier_rows(territory.engine.connect(), "qpv", gate=EVERYTHING))
    assert set(rows) == {QPV_A, QPV_B}
    a = rows[QPV_A]
    assert (a["nb_residences"], a["nb_logements"]) == (3, 120)
    assert (a["nb_residences_graded"], a["nb_logements_graded"]) == (2, 100)
    assert a["mean_grade"] == pytest.approx((40 * 1 + 60 * 3) / 100)
    assert a["grade_distribution"] == {"1": 40, "2": 0, "3": 60, "4": 0}
    assert a["fragile_share"] == pytest.approx(40 / 100)
    assert a["unqualified_share"] == pytest.approx(20 / 120, abs=1e-4)
    assert a["epci_fragile_share"] == pytest.approx(70 / 180, abs=1e-4)
    assert a["rebalancing_need"] == 2 and a["rebalancing_label"] == "fort"
    assert "quartier prioritaire de la politique de la ville" in a["rebalancing_reasons"]
    assert a["secret"] is False and a["campaign_id"] == territory.campaign_id
    b = rows[QPV_B]
    assert (b["nb_residences"], b["nb_logements"]) == (0, 0)
    assert b["mean_grade"] is None and b["fragile_share"] is None
    assert b["grade_distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0}
    assert b["rebalancing_need"] is None and b["rebalancing_label"] == "non évaluable"


def test_commune_and_epci_aggregates(territory):
    with territory.engine.connect() as conn:
        communes = by_code(quartier_rows(conn, "commune", gate=EVERYTHING))
        (epci,) = quartier_rows(conn, "epci", gate=EVERYTHING)
        mel_communes = conn.execute(
            text("SELECT count(*) FROM commune WHERE epci_siren = :e"), {"e": MEL}
        ).scalar_one()
    assert len(communes) == mel_communes  # communes without residence are there, with zeros
    lille = communes[LILLE]
    assert (lille["nb_residences"], lille["nb_logements"]) == (5, 200)
    assert lille["mean_grade"] == pytest.approx(480 / 180, abs=1e-3)
    assert lille["fragile_share"] == pytest.approx(70 / 180, abs=1e-4)
    assert lille["unqualified_share"] == pytest.approx(20 / 200)
    assert lille["qpv_share"] == pytest.approx(120 / 200)
    assert lille["rebalancing_need"] == 1
    villeneuve = communes[VILLENEUVE]
    assert (villeneuve["nb_residences"], villeneuve["nb_logements"]) == (1, 25)
    assert villeneuve["mean_grade"] is None and villeneuve["unqualified_share"] == 1.0
    empty = next(row for row in communes.values() if row["nb_residences"] == 0)
    assert empty["nb_logements"] == 0 and empty["unqualified_share"] is None
    assert epci["code"] == MEL
    assert (epci["nb_residences"], epci["nb_logements"]) == (6, 225)
    assert epci["mean_grade"] == pytest.approx(480 / 180, abs=1e-3)
    assert epci["unqualified_share"] == pytest.approx(45 / 225)
    assert epci["grade_distribution"] == {"1": 40, "2": 30, "3": 60, "4": 50}


def test_geojson_carries_the_contract_properties(territory, client):
    collection = client.get("/api/quartiers?level=qpv", headers=admin(territory)).json()
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["code"]: f for f in collection["features"]}
    assert set(features) == {QPV_A, QPV_B}
    a = features[QPV_A]
    assert a["geometry"]["type"] == "MultiPolygon"
    for key in (
        "code",
        "name",
        "nb_residences",
        "nb_logements",
        "mean_grade",
        "fragile_share",
        "unqualified_share",
        "rebalancing_need",
        "rebalancing_reasons",
    ):
        assert key in a["properties"]
    assert a["properties"]["grade_distribution"] == {"1": 40, "2": 0, "3": 60, "4": 0}
    assert a["properties"]["mean_grade"] == pytest.approx(2.2)
    communes = client.get("/api/quartiers?level=commune", headers=admin(territory)).json()
    assert len(communes["features"]) > 90
    bad = client.get("/api/quartiers?level=canton")
    assert bad.status_code == 422 and "niveau" in bad.json()["error"]["message"]


def admin(territory) -> dict[str, str]:
    return territory.token("admin-mel@test.fr", "admin", [MEL])


def test_anonymous_sees_only_published_levels_under_the_secret(territory, client):
    empty = client.get("/api/quartiers?level=qpv").json()
    assert empty == {"type": "FeatureCollection", "features": []}
    refused = client.get(f"/api/quartiers?level=qpv&campaign={territory.campaign_id}")
    assert refused.status_code == 401
    territory.execute("UPDATE campaign SET published_level = 'qpv'")
    features = {
        f["properties"]["code"]: f["properties"]
        for f in client.get("/api/quartiers?level=qpv").json()["features"]
    }
    a = features[QPV_A]
    assert a["secret"] is True  # 2 graded residences: fewer than 11
    assert (a["nb_residences"], a["nb_logements"]) == (3, 120)
    assert a["basis"] == "résidences"
    for key in (
        "mean_grade",
        "grade_distribution",
        "fragile_share",
        "rebalancing_need",
        "rebalancing_reasons",
    ):
        assert a[key] is None
    # which residences are graded is public (the map tells them from ungraded ones)
    assert (a["nb_residences_graded"], a["unqualified_share"]) == (2, round(20 / 120, 4))
    assert features[QPV_B]["secret"] is False
    commune_level = client.get("/api/quartiers?level=commune").json()["features"]
    assert commune_level  # publishing QPV figures publishes the coarser levels
    iris = client.get(f"/api/quartiers?level=iris&campaign={territory.campaign_id}")
    assert iris.status_code == 401
    missing = client.get("/api/quartiers?level=qpv&campaign=999999")
    assert missing.status_code == 404


def test_out_of_scope_units_follow_the_secret(territory, client):
    headers = territory.token("villeneuve@test.fr", "commune", [VILLENEUVE])
    features = {
        f["properties"]["code"]: f["properties"]
        for f in client.get("/api/quartiers?level=commune", headers=headers).json()["features"]
    }
    assert features[LILLE]["secret"] is True and features[LILLE]["mean_grade"] is None
    assert features[VILLENEUVE]["secret"] is False
    assert features[VILLENEUVE]["unqualified_share"] == 1.0
    assert features[VILLENEUVE]["epci_fragile_share"] is None  # 4 graded residences in the EPCI


def add_qpv_b(territory, fragile: dict[int, int], others: int) -> None:
    """Residences of landlord B1 in QPV B: `fragile` {grade: how many} and `others` graded 4."""
    grades = [g for g, n in fragile.items() for _ in range(n)] + [4] * others
    with territory.engine.begin() as conn:
        for i, value in enumerate(grades):
            add_residence(conn, f"B{i:02d}", "B1", LILLE, 10 + i, 3.0805 + i * 0.0001, 50.641)
            grade(conn, territory.campaign_id, f"B{i:02d}", value, value)
        place_residences(conn)
        conn.execute(text("UPDATE campaign SET published_level = 'qpv'"))


def test_figures_from_grades_reach_visitors_once_the_campaign_is_closed(territory):
    """24 graded residences in QPV B, 12 fragile: during harmonisation a visitor reads no
    figure from grades (each decision would show as a difference); once closed, the fragile
    share, counted in residences."""
    add_qpv_b(territory, {1: 3, 2: 9}, 12)
    with territory.engine.connect() as conn:
        live = by_code(quartier_rows(conn, "qpv", gate=Gate(None)))[QPV_B]
    assert live["secret"] is True and live["fragile_share"] is None
    assert live["nb_residences_graded"] == 24
    territory.execute("UPDATE campaign SET status = 'closed'")
    with territory.engine.connect() as conn:
        public = by_code(quartier_rows(conn, "qpv", gate=Gate(None)))[QPV_B]
        full = by_code(quartier_rows(conn, "qpv", gate=EVERYTHING))[QPV_B]
        (epci,) = quartier_rows(conn, "epci", gate=Gate(None))
    assert full["basis"] == "logements" and full["grade_distribution"]["4"] == sum(range(22, 34))
    assert public["basis"] == "résidences" and public["secret"] is False
    assert public["fragile_share"] == 0.5  # 12 fragile residences of 24
    # grades 1 and 2 count under 11 residences: no detail, hence no mean grade nor need
    assert public["grade_distribution"] == {"1": None, "2": None, "3": None, "4": None}
    assert public["mean_grade"] is None and public["rebalancing_need"] is None
    # landlord B1 holds every graded residence of the EPCI but R5: the EPCI tells nothing
    assert epci["secret"] is True and public["epci_fragile_share"] is None


def test_visitors_default_to_the_latest_closed_campaign(territory):
    add_qpv_b(territory, {1: 11, 2: 1}, 12)
    with territory.engine.begin() as conn:
        previous = conn.execute(
            text(
                "INSERT INTO campaign (epci_siren, name, year, status, published_level)"
                " VALUES (:e, 'MEL test 2025', 2025, 'closed', 'qpv') RETURNING id"
            ),
            {"e": MEL},
        ).scalar_one()
    with territory.engine.connect() as conn:
        public = by_code(quartier_rows(conn, "qpv", gate=Gate(None)))[QPV_B]
        partner = by_code(quartier_rows(conn, "qpv", gate=EVERYTHING))[QPV_B]
    assert public["campaign_id"] == previous and public["nb_residences_graded"] == 0
    assert partner["campaign_id"] == territory.campaign_id


def test_peuplement_types_and_residence_needs(territory, client):
    with territory.engine.connect() as conn:
        rows = by_code(peuplement_rows(conn, gate=EVERYTHING))
    assert {code: row["peuplement"] for code, row in rows.items()} == {
        "R1": "reequilibrage",
        "R2": "diversification",
        "R3": None,
        "R4": "diversification",
        "R5": "accueil",
        "R6": None,
    }
    assert {code: row["rebalancing_need"] for code, row in rows.items()} == {
        "R1": 2,
        "R2": 1,
        "R3": None,
        "R4": 2,
        "R5": 0,
        "R6": None,
    }
    assert rows["R1"]["location"] == "qpv" and rows["R4"]["location"] == "near"
    territory.execute(
        "INSERT INTO epci_policy (epci_siren, peuplement_labels) "
        'VALUES (:e, \'{"accueil": "Accueil prioritaire"}\')',
        {"e": MEL},
    )
    features = {
        f["properties"]["code"]: f["properties"]
        for f in client.get("/api/peuplements", headers=admin(territory)).json()["features"]
    }
    assert features["R5"]["peuplement_label"] == "Accueil prioritaire"
    assert features["R1"]["rebalancing_reasons"][-1] == "située dans un QPV"
    assert client.get(f"/api/peuplements?epci={MEL}").json()["features"] == []  # anonymous
    villeneuve = territory.token("villeneuve@test.fr", "commune", [VILLENEUVE])
    own = client.get("/api/peuplements", headers=villeneuve).json()["features"]
    assert [f["properties"]["code"] for f in own] == ["R6"]


def test_the_aggregates_are_kept_until_a_decision_changes_them(territory, client):
    """Cached per caller and data version (app/core/cache.py): revalidated by a 304 until a
    harmonisation, whose figures show at the very next request, and never shared with a
    visitor."""
    url = "/api/quartiers?level=qpv"
    first = client.get(url, headers=admin(territory))
    assert first.headers["cache-control"] == "private, no-cache"
    tag = first.headers["etag"]
    assert client.get(url, headers={**admin(territory), "If-None-Match": tag}).status_code == 304
    with territory.engine.begin() as conn:
        grade(conn, territory.campaign_id, "R3", None, None, 2)
    again = client.get(url, headers={**admin(territory), "If-None-Match": tag})
    assert again.status_code == 200
    a = {f["properties"]["code"]: f["properties"] for f in again.json()["features"]}[QPV_A]
    assert a["grade_distribution"] == {"1": 40, "2": 20, "3": 60, "4": 0}
    visitor = client.get(url, headers={"If-None-Match": again.headers["etag"]})
    assert visitor.status_code == 200 and visitor.json()["features"] == []
