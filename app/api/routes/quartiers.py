"""Quartier aggregates of a campaign as GeoJSON: the choropleth of the analysis page."""

from typing import Annotated

from fastapi import APIRouter, Request, Response

from app.access.policy import ANYONE_AGGREGATES
from app.analysis.aggregates import LEVELS, check_campaign, check_level, quartiers_geojson
from app.api.caching import cached_response
from app.api.deps import CallerGate, DbConnection
from app.api.inputs import campaign_query, choice_query
from app.api.responses import GeoJSONResponse
from app.exports.formats import GEOJSON_MEDIA_TYPE

router = APIRouter(prefix="/api", tags=["quartiers"])


@router.get(
    "/quartiers",
    summary="Agrégats par quartier (GeoJSON) : notes, part fragile, besoin de rééquilibrage",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_AGGREGATES],
)
def list_quartiers(
    request: Request,
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
    return cached_response(  # per visibility class and data version (app/core/cache.py)
        request,
        conn,
        lambda: quartiers_geojson(conn, level, campaign, gate=gate),
        media_type=GEOJSON_MEDIA_TYPE,
        principal=gate.principal,
        per_caller=True,
        grades=True,
    )
