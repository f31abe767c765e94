"""The residences a meeting must harmonise: both grades given, and far enough apart."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.campaigns.service import Campaign

DIVERGENT_SQL = """
    SELECT r.code, r.name, r.address, r.nb_logements, r.commune_insee, c.name AS commune_name,
           b.name AS bailleur, b.siren AS bailleur_siren, r.qpv_code, q.name AS qpv_name,
           r.near_qpv_300m, r.distance_qpv_m, cr.commune_grade, cr.bailleur_grade,
           cr.harmonised_grade, COALESCE(cr.harmonisation_version, 0) AS harmonisation_version,
           h.rationale, COALESCE(a.display_name, a.email) AS decided_by, h.decided_at,
           ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, r.is_demo
    FROM campaign_residence cr
    JOIN campaign ca ON ca.id = cr.campaign_id
    JOIN residence r ON r.id = cr.residence_id
    JOIN bailleur b ON b.id = r.bailleur_id
    JOIN commune c ON c.insee = r.commune_insee
    LEFT JOIN qpv q ON q.code = r.qpv_code
    LEFT JOIN harmonisation h ON h.campaign_id = cr.campaign_id AND h.residence_id = r.id
    LEFT JOIN account a ON a.id = h.decided_by
    WHERE cr.campaign_id = :campaign AND cr.divergent AND {clause}
"""
"""`campaign_residence.divergent` is the one divergence rule (it mirrors geo/grades.py)."""


@dataclass(frozen=True)
class DivergentResidence:
    code: str
    name: str
    address: str | None
    nb_logements: int
    commune_insee: str
    commune_name: str
    bailleur: str
    bailleur_siren: str | None
    qpv_code: str | None
    qpv_name: str | None
    near_qpv_300m: bool
    distance_qpv_m: float | None
    commune_grade: int
    bailleur_grade: int
    harmonised_grade: int | None
    harmonisation_version: int
    rationale: str | None
    decided_by: str | None
    decided_at: datetime | None
    lon: float
    lat: float
    is_demo: bool

    @property
    def gap(self) -> int:
        return abs(self.commune_grade - self.bailleur_grade)

    @property
    def harmonised(self) -> bool:
        return self.harmonised_grade is not None

    def to_json(self) -> dict:
        data = asdict(self)
        data["decided_at"] = self.decided_at.isoformat() if self.decided_at else None
        return {**data, "gap": self.gap, "harmonised": self.harmonised}


def divergent_residences(
    conn: Connection, principal: Principal, campaign: Campaign
) -> list[DivergentResidence]:
    """The campaign's divergent residences that `principal` may see, harmonised or not."""
    visible = Gate(principal).agreed(ca="ca")
    rows = conn.execute(
        text(DIVERGENT_SQL.format(clause=visible.sql) + " ORDER BY r.code"),
        visible.bind({"campaign": campaign.id}),
    ).mappings()
    return [DivergentResidence(**row) for row in rows]
