"""Territory layers: QPV, communes, EPCI."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.access.policy import ANYONE_NOTHING
from app.api.deps import DbConnection
from app.errors import InvalidParameter
from app.layers import communes_geojson, epci_geojson, qpv_geojson
from geo.codes import SIREN_RE

router = APIRouter(prefix="/api", tags=["territoire"])

GEOJSON = "application/geo+json"


@router.get(
    "/qpv",
    summary="Périmètres QPV (GeoJSON)",
    response_class=Response,
    dependencies=[ANYONE_NOTHING],
)
def list_qpv(conn: DbConnection) -> Response:
    return Response(qpv_geojson(conn), media_type=GEOJSON)


@router.get(
    "/communes",
    summary="Contours des communes (GeoJSON)",
    response_class=Response,
    dependencies=[ANYONE_NOTHING],
)
def list_communes(
    conn: DbConnection,
    epci: Annotated[str | None, Query(description="SIREN de l'EPCI")] = None,
) -> Response:
    if epci and not SIREN_RE.match(epci):
        raise InvalidParameter(f"epci « {epci} » invalide : un SIREN a 9 chiffres.")
    return Response(communes_geojson(conn, epci), media_type=GEOJSON)


@router.get(
    "/epci",
    summary="Contours des EPCI (GeoJSON)",
    response_class=Response,
    dependencies=[ANYONE_NOTHING],
)
def list_epci(conn: DbConnection) -> Response:
    return Response(epci_geojson(conn), media_type=GEOJSON)
