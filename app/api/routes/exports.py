"""Exports for planners: residences and quartier aggregates as CSV, XLSX, GeoJSON, GeoPackage."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from app.access.gate import Gate
from app.access.policy import SIGNED_IN_AGGREGATES, SIGNED_IN_GRADES
from app.analysis.aggregates import LEVELS, check_campaign, check_level
from app.api.deps import DbConnection, require_campaign_exists, residence_filter
from app.api.inputs import campaign_query, choice_query
from app.api.responses import files
from app.auth.deps import CurrentPrincipal
from app.core.errors import NotFound
from app.exports.formats import FORMATS, MEDIA_TYPES
from app.exports.quartiers import export_quartiers
from app.exports.residences import export_residences
from app.layers import ResidenceFilter

router = APIRouter(prefix="/api/exports", tags=["exports"])


def attachment(stem: str, fmt: str) -> dict[str, str]:
    """`Content-Disposition` of a dated download, e.g. residences-qualiparc-2026-11-23.csv."""
    return {
        "Content-Disposition": (
            f'attachment; filename="{stem}-qualiparc-{date.today().isoformat()}.{fmt}"'
        )
    }


def export_format(
    fmt: Annotated[
        str,
        Path(description="csv, xlsx, geojson ou gpkg", json_schema_extra={"enum": list(FORMATS)}),
    ],
) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"Format « {fmt} » inconnu : csv, xlsx, geojson ou gpkg.")
    return fmt


@router.get(
    "/residences.{fmt}",
    summary="Résidences avec notes et attributs de quartier (csv, xlsx, geojson, gpkg)",
    response_class=Response,
    responses=files(*MEDIA_TYPES.values()),
    dependencies=[SIGNED_IN_GRADES],
)
def residences_export(
    conn: DbConnection,
    principal: CurrentPrincipal,
    flt: Annotated[ResidenceFilter, Depends(residence_filter)],
    fmt: Annotated[str, Depends(export_format)],
) -> Response:
    if flt.campaign is not None:
        require_campaign_exists(conn, flt.campaign)
    flt.gate = Gate(principal)
    body = export_residences(conn, flt, fmt)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=attachment("residences", fmt))


@router.get(
    "/quartiers.{fmt}",
    summary="Agrégats par quartier d'une campagne (csv, xlsx, geojson, gpkg)",
    response_class=Response,
    responses=files(*MEDIA_TYPES.values()),
    dependencies=[SIGNED_IN_AGGREGATES],
)
def quartiers_export(
    conn: DbConnection,
    principal: CurrentPrincipal,
    fmt: Annotated[str, Depends(export_format)],
    level: Annotated[str, choice_query("qpv, iris, commune ou epci", LEVELS)],
    campaign: Annotated[
        int | None, campaign_query("Campagne (défaut : la dernière de chaque EPCI)")
    ] = None,
) -> Response:
    check_level(level)
    gate = Gate(principal)
    if campaign is not None:
        check_campaign(conn, campaign, level, gate)
    body = export_quartiers(conn, level, campaign, gate, fmt)
    headers = attachment(f"quartiers-{level}", fmt)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)
