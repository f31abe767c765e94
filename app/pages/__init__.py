"""HTML pages, one module per area; templates live in `app/templates/`."""

from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from app.core.assets import frontend_missing

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
TEMPLATES.env.globals["frontend_missing"] = lambda request: frontend_missing(
    request.app.state.static_dir
)
"""Every page says in French how to build the front end when it is missing (base.html)."""


def sign_in_first(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to the sign-in page, then back here."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/connexion?next={quote(target, safe='/')}", status_code=303)
