"""Territory layers: QPV, communes, EPCI."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.access.policy import ANYONE_NOTHING
from app.api.deps import DbConnection
from app.api.inputs import siren_query
from app.api.responses import GeoJSONResponse
from app.layers import communes_geojson, epci_geojson, qpv_geojson

router = APIRouter(prefix="/api", tags=["territoire"])


@router.get(
    "/qpv",
    summary="Périmètres QPV (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_NOTHING],
)
def list_qpv(conn: DbConnection) -> Response:
    return GeoJSONResponse(qpv_geojson(conn))


@router.get(
    "/communes",
    summary="Contours des communes (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_NOTHING],
)
def list_communes(
    conn: DbConnection,
    epci: Annotated[str | None, siren_query()] = None,
) -> Response:
    return GeoJSONResponse(communes_geojson(conn, epci))


@router.get(
    "/epci",
    summary="Contours des EPCI (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_NOTHING],
)
def list_epci(conn: DbConnection) -> Response:
    return GeoJSONResponse(epci_geojson(conn))
