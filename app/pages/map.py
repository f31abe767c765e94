"""The public map page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import __version__
from app.access.policy import ANYONE_NOTHING
from app.core.assets import frontend_missing
from app.pages import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def map_page(request: Request) -> HTMLResponse:
    """The map; a 503 that says how to build the front end when its files are missing."""
    missing = frontend_missing(request.app.state.static_dir) is not None
    return TEMPLATES.TemplateResponse(
        request,
        "index.html",
        {"title": "Carte du parc social", "version": __version__},
        status_code=503 if missing else 200,
    )
