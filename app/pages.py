"""HTML pages rendered from `templates/`."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app import __version__

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def map_page(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, "index.html", {"title": "Carte du parc social", "version": __version__}
    )
