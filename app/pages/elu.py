"""The elected officials' view: their commune or EPCI on one screen, read-only, printable."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.access.policy import ANYONE_GRADES
from app.api.deps import DbConnection
from app.auth.deps import OptionalPrincipal
from app.core.errors import Forbidden, NotFound
from app.pages import TEMPLATES, sign_in_first
from app.printing.figures import (
    KeyFigures,
    french_date,
    key_figures,
    resolve_territory,
    source_line,
    territory_bbox,
)

router = APIRouter(include_in_schema=False)


def _filters(figures: KeyFigures) -> dict[str, str]:
    """The map filters of the view: its territory, and the campaign the figures come from."""
    filters = {figures.territory.kind: figures.territory.code}
    if figures.campaign is not None:
        filters["campaign"] = str(figures.campaign.id)
    return filters


def _links(figures: KeyFigures) -> dict[str, str]:
    """The print and export addresses of the view (the page adds the map's bbox to the PNG)."""
    query = urlencode(_filters(figures))
    return {
        "pdf": f"/elu/print.pdf?{urlencode({'territoire': figures.territory.code})}",
        "png": f"/api/print/map.png?{query}&fragiles=true",
        "html": f"/api/exports/map.html?{query}",
    }


@router.get("/elu", response_class=HTMLResponse, dependencies=[ANYONE_GRADES])
def elu_page(
    request: Request,
    conn: DbConnection,
    principal: OptionalPrincipal,
    territoire: str | None = None,
) -> Response:
    if principal is None:
        return sign_in_first(request)
    try:
        territory = resolve_territory(conn, principal, territoire)
        bounds = territory_bbox(conn, territory)
    except (Forbidden, NotFound) as exc:
        return TEMPLATES.TemplateResponse(
            request,
            "elu.html",
            {"title": "Vue des élus", "error": exc.message},
            status_code=403 if isinstance(exc, Forbidden) else 404,
        )
    figures = key_figures(conn, principal, territory)
    links = _links(figures)
    config = {
        "territory": {
            "kind": territory.kind,
            "code": territory.code,
            "name": territory.name,
            "epci": territory.epci_siren,
        },
        "filters": _filters(figures),
        "bounds": bounds,
        "legend": figures.scale.legend(),
        "links": links,
    }
    return TEMPLATES.TemplateResponse(
        request,
        "elu.html",
        {
            "title": f"Vue des élus · {territory.name}",
            "error": None,
            "territory": territory,
            "figures": figures,
            "links": links,
            "config": config,
            "source": source_line(conn),
            "today": french_date(date.today()),
        },
    )
