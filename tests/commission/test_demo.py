"""The demo shows everything at once: a campaign being graded beside those in harmonisation and
closed, allocations of this year so far, and a few vacancies the commission reads."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from geo.commission import CATEGORIES
from tests.tokens import bearer

CU_ARRAS = "200033579"
ADMIN = "admin-commission@arras.test"


@pytest.fixture(scope="module")
def admin(demo_url: str) -> dict[str, str]:
    """An administrator of the CU d'Arras on the shared demo (Bearer token)."""
    return bearer(demo_url, ADMIN, "admin", [CU_ARRAS])


def test_the_demo_holds_every_phase_and_a_few_vacancies(demo_url: str):
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.connect() as conn:
        campaigns = conn.execute(
            text("SELECT name, status FROM campaign WHERE epci_siren = :e ORDER BY year"),
            {"e": CU_ARRAS},
        ).all()
        graded = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE g.side = 'commune'),"
                " count(*) FILTER (WHERE g.side = 'bailleur'),"
                " (SELECT count(*) FROM residence WHERE epci_siren = :e)"
                " FROM grade g JOIN campaign c ON c.id = g.campaign_id WHERE c.status = 'grading'"
            ),
            {"e": CU_ARRAS},
        ).one()
        vacancies = conn.execute(text("SELECT count(*), sum(dwellings) FROM vacancy")).one()
        years = conn.execute(text("SELECT DISTINCT year FROM allocation ORDER BY year")).scalars()
        years = list(years)
    engine.dispose()
    assert [tuple(c) for c in campaigns] == [
        ("CUA 2025", "closed"),
        ("CUA 2026", "harmonisation"),
        ("CUA 2027", "grading"),
    ]
    commune, landlord, residences = graded
    assert 0 < commune < residences and 0 < landlord < residences
    assert 3 <= vacancies[0] <= 20 and vacancies[0] <= vacancies[1] <= 3 * vacancies[0]
    assert years == [2025, 2026]


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_commission_ranks_the_demo_vacancies(demo_client, admin, category):
    response = demo_client.get(
        f"/api/commission/vacancies?category={category}&year=2026", headers=admin
    )
    assert response.status_code == 200, response.text
    features = [f["properties"] for f in response.json()["features"]]
    assert features and [f["rank"] for f in features] == list(range(1, len(features) + 1))
    assert all(f["reasons"] and f["stance_label"] for f in features)
    order = {"favour": 0, "neutral": 1, None: 2, "avoid": 3}
    stances = [order[f["stance"]] for f in features]
    assert stances == sorted(stances)
    view = demo_client.get(
        f"/api/commission/residences/{features[0]['code']}?year=2026", headers=admin
    ).json()
    assert view["vacancy"]["dwellings"] == features[0]["vacant"]
    assert [c["status"] for c in view["history"]] == ["grading", "harmonisation", "closed"]
    assert view["history"][0]["grade_status"] in ("visible", "none")  # the administrator's
    assert {u["level"] for e in view["effects"] for u in e["units"]} == {
        "epci",
        "commune",
        "bailleur",
    }
    effect = next(e for e in view["effects"] if e["category"] == "q1")["units"][0]
    assert effect["allocations_before"] > 0  # this year's allocations so far
