"""Allocation targets of the law (signed-in partners) and the EPCI's CIA settings."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.access.gate import Gate, administers
from app.access.policy import ADMIN_NOTHING, ANYONE_NOTHING, SIGNED_IN_NOTHING
from app.analysis.allocations import allocation_targets, check_level, epci_policy, save_epci_policy
from app.api.deps import DbConnection
from app.auth.deps import CurrentPrincipal
from app.core.errors import Forbidden, InvalidParameter
from geo.codes import siren_problem

router = APIRouter(prefix="/api", tags=["attributions"])


def _check_siren(siren: str) -> str:
    if problem := siren_problem(siren, "SIREN"):
        raise InvalidParameter(problem)
    return siren


@router.get(
    "/allocation-targets",
    summary="Objectifs légaux d'attribution (art. L441-1 CCH)",
    dependencies=[SIGNED_IN_NOTHING],
)
def list_allocation_targets(
    conn: DbConnection,
    principal: CurrentPrincipal,
    level: Annotated[str, Query(description="Niveau : epci, commune ou bailleur")] = "epci",
    year: Annotated[
        int | None, Query(description="Année (défaut : la dernière importée)", ge=2000, le=2100)
    ] = None,
) -> list[dict]:
    check_level(level)
    return allocation_targets(conn, level, year, gate=Gate(principal))


@router.get(
    "/epci/{siren}/policy",
    summary="Taux de la CIA et libellés des peuplements cibles",
    dependencies=[ANYONE_NOTHING],
)
def get_policy(conn: DbConnection, siren: str) -> dict:
    return epci_policy(conn, _check_siren(siren))


class PolicyUpdate(BaseModel):
    """Fields left out keep their value; a blank label restores the default one."""

    target_outside_qpv: float | None = Field(None, description="Hors QPV, ex. 0.25")
    target_inside_qpv: float | None = Field(None, description="En QPV, ex. 0.5")
    peuplement_labels: dict[str, str] | None = Field(None, description="Libellé par type")


@router.put(
    "/epci/{siren}/policy",
    summary="Modifier les réglages de l'EPCI (administrateur)",
    dependencies=[ADMIN_NOTHING],
)
def put_policy(
    conn: DbConnection, principal: CurrentPrincipal, siren: str, update: PolicyUpdate
) -> dict:
    _check_siren(siren)
    if not administers(principal, siren):
        raise Forbidden("Seul un administrateur de cet EPCI peut modifier ses réglages.")
    policy = save_epci_policy(
        conn,
        siren,
        actor=principal,
        target_outside_qpv=update.target_outside_qpv,
        target_inside_qpv=update.target_inside_qpv,
        labels=update.peuplement_labels,
    )
    conn.commit()
    return policy
