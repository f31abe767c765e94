"""The SQL view `campaign_residence` applies exactly the rule of `geo.grades`."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text

from geo.grades import agreed_grade, is_divergent

VALUES = (None, 1, 2, 3, 4)


@pytest.mark.parametrize("threshold", [1, 2])
def test_view_matches_the_python_rule(engine, threshold):
    combos = list(itertools.product(VALUES, VALUES, (None, 2)))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bailleur (id, name) VALUES (1, 'Logis Nord')"))
        conn.execute(
            text(
                "INSERT INTO residence (id, code, name, bailleur_id, commune_insee, epci_siren,"
                " nb_logements, geom) VALUES (:id, :code, 'R', 1, '59350', '200093201', 10,"
                " ST_SetSRID(ST_MakePoint(3.06, 50.63), 4326))"
            ),
            [{"id": i + 1, "code": f"R{i}"} for i in range(len(combos))],
        )
        campaign = conn.execute(
            text(
                "INSERT INTO campaign (epci_siren, name, year, status, divergence_threshold)"
                " VALUES ('200093201', 'Test', 2026, 'grading', :t) RETURNING id"
            ),
            {"t": threshold},
        ).scalar_one()
        for i, (commune, bailleur, harmonised) in enumerate(combos):
            for side, value in (("commune", commune), ("bailleur", bailleur)):
                if value is not None:
                    conn.execute(
                        text(
                            "INSERT INTO grade (campaign_id, residence_id, side, value)"
                            " VALUES (:c, :r, :s, :v)"
                        ),
                        {"c": campaign, "r": i + 1, "s": side, "v": value},
                    )
            if harmonised is not None:
                conn.execute(
                    text(
                        "INSERT INTO harmonisation (campaign_id, residence_id, value)"
                        " VALUES (:c, :r, :v)"
                    ),
                    {"c": campaign, "r": i + 1, "v": harmonised},
                )
        rows = conn.execute(
            text(
                "SELECT residence_id, agreed_grade, divergent FROM campaign_residence"
                " WHERE campaign_id = :c ORDER BY residence_id"
            ),
            {"c": campaign},
        ).all()
    assert len(rows) == len(combos)
    for (_, agreed, divergent), (commune, bailleur, harmonised) in zip(rows, combos, strict=True):
        assert agreed == agreed_grade(commune, bailleur, harmonised, threshold)
        assert divergent == is_divergent(commune, bailleur, threshold)


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_sql_function_matches_the_python_rule(engine, threshold):
    """`agreed_grade()`, which the view and the tiles call, is the rule of `geo.grades`."""
    combos = list(itertools.product(VALUES, VALUES, VALUES))
    with engine.connect() as conn:
        for commune, bailleur, harmonised in combos:
            found = conn.execute(
                text(
                    "SELECT agreed_grade(CAST(:c AS smallint), CAST(:b AS smallint),"
                    " CAST(:h AS smallint), CAST(:t AS smallint))"
                ),
                {"c": commune, "b": bailleur, "h": harmonised, "t": threshold},
            ).scalar_one()
            assert found == agreed_grade(commune, bailleur, harmonised, threshold)
