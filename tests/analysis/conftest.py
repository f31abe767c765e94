"""A hand-made territory in Lille: two small QPV, six residences, one campaign, allocations.

QPV A (QN05990N) holds R1 (40 dwellings, grade 1), R2 (60, harmonised 3) and R3 (20, sides
2 vs 3 not harmonised) on its eastern edge; R4 (30, grade 2) stands 200 m east of it; R5 (50,
grade 4) far from both; R6 (25, commune side only) is in Villeneuve-d'Ascq. QPV B (QN05991N)
holds no residence. Allocations 2025: see ALLOCATIONS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, text

from app.access.gate import Gate
from app.auth.accounts import create_account, create_token
from app.auth.principal import Principal
from app.auth.roles import ALL_EPCI, Role
from app.placement import place_residences
from tests.territory import grade

MEL = "200093201"
LILLE = "59350"
VILLENEUVE = "59009"
QPV_A = "QN05990N"
QPV_B = "QN05991N"
QPV_SQUARES = {
    QPV_A: ("QPV test A (fictif)", 3.050, 50.620, 3.056, 50.624),
    QPV_B: ("QPV test B (fictif)", 3.080, 50.640, 3.084, 50.643),
}
BAILLEURS = {"B1": ("Bailleur Test Un", "900000111"), "B2": ("Bailleur Test Deux", "900000222")}
# code: (bailleur, commune, dwellings, lon, lat, commune grade, landlord grade, harmonised)
RESIDENCES = {
    "R1": ("B1", LILLE, 40, 3.053, 50.622, 1, 1, None),
    "R2": ("B1", LILLE, 60, 3.054, 50.623, 2, 4, 3),
    "R3": ("B2", LILLE, 20, 3.056, 50.622, 2, 3, None),
    "R4": ("B1", LILLE, 30, 3.0588, 50.622, 2, 2, None),
    "R5": ("B2", LILLE, 50, 3.070, 50.635, 4, 4, None),
    "R6": ("B2", VILLENEUVE, 25, None, None, 3, None, None),
}
# code: (total, q1, priority, pru)
ALLOCATIONS = {
    "R1": (10, 6, 3, 0),
    "R2": (6, 1, 2, 0),
    "R3": (4, 4, 1, 0),
    "R4": (8, 1, 2, 1),
    "R5": (12, 1, 3, 0),
}
YEAR = 2025

EVERYTHING = Gate(
    Principal(
        id=0,
        email="operateur@qualiparc.test",
        role=Role.ADMIN,
        scopes={"epci": frozenset({ALL_EPCI})},
    )
)
"""An administrator of every EPCI: reads every grade in every phase."""


@dataclass
class Territory:
    engine: Engine
    campaign_id: int
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def token(self, email: str, role: str, scopes: list[str]) -> dict[str, str]:
        """Bearer headers of an account, created on first use."""
        if email not in self.headers:
            with self.engine.begin() as conn:
                create_account(conn, email, role, scopes)
                self.headers[email] = {"Authorization": f"Bearer {create_token(conn, email)}"}
        return self.headers[email]

    def execute(self, sql: str, params: dict | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params or {})


def _square(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def add_residence(conn, code, bailleur, commune, dwellings, lon, lat) -> None:
    """Insert a residence (at the commune's inner point when lon is None)."""
    name = BAILLEURS[bailleur][0]
    conn.execute(
        text(
            """
            INSERT INTO residence (code, name, bailleur_id, commune_insee, nb_logements, geom)
            SELECT CAST(:code AS text), 'Résidence ' || CAST(:code AS text), b.id,
                   CAST(:commune AS text), :n,
                   COALESCE(ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)),
                                       4326),
                            (SELECT ST_PointOnSurface(c.geom) FROM commune c
                             WHERE c.insee = CAST(:commune AS text)))
            FROM bailleur b WHERE b.name = :bailleur
            """
        ),
        {
            "code": code,
            "bailleur": name,
            "commune": commune,
            "n": dwellings,
            "lon": lon,
            "lat": lat,
        },
    )


@pytest.fixture
def territory(engine: Engine) -> Territory:
    with engine.begin() as conn:
        for code, (name, *box) in QPV_SQUARES.items():
            conn.execute(
                text(
                    "INSERT INTO qpv (code, name, communes, source, vintage, geom) "
                    "VALUES (:code, :name, ARRAY[:lille], 'official', '2024', "
                    "ST_GeomFromText(:wkt, 4326))"
                ),
                {"code": code, "name": name, "lille": LILLE, "wkt": _square(*box)},
            )
        conn.execute(
            text("INSERT INTO bailleur (name, siren) VALUES (:n, :s)"),
            [{"n": name, "s": siren} for name, siren in BAILLEURS.values()],
        )
        for code, (bailleur, commune, n, lon, lat, *_) in RESIDENCES.items():
            add_residence(conn, code, bailleur, commune, n, lon, lat)
        place_residences(conn)
        campaign_id = conn.execute(
            text(
                "INSERT INTO campaign (epci_siren, name, year, status) "
                "VALUES (:epci, 'MEL test 2026', 2026, 'harmonisation') RETURNING id"
            ),
            {"epci": MEL},
        ).scalar_one()
        for code, (*_, commune_grade, landlord_grade, harmonised) in RESIDENCES.items():
            grade(conn, campaign_id, code, commune_grade, landlord_grade, harmonised)
        conn.execute(
            text(
                "INSERT INTO allocation (residence_id, year, total, q1, priority, pru) "
                "SELECT id, :year, :total, :q1, :priority, :pru FROM residence WHERE code = :code"
            ),
            [
                dict(zip(("total", "q1", "priority", "pru"), counts, strict=True))
                | {"code": code, "year": YEAR}
                for code, counts in ALLOCATIONS.items()
            ],
        )
    return Territory(engine, campaign_id)
