"""Who records the commission's data: vacancies and decisions of a residence.

The EPCI administrator for its EPCI's residences, communes and landlords for their own, as the
gate's scope says (`Gate.residences`); élus and readers read the commission view, never write.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.auth.roles import Role
from app.campaigns.residences import ResidenceRef, find_residence
from app.core.errors import Forbidden

MANAGING_ROLES = frozenset({Role.ADMIN, Role.COMMUNE, Role.BAILLEUR})


def may_manage(conn: Connection, principal: Principal, code: str) -> bool:
    """Whether `principal` records vacancies and decisions of residence `code`."""
    return principal.role in MANAGING_ROLES and Gate(principal).may_see_residence(conn, code)


def managed_residence(conn: Connection, principal: Principal, code: str) -> ResidenceRef:
    """Residence `code`, if `principal` records its vacancies and decisions (NotFound,
    Forbidden otherwise, in French)."""
    residence = find_residence(conn, code)
    if principal.role not in MANAGING_ROLES:
        raise Forbidden("Les élus et les lecteurs consultent la commission sans rien y saisir.")
    if not Gate(principal).may_see_residence(conn, code):
        raise Forbidden(f"La résidence « {code} » est hors de votre périmètre.")
    return residence
