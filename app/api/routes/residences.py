"""Residences: the map layer, one residence."""

from fastapi import APIRouter, Request, Response

from app.access.policy import ANYONE_GRADES
from app.api.caching import cached_response
from app.api.deps import CallerGate, DbConnection, VisibleResidenceFilter
from app.api.inputs import ResidenceCode
from app.api.responses import GeoJSONResponse
from app.core.errors import NotFound
from app.exports.formats import GEOJSON_MEDIA_TYPE
from app.layers import ResidenceFilter, residence_feature, residences_geojson

router = APIRouter(prefix="/api/residences", tags=["résidences"])


@router.get(
    "",
    summary="Résidences (GeoJSON), filtrables",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_GRADES],
)
def list_residences(request: Request, conn: DbConnection, flt: VisibleResidenceFilter) -> Response:
    """Cached per filters, visibility class and data version (app/core/cache.py)."""
    return cached_response(
        request,
        conn,
        lambda: residences_geojson(conn, flt),
        media_type=GEOJSON_MEDIA_TYPE,
        principal=flt.gate.principal,
        per_caller=True,
        grades=True,
    )


@router.get(
    "/{code}",
    summary="Une résidence (GeoJSON Feature)",
    response_class=GeoJSONResponse,
    dependencies=[ANYONE_GRADES],
)
def get_residence(conn: DbConnection, gate: CallerGate, code: ResidenceCode) -> Response:
    flt = ResidenceFilter(code=code, gate=gate)
    feature = residence_feature(conn, flt)
    if feature is None:
        raise NotFound(f"Résidence « {code} » introuvable.")
    return GeoJSONResponse(feature)
