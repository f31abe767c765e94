"""The public map page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import __version__
from app.access.policy import ANYONE_NOTHING
from app.core.assets import frontend_missing
from app.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

BUNDLE = "/static/js/map.bundle.js"
"""The page's scripts, its header's and its own, in one file (`frontend/build.mjs`)."""

DATA_PRELOADS = ("/api/outlines", "/api/meta", "/api/qpv", "/api/auth/session")
"""What the map asks first, preloaded by its page so that these requests run while its script loads.
The page fetches each URL as written, same-origin with its cookies (`<link crossorigin>`), so that
Chromium hands over the preloaded response instead of asking again."""


FIRST_REQUESTS = ("/", BUNDLE, *DATA_PRELOADS)
"""What a visitor's browser asks first, each worker asks itself as it starts (app/main.py)."""


@router.get("/", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def map_page(request: Request) -> HTMLResponse:
    """The map; a 503 that says how to build the front end when its files are missing."""
    static_dir = request.app.state.static_dir
    missing = frontend_missing(static_dir) is not None
    return TEMPLATES.TemplateResponse(
        request,
        "index.html",
        {
            "title": "Carte du parc social",
            "version": __version__,
            "bundle": BUNDLE,
            "data_preloads": DATA_PRELOADS,
        },
        status_code=503 if missing else 200,
    )
