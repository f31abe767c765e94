"""Vector tiles of the residences and QPV (MVT built by PostGIS), and their TileJSON."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from app.access.policy import ANYONE_GRADES
from app.api.caching import cached_response
from app.api.deps import DbConnection, VisibleResidenceFilter
from app.core.errors import InvalidParameter, NotFound
from app.tiles import (
    LAYERS,
    MAX_ZOOM,
    MVT_MEDIA_TYPE,
    QPV,
    Tile,
    qpv_tile,
    residence_tile,
    tilejson,
)

router = APIRouter(prefix="/tiles", tags=["tuiles vectorielles"])


def tile_layer(
    layer: Annotated[
        str,
        Path(
            max_length=20,
            description="Couche : residences ou qpv",
            json_schema_extra={"enum": list(LAYERS)},
        ),
    ],
) -> str:
    if layer not in LAYERS:
        raise NotFound(f"Couche de tuiles « {layer} » inconnue : {', '.join(LAYERS)}.")
    return layer


TileLayer = Annotated[str, Depends(tile_layer)]

TILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "La tuile (Mapbox Vector Tile 2.1)",
        "content": {MVT_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
    204: {"description": "Tuile vide : aucun objet dans cette tuile"},
    304: {"description": "Non modifiée depuis l'ETag envoyé (If-None-Match)"},
}


@router.get(
    "/{layer}/{z}/{x}/{y}.pbf",
    summary="Tuile vectorielle (MVT) : résidences (regroupées sous le zoom 13) ou QPV",
    description=(
        "Mêmes filtres que /api/residences (campagne, EPCI, commune, bailleur, note, QPV, bbox) ; "
        "les notes comme l'accès les montre à l'appelant. Une tuile vide répond 204. ETag et "
        "304 Not Modified ; la tuile change dès qu'une note, une harmonisation ou un import "
        "change les données."
    ),
    response_class=Response,
    responses=TILE_RESPONSES,
    dependencies=[ANYONE_GRADES],
)
def get_tile(
    request: Request,
    conn: DbConnection,
    layer: TileLayer,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description="Zoom, de 0 à 22")],
    x: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Colonne, de 0 à 2^z − 1")],
    y: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Ligne, de 0 à 2^z − 1")],
    flt: VisibleResidenceFilter,
) -> Response:
    if x >= 2**z or y >= 2**z:
        raise InvalidParameter(
            f"Tuile {z}/{x}/{y} hors de la grille : au zoom {z}, x et y vont de 0 à {2**z - 1}."
        )
    tile = Tile(z, x, y)
    if layer == QPV:
        return cached_response(
            request,
            conn,
            lambda: qpv_tile(conn, tile),
            media_type=MVT_MEDIA_TYPE,
            principal=flt.gate.principal,
            per_caller=False,
            grades=False,
            empty_status=204,
        )
    return cached_response(
        request,
        conn,
        lambda: residence_tile(conn, tile, flt),
        media_type=MVT_MEDIA_TYPE,
        principal=flt.gate.principal,
        per_caller=True,
        grades=True,
        empty_status=204,
    )


@router.get(
    "/{layer}.json",
    summary="TileJSON 3.0.0 d'une couche de tuiles (modèle d'URL, zooms, emprise, champs)",
    description="Les paramètres de la requête (filtres) sont repris dans le modèle d'URL.",
    dependencies=[ANYONE_GRADES],
)
def get_tilejson(
    request: Request, conn: DbConnection, layer: TileLayer, flt: VisibleResidenceFilter
) -> dict:
    """`flt` checks the filters (an unknown campaign is a 404) before they go in the URL."""
    query = request.url.query
    base = str(request.base_url).rstrip("/")
    url = f"{base}/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf" + (f"?{query}" if query else "")
    return tilejson(conn, layer, url)
