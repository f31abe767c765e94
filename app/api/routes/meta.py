"""What the map needs to build its legend, filters and base layers."""

import json

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.policy import ANYONE_NOTHING
from app.api.caching import cached_part
from app.api.deps import DbConnection
from app.api.routes.auth import describe
from app.auth.deps import OptionalPrincipal
from app.core.settings import get_settings
from geo.grades import GradeScale

router = APIRouter(prefix="/api", tags=["carte"])

SUMMARY_SQL = text(
    """
    SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax, demo,
           n AS residences
    FROM (SELECT ST_Extent(geom) AS e, bool_or(is_demo) AS demo, count(*) AS n
          FROM residence) AS s
    """
)


def _territory(conn: Connection) -> bytes:
    """The territory's lists and extent as a JSON object (every caller alike)."""
    epci = conn.execute(
        text(
            "SELECT e.siren, e.name FROM epci e "
            "WHERE EXISTS (SELECT 1 FROM residence r WHERE r.epci_siren = e.siren) ORDER BY e.name"
        )
    ).mappings()
    communes = conn.execute(
        text(
            "SELECT c.insee, c.name, c.epci_siren FROM commune c "
            "WHERE EXISTS (SELECT 1 FROM residence r WHERE r.commune_insee = c.insee) "
            "ORDER BY c.name"
        )
    ).mappings()
    bailleurs = conn.execute(text("SELECT id, name FROM bailleur ORDER BY name")).mappings()
    summary = conn.execute(SUMMARY_SQL).mappings().one()
    sources = conn.execute(text("SELECT DISTINCT source FROM qpv ORDER BY source")).scalars()
    bounds = (
        [summary["xmin"], summary["ymin"], summary["xmax"], summary["ymax"]]
        if summary["xmin"] is not None
        else None
    )
    document = {
        "epci": [dict(row) for row in epci],
        "communes": [dict(row) for row in communes],
        "bailleurs": [dict(row) for row in bailleurs],
        "bounds": bounds,
        "demo": bool(summary["demo"]),
        "residence_count": summary["residences"],
        "qpv_sources": list(sources),
    }
    return _json(document)


def _json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@router.get(
    "/meta",
    summary="Légende, listes des filtres, fond de carte",
    response_class=JSONResponse,
    dependencies=[ANYONE_NOTHING],
)
def meta(request: Request, conn: DbConnection, principal: OptionalPrincipal) -> Response:
    """The territory's part is kept until the data change (its queries read every residence);
    the settings' part and `account`, the caller's own, are added to it."""
    territory = cached_part(request, conn, "meta", lambda: _territory(conn))
    settings = get_settings()
    own = _json(
        {
            "title": "qualiparc — qualification du parc social",
            "legend": GradeScale.default().legend(),
            "tile_url": settings.tile_url,
            "tile_attribution": settings.tile_attribution,
            "tile_mode_threshold": settings.tile_mode_threshold,
            "account": describe(principal) if principal else None,
        }
    )
    return Response(territory[:-1] + b"," + own[1:], media_type="application/json")
