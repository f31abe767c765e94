"""The public map page."""

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import __version__
from app.access.policy import ANYONE_NOTHING
from app.core.assets import frontend_missing
from app.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

ENTRY = "/static/js/main.js"

DATA_PRELOADS = ("/api/outlines", "/api/meta", "/api/qpv", "/api/auth/session")
"""What the map asks first, preloaded by its page so that these requests run while the modules load.
The page fetches each URL as written, same-origin with its cookies (`<link crossorigin>`), so that
Chromium hands over the preloaded response instead of asking again."""


def module_preloads(static_dir: Path, entry: str = ENTRY) -> list[str]:
    """The modules `entry` imports, as `frontend/build.mjs` listed them (none if it did not): the
    page preloads them so that the browser fetches them at once, not one import depth at a time."""
    try:
        graph = json.loads((static_dir / "js" / "preload.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [url for url in graph.get(entry, []) if isinstance(url, str)]


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
            "entry": ENTRY,
            "preloads": module_preloads(Path(static_dir)),
            "data_preloads": DATA_PRELOADS,
        },
        status_code=503 if missing else 200,
    )
