"""What the map needs to build its legend, filters and base layers."""

from fastapi import APIRouter
from sqlalchemy import text

from app.access.policy import ANYONE_NOTHING
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


@router.get(
    "/meta", summary="Légende, listes des filtres, fond de carte", dependencies=[ANYONE_NOTHING]
)
def meta(conn: DbConnection, principal: OptionalPrincipal) -> dict:
    settings = get_settings()
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
    return {
        "title": "qualiparc — qualification du parc social",
        "legend": GradeScale.default().legend(),
        "epci": [dict(row) for row in epci],
        "communes": [dict(row) for row in communes],
        "bailleurs": [dict(row) for row in bailleurs],
        "tile_url": settings.tile_url,
        "tile_attribution": settings.tile_attribution,
        "bounds": bounds,
        "demo": bool(summary["demo"]),
        "residence_count": summary["residences"],
        "tile_mode_threshold": settings.tile_mode_threshold,
        "qpv_sources": list(sources),
        "account": describe(principal) if principal else None,
    }
