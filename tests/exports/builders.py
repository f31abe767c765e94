"""A hand-made corner of the CU d'Arras: four residences, two campaigns, allocations, accounts.

Current campaign « Arras test 2026 » (harmonisation): AR1 graded 1/1 (40 dwellings), AR2 3/3
(120), AR3 2 vs 4 harmonised to 2 (25) in Arras; SL1 (15) in Saint-Laurent-Blangy ungraded.
Previous campaign « Arras test 2025 » (closed): AR1 2, AR2 3, AR3 1, so that since then AR1
worsened, AR2 stayed and AR3 improved. Allocations 2025 (no QPV here, all outside QPV): AR1 10
of which 1 first quartile, AR2 8 of which 2 first quartile and 1 PRU: 4 of 18 (22,2 %) against
25 %, i.e. ceil(4.5) - 4 = 1 allocation missing in Arras.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

CU_ARRAS = "200033579"
ARRAS, SAINT_LAURENT = "62041", "62753"
FORMULA_NAME = '=HYPERLINK("x")'
PASSWORD = "mot-de-passe-de-test"

HEADER = "code;nom;bailleur;siren;commune_insee;nb_logements;lon;lat;note_commune;note_bailleur"
RESIDENCES_CSV = f"""{HEADER}
AR1;{FORMULA_NAME};Habitat Artois (test);900000301;{ARRAS};40;2.7663;50.2896;1;1
AR2;Résidence des Tilleuls;Habitat Artois (test);900000301;{ARRAS};120;2.7800;50.2920;3;3
AR3;Résidence du Beffroi;Logis Scarpe (test);900000302;{ARRAS};25;2.7600;50.2850;2;4
SL1;Cité du Parc;Logis Scarpe (test);900000302;{SAINT_LAURENT};15;2.8126;50.3100;;
"""
POINTS = {
    "AR1": (2.7663, 50.2896),
    "AR2": (2.7800, 50.2920),
    "AR3": (2.7600, 50.2850),
    "SL1": (2.8126, 50.3100),
}
ACCOUNTS = {
    "admin": ("admin", ["*"]),
    "commune_arras": ("commune", [ARRAS]),
    "elu_arras": ("elu", [ARRAS]),
    "elu_cua": ("elu", [CU_ARRAS]),
    "bailleur": ("bailleur", ["900000302"]),
}


@dataclass
class Corner:
    engine: Engine
    campaign_id: int
    previous_id: int
    headers: dict[str, dict[str, str]]


def build_corner(engine: Engine, directory: Path) -> Corner:
    """Import the residences, shape both campaigns, add allocations, create the accounts."""
    from app.auth.accounts import create_account, create_token
    from app.importers.residences import import_residences

    source = directory / "residences.csv"
    source.write_text(RESIDENCES_CSV, encoding="utf-8")
    headers = {}
    with engine.begin() as conn:
        import_residences(conn, source)
        campaign_id = conn.execute(
            text(
                "UPDATE campaign SET name = 'Arras test 2026', year = 2026,"
                " status = 'harmonisation' WHERE epci_siren = :epci RETURNING id"
            ),
            {"epci": CU_ARRAS},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO harmonisation (campaign_id, residence_id, value)"
                " SELECT :campaign, id, 2 FROM residence WHERE code = 'AR3'"
            ),
            {"campaign": campaign_id},
        )
        previous_id = conn.execute(
            text(
                "INSERT INTO campaign (epci_siren, name, year, status)"
                " VALUES (:epci, 'Arras test 2025', 2025, 'grading') RETURNING id"
            ),
            {"epci": CU_ARRAS},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO grade (campaign_id, residence_id, side, value)"
                " SELECT :campaign, r.id, s.side, v.value FROM residence r"
                " JOIN (VALUES ('AR1', 2), ('AR2', 3), ('AR3', 1)) AS v(code, value)"
                "   ON v.code = r.code"
                " CROSS JOIN (VALUES ('commune'), ('bailleur')) AS s(side)"
            ),
            {"campaign": previous_id},
        )
        conn.execute(
            text("UPDATE campaign SET status = 'closed' WHERE id = :id"), {"id": previous_id}
        )
        conn.execute(
            text(
                "INSERT INTO allocation (residence_id, year, total, q1, priority, pru)"
                " SELECT r.id, 2025, v.total, v.q1, v.priority, v.pru FROM residence r"
                " JOIN (VALUES ('AR1', 10, 1, 2, 0), ('AR2', 8, 2, 1, 1))"
                "   AS v(code, total, q1, priority, pru) ON v.code = r.code"
            )
        )
        for name, (role, scopes) in ACCOUNTS.items():
            email = f"{name}@test.example"
            create_account(conn, email, role, scopes, password=PASSWORD, display_name=name)
            headers[name] = {"Authorization": f"Bearer {create_token(conn, email)}"}
    return Corner(engine, campaign_id, previous_id, headers)
