"""The public map page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import __version__
from app.access.policy import ANYONE_NOTHING
from app.pages import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def map_page(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, "index.html", {"title": "Carte du parc social", "version": __version__}
    )
