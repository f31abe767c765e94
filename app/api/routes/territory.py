"""Territory layers: QPV, communes, EPCI; the outlines packed for the map page."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.engine import Connection

from app.access.policy import ANYONE_NOTHING
from app.api.caching import cached_response
from app.api.deps import DbConnection
from app.api.inputs import siren_query
from app.api.responses import GeoJSONResponse
from app.auth.deps import OptionalPrincipal
from app.auth.principal import Principal
from app.exports.formats import GEOJSON_MEDIA_TYPE
from app.layers import communes_geojson, epci_geojson, qpv_geojson
from app.outlines import packed_outlines

router = APIRouter(prefix="/api", tags=["territoire"])


OUTLINES_MEDIA_TYPE = "application/octet-stream"


def _cached(
    request: Request,
    conn: Connection,
    principal: Principal | None,
    build: Callable[[], bytes],
    media_type: str = GEOJSON_MEDIA_TYPE,
) -> Response:
    """The same outlines for everyone, cached per data version (app/core/cache.py)."""
    return cached_response(
        request,
        conn,
        build,
        media_type=media_type,
        principal=principal,
        per_caller=False,
        grades=False,
    )


@router.get(
    "/qpv",
    summary="Périmètres QPV (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_NOTHING],
)
def list_qpv(request: Request, conn: DbConnection, principal: OptionalPrincipal) -> Response:
    return _cached(request, conn, principal, lambda: qpv_geojson(conn))


@router.get(
    "/communes",
    summary="Contours des communes (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_NOTHING],
)
def list_communes(
    request: Request,
    conn: DbConnection,
    principal: OptionalPrincipal,
    epci: Annotated[str | None, siren_query()] = None,
) -> Response:
    return _cached(request, conn, principal, lambda: communes_geojson(conn, epci))


@router.get(
    "/epci",
    summary="Contours des EPCI (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_NOTHING],
)
def list_epci(request: Request, conn: DbConnection, principal: OptionalPrincipal) -> Response:
    return _cached(request, conn, principal, lambda: epci_geojson(conn))


@router.get(
    "/outlines",
    summary="Contours des communes et des EPCI, empaquetés pour la carte (binaire)",
    description=(
        "Les mêmes contours que `/api/communes` et `/api/epci`, projetés en Web Mercator "
        "(pixels du zoom 0), quantifiés et codés en binaire : le format est décrit dans "
        "`geo/outlines.py`."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "Les contours empaquetés",
            "content": {OUTLINES_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        304: {"description": "Non modifiés depuis l'ETag envoyé (If-None-Match)"},
    },
    dependencies=[ANYONE_NOTHING],
)
def outlines(request: Request, conn: DbConnection, principal: OptionalPrincipal) -> Response:
    return _cached(request, conn, principal, lambda: packed_outlines(conn), OUTLINES_MEDIA_TYPE)
