"""Residences: the map layer, one residence."""

from fastapi import APIRouter, Response

from app.access.policy import ANYONE_GRADES
from app.api.deps import CallerGate, DbConnection, VisibleResidenceFilter
from app.errors import NotFound
from app.layers import ResidenceFilter, residence_feature, residences_geojson

router = APIRouter(prefix="/api/residences", tags=["résidences"])

GEOJSON = "application/geo+json"


@router.get(
    "",
    summary="Résidences (GeoJSON), filtrables",
    response_class=Response,
    dependencies=[ANYONE_GRADES],
)
def list_residences(conn: DbConnection, flt: VisibleResidenceFilter) -> Response:
    return Response(residences_geojson(conn, flt), media_type=GEOJSON)


@router.get(
    "/{code}",
    summary="Une résidence (GeoJSON Feature)",
    response_class=Response,
    dependencies=[ANYONE_GRADES],
)
def get_residence(conn: DbConnection, gate: CallerGate, code: str) -> Response:
    flt = ResidenceFilter(code=code, gate=gate)
    feature = residence_feature(conn, flt)
    if feature is None:
        raise NotFound(f"Résidence « {code} » introuvable.")
    return Response(feature, media_type=GEOJSON)
