"""Aggregates and targets on the demo of the CU d'Arras agree with plain SQL over its rows."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from app.analysis.aggregates import quartier_rows
from app.analysis.allocations import allocation_targets
from app.analysis.peuplements import peuplement_rows
from app.core.database import sqlalchemy_url
from tests.analysis.conftest import EVERYTHING

CU_ARRAS = "200033579"


def test_demo_totals_match_the_residences_and_allocations(demo_url):
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.connect() as conn:
        raw = conn.execute(
            text(
                """
                SELECT count(*) AS residences, sum(nb_logements) AS dwellings,
                       count(*) FILTER (WHERE qpv_code IS NOT NULL) AS in_qpv
                FROM residence WHERE epci_siren = :e
                """
            ),
            {"e": CU_ARRAS},
        ).one()
        allocations = conn.execute(
            text(
                """
                SELECT sum(a.total) FILTER (WHERE r.qpv_code IS NULL),
                       sum(a.q1 + a.pru) FILTER (WHERE r.qpv_code IS NULL),
                       sum(a.total) FILTER (WHERE r.qpv_code IS NOT NULL),
                       sum(a.total - a.q1) FILTER (WHERE r.qpv_code IS NOT NULL)
                FROM allocation a JOIN residence r ON r.id = a.residence_id
                WHERE a.year = 2025
                """
            )
        ).one()
        communes = quartier_rows(conn, "commune", gate=EVERYTHING)
        qpv = quartier_rows(conn, "qpv", gate=EVERYTHING)
        (epci,) = quartier_rows(conn, "epci", gate=EVERYTHING)
        (targets,) = allocation_targets(conn, "epci", 2025, gate=EVERYTHING)
        by_commune = allocation_targets(conn, "commune", 2025, gate=EVERYTHING)
        peuplements = peuplement_rows(conn, epci=CU_ARRAS, gate=EVERYTHING)
    engine.dispose()
    assert sum(row["nb_residences"] for row in communes) == raw.residences == epci["nb_residences"]
    assert sum(row["nb_logements"] for row in communes) == raw.dwellings == epci["nb_logements"]
    assert sum(row["nb_residences"] for row in qpv) == raw.in_qpv > 0
    assert epci["campaign_id"] == max(row["campaign_id"] for row in communes)  # latest campaign
    assert 1 <= epci["mean_grade"] <= 4 and epci["rebalancing_need"] in (0, 1, 2)
    graded = sum(v for v in epci["grade_distribution"].values())
    assert graded == epci["nb_logements_graded"]
    assert (
        targets["allocations_outside_qpv"],
        targets["q1_or_pru_outside_qpv"],
        targets["allocations_inside_qpv"],
        targets["non_q1_inside_qpv"],
    ) == tuple(allocations)
    assert sum(row["allocations_outside_qpv"] for row in by_commune) == allocations[0]
    assert len(peuplements) == raw.residences
    assert {row["peuplement"] for row in peuplements} >= {"accueil", "reequilibrage"}
