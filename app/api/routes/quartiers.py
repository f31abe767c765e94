"""Quartier aggregates of a campaign as GeoJSON: the choropleth of the analysis page."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.access.policy import ANYONE_AGGREGATES
from app.analysis.aggregates import LEVELS, check_campaign, check_level, quartiers_geojson
from app.api.deps import CallerGate, DbConnection
from app.api.inputs import campaign_query, choice_query
from app.api.responses import GeoJSONResponse

router = APIRouter(prefix="/api", tags=["quartiers"])


@router.get(
    "/quartiers",
    summary="Agrégats par quartier (GeoJSON) : notes, part fragile, besoin de rééquilibrage",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_AGGREGATES],
)
def list_quartiers(
    conn: DbConnection,
    gate: CallerGate,
    level: Annotated[str, choice_query("Niveau : qpv, iris, commune ou epci", LEVELS)] = "commune",
    campaign: Annotated[
        int | None, campaign_query("Campagne (défaut : la dernière de chaque EPCI)")
    ] = None,
) -> Response:
    check_level(level)
    if campaign is not None:
        check_campaign(conn, campaign, level, gate)
    return GeoJSONResponse(quartiers_geojson(conn, level, campaign, gate=gate))
