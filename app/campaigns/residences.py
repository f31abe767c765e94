"""The residences a grade is about: found by code, placed in a campaign's EPCI, in a scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.core.errors import Forbidden, NotFound

RESIDENCES_SQL = """
    SELECT r.id, r.code, r.name, r.commune_insee, c.name AS commune_name, r.epci_siren,
           b.name AS bailleur, b.siren AS bailleur_siren
    FROM residence r JOIN bailleur b ON b.id = r.bailleur_id
    JOIN commune c ON c.insee = r.commune_insee
    WHERE r.code = ANY(:codes)
"""


@dataclass(frozen=True)
class ResidenceRef:
    """What the permission rules need to know of a residence."""

    id: int
    code: str
    name: str
    commune_insee: str
    commune_name: str
    epci_siren: str | None
    bailleur: str
    bailleur_siren: str | None


def residences_by_code(conn: Connection, codes: Iterable[str]) -> dict[str, ResidenceRef]:
    rows = conn.execute(text(RESIDENCES_SQL), {"codes": sorted(set(codes))}).mappings()
    return {row["code"]: ResidenceRef(**row) for row in rows}


def find_residence(conn: Connection, code: str) -> ResidenceRef:
    found = residences_by_code(conn, [code]).get(code)
    if found is None:
        raise NotFound(f"Résidence « {code} » introuvable.")
    return found


def residence_in_campaign(
    conn: Connection, epci_siren: str, campaign_name: str, code: str
) -> ResidenceRef:
    """A residence of the campaign's EPCI (NotFound otherwise)."""
    residence = find_residence(conn, code)
    if residence.epci_siren != epci_siren:
        raise NotFound(
            f"La résidence « {code} » n'est pas dans le territoire de la campagne "
            f"« {campaign_name} »."
        )
    return residence


def residence_in_scope(
    conn: Connection, gate: Gate, epci_siren: str, campaign_name: str, code: str
) -> ResidenceRef:
    """A residence of the campaign's EPCI within the caller's scope (Forbidden otherwise)."""
    residence = residence_in_campaign(conn, epci_siren, campaign_name, code)
    if not gate.may_see_residence(conn, code):
        raise Forbidden(f"La résidence « {code} » est hors de votre périmètre.")
    return residence
