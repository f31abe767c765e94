"""Residences: the map layer, one residence."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.api.deps import DbConnection, residence_filter
from app.auth.deps import OptionalPrincipal
from app.auth.principal import Principal
from app.errors import NotFound
from app.layers import ResidenceFilter, residence_feature, residences_geojson

router = APIRouter(prefix="/api/residences", tags=["résidences"])

GEOJSON = "application/geo+json"


def grades_visible_to(principal: Principal | None) -> tuple[str, dict] | None:
    """Residence-level grades are shown only to signed-in accounts, within their scope."""
    return principal.residence_clause() if principal else None


@router.get("", summary="Résidences (GeoJSON), filtrables", response_class=Response)
def list_residences(
    conn: DbConnection,
    principal: OptionalPrincipal,
    flt: Annotated[ResidenceFilter, Depends(residence_filter)],
) -> Response:
    flt.grades_visible = grades_visible_to(principal)
    return Response(residences_geojson(conn, flt), media_type=GEOJSON)


@router.get("/{code}", summary="Une résidence (GeoJSON Feature)", response_class=Response)
def get_residence(conn: DbConnection, principal: OptionalPrincipal, code: str) -> Response:
    flt = ResidenceFilter(code=code, grades_visible=grades_visible_to(principal))
    feature = residence_feature(conn, flt)
    if feature is None:
        raise NotFound(f"Résidence « {code} » introuvable.")
    return Response(feature, media_type=GEOJSON)
