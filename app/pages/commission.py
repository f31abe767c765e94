"""The allocation commission's page: vacancies on a map, the reverse search, one residence."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.access.policy import ANYONE_NOTHING
from app.api.deps import DbConnection
from app.auth.deps import OptionalPrincipal
from app.commission.access import MANAGING_ROLES
from app.commission.view import scope_places
from app.pages import TEMPLATES, sign_in_first
from geo.commission import CATEGORIES, CATEGORY_LABELS, CATEGORY_SHORT, QUARTILE_CATEGORIES

router = APIRouter(include_in_schema=False)


@router.get("/commission", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def commission_page(request: Request, conn: DbConnection, principal: OptionalPrincipal) -> Response:
    if principal is None:
        return sign_in_first(request)
    places = scope_places(conn, principal)
    config = {
        "year": date.today().year,
        "today": date.today().isoformat(),
        "may_manage": principal.role in MANAGING_ROLES,
        "categories": [
            {"code": c, "label": CATEGORY_LABELS[c], "short": CATEGORY_SHORT[c]} for c in CATEGORIES
        ],
        "quartile_categories": list(QUARTILE_CATEGORIES),
        **places,
    }
    return TEMPLATES.TemplateResponse(
        request,
        "commission.html",
        {"title": "Commission d'attribution", "config": config, "places": places},
    )
