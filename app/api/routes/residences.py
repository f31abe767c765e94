"""Residences: the map layer, one residence."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.api.deps import DbConnection, residence_filter
from app.auth.deps import OptionalPrincipal
from app.auth.principal import Principal
from app.errors import NotFound
from app.layers import SHOWN_STATUSES, ResidenceFilter, residence_feature, residences_geojson

router = APIRouter(prefix="/api/residences", tags=["résidences"])

GEOJSON = "application/geo+json"


def grades_visible_to(
    conn: Connection, principal: Principal | None, campaign: int | None = None
) -> tuple[str, dict] | None:
    """Residence-level grades are shown only to signed-in accounts, within their scope, and
    those of a campaign still being graded only to its administrators."""
    if principal is None:
        return None
    if campaign is not None:
        row = conn.execute(
            text("SELECT epci_siren, status FROM campaign WHERE id = :id"), {"id": campaign}
        ).one_or_none()
        if row is None:
            raise NotFound(f"Campagne {campaign} introuvable.")
        if row.status not in SHOWN_STATUSES and not principal.administers(row.epci_siren):
            return None
    return principal.residence_clause()


@router.get("", summary="Résidences (GeoJSON), filtrables", response_class=Response)
def list_residences(
    conn: DbConnection,
    principal: OptionalPrincipal,
    flt: Annotated[ResidenceFilter, Depends(residence_filter)],
) -> Response:
    flt.grades_visible = grades_visible_to(conn, principal, flt.campaign)
    return Response(residences_geojson(conn, flt), media_type=GEOJSON)


@router.get("/{code}", summary="Une résidence (GeoJSON Feature)", response_class=Response)
def get_residence(conn: DbConnection, principal: OptionalPrincipal, code: str) -> Response:
    flt = ResidenceFilter(code=code, grades_visible=grades_visible_to(conn, principal))
    feature = residence_feature(conn, flt)
    if feature is None:
        raise NotFound(f"Résidence « {code} » introuvable.")
    return Response(feature, media_type=GEOJSON)
