"""Allocation targets of the law (signed-in partners) and the EPCI's CIA settings."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from app.access.gate import Gate, administers
from app.access.policy import ADMIN_NOTHING, ANYONE_NOTHING, SIGNED_IN_NOTHING
from app.analysis.allocations import (
    LEVELS,
    allocation_targets,
    check_level,
    epci_policy,
    save_epci_policy,
)
from app.api.deps import DbConnection
from app.api.inputs import YEAR_MAX, YEAR_MIN, SafeText, SirenPath, StrictBody, choice_query
from app.auth.deps import CurrentPrincipal
from app.core.errors import Forbidden
from geo.peuplement import MAX_LABEL_LENGTH, TYPE_CODES

router = APIRouter(prefix="/api", tags=["attributions"])

Rate = Annotated[
    float,
    Field(
        description="Taux entre 0 (exclu) et 1, ex. 0.25 pour 25 %",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 1},
    ),
]
"""Checked by `geo.allocation_rules.check_rate`, which says in French how to write a rate."""
PeuplementLabel = Annotated[str, Field(max_length=MAX_LABEL_LENGTH), SafeText]


@router.get(
    "/allocation-targets",
    summary="Objectifs légaux d'attribution (art. L441-1 CCH)",
    dependencies=[SIGNED_IN_NOTHING],
)
def list_allocation_targets(
    conn: DbConnection,
    principal: CurrentPrincipal,
    level: Annotated[str, choice_query("Niveau : epci, commune ou bailleur", LEVELS)] = "epci",
    year: Annotated[
        int | None,
        Query(description="Année (défaut : la dernière importée)", ge=YEAR_MIN, le=YEAR_MAX),
    ] = None,
) -> list[dict]:
    check_level(level)
    return allocation_targets(conn, level, year, gate=Gate(principal))


@router.get(
    "/epci/{siren}/policy",
    summary="Taux de la CIA et libellés des peuplements cibles",
    dependencies=[ANYONE_NOTHING],
)
def get_policy(conn: DbConnection, siren: SirenPath) -> dict:
    return epci_policy(conn, siren)


class PolicyUpdate(StrictBody):
    """Fields left out keep their value; a blank label restores the default one."""

    target_outside_qpv: Rate | None = Field(None, description="Hors QPV, ex. 0.25")
    target_inside_qpv: Rate | None = Field(None, description="En QPV, ex. 0.5")
    peuplement_labels: dict[Literal[TYPE_CODES], PeuplementLabel] | None = Field(  # type: ignore[valid-type]
        None, description="Libellé par type"
    )


@router.put(
    "/epci/{siren}/policy",
    summary="Modifier les réglages de l'EPCI (administrateur)",
    dependencies=[ADMIN_NOTHING],
)
def put_policy(
    conn: DbConnection, principal: CurrentPrincipal, siren: SirenPath, update: PolicyUpdate
) -> dict:
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
