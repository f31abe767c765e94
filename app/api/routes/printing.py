"""What the server prints: the élu PDF, a PNG of a map view, an offline HTML map (Folium).

The PNG and HTML views show what the web map shows to the caller: every residence of the
filters, with grades only where the caller may see them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.access.policy import ANYONE_GRADES, VIEWERS_GRADES
from app.api.deps import DbConnection, VisibleResidenceFilter
from app.api.inputs import text_query
from app.api.responses import files
from app.auth.deps import CurrentPrincipal
from app.printing.figures import resolve_territory
from app.printing.folium_export import render_html
from app.printing.pdf import render_pdf
from app.printing.png import MAX_SIDE, MIN_SIDE, render_png

router = APIRouter(tags=["impression"])
TERRITORY_MAX = 32


def _disposition(kind: str, stem: str, extension: str) -> dict[str, str]:
    return {
        "Content-Disposition": (
            f'{kind}; filename="{stem}-qualiparc-{date.today().isoformat()}.{extension}"'
        )
    }


@router.get(
    "/elu/print.pdf",
    summary="Fiche A4 paysage de l'élu : carte, légende, chiffres clés",
    response_class=Response,
    responses=files("application/pdf"),
    dependencies=[VIEWERS_GRADES],
)
def elu_pdf(
    conn: DbConnection,
    principal: CurrentPrincipal,
    territoire: Annotated[
        str | None,
        text_query("Code INSEE ou SIREN (défaut : votre territoire)", max_length=TERRITORY_MAX),
    ] = None,
) -> Response:
    territory = resolve_territory(conn, principal, territoire)
    return Response(
        render_pdf(conn, principal, territory),
        media_type="application/pdf",
        headers=_disposition("inline", f"fiche-{territory.code}", "pdf"),
    )


@router.get(
    "/api/print/map.png",
    summary="Image PNG d'une vue de la carte (bbox et filtres)",
    response_class=Response,
    responses=files("image/png"),
    dependencies=[ANYONE_GRADES],
)
def map_png(
    conn: DbConnection,
    flt: VisibleResidenceFilter,
    width: Annotated[
        int, Query(ge=MIN_SIDE, le=MAX_SIDE, description="Largeur en pixels (200 à 4000)")
    ] = 1600,
    height: Annotated[
        int, Query(ge=MIN_SIDE, le=MAX_SIDE, description="Hauteur en pixels (200 à 4000)")
    ] = 1000,
    fragiles: Annotated[
        bool, Query(description="Mettre en évidence les résidences fragiles (notes 1 et 2)")
    ] = False,
) -> Response:
    return Response(
        render_png(conn, flt, width=width, height=height, emphasise_fragile=fragiles),
        media_type="image/png",
        headers=_disposition("inline", "carte", "png"),
    )


@router.get(
    "/api/exports/map.html",
    summary="Carte HTML autonome (Folium), lisible hors ligne",
    response_class=Response,
    responses=files("text/html"),
    dependencies=[ANYONE_GRADES],
)
def map_html(request: Request, conn: DbConnection, flt: VisibleResidenceFilter) -> Response:
    return Response(
        render_html(conn, flt, request.app.state.static_dir),
        media_type="text/html; charset=utf-8",
        headers=_disposition("attachment", "carte", "html"),
    )
