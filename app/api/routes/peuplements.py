"""Residences with their target population type and rebalancing need (GeoJSON)."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.access.policy import ANYONE_GRADES
from app.analysis.peuplements import peuplements_geojson
from app.api.deps import CallerGate, DbConnection, require_campaign_exists
from app.api.inputs import campaign_query, siren_query
from app.api.responses import GeoJSONResponse

router = APIRouter(prefix="/api", tags=["quartiers"])


@router.get(
    "/peuplements",
    summary="Peuplements cibles et besoin de rééquilibrage par résidence (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_GRADES],
)
def list_peuplements(
    conn: DbConnection,
    gate: CallerGate,
    campaign: Annotated[
        int | None, campaign_query("Campagne (défaut : la dernière de chaque EPCI)")
    ] = None,
    epci: Annotated[str | None, siren_query()] = None,
) -> Response:
    """Types and needs derive from grades: only the residences the caller may see (none when
    anonymous)."""
    if campaign is not None:
        require_campaign_exists(conn, campaign)
    return GeoJSONResponse(peuplements_geojson(conn, campaign, epci, gate=gate))
