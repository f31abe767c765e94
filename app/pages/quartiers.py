"""The planners' analysis page: quartier choropleth, peuplements cibles, allocation targets."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import __version__
from app.access.policy import ANYONE_NOTHING
from app.auth.deps import OptionalPrincipal
from app.pages import TEMPLATES
from geo import rebalancing
from geo.allocation_rules import SECRECY_THRESHOLD
from geo.peuplement import LOCATION_LABELS, legend, peuplement_labels, rule_table

router = APIRouter(include_in_schema=False)

LEVEL_LABELS = {"qpv": "QPV", "iris": "IRIS", "commune": "Communes", "epci": "EPCI"}


@router.get("/quartiers", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def quartiers_page(request: Request, principal: OptionalPrincipal) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "quartiers.html",
        {
            "title": "Quartiers et rééquilibrage",
            "version": __version__,
            "signed_in": principal is not None,
            "levels": LEVEL_LABELS,
            "peuplement_types": legend(),
            "peuplement_labels": peuplement_labels(),
            "peuplement_rule": rule_table(),
            "locations": LOCATION_LABELS,
            "rebalancing": rebalancing,
            "secrecy_threshold": SECRECY_THRESHOLD,
        },
    )
