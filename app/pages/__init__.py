"""HTML pages, one module per area; templates live in `app/templates/`."""

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

from app.core.templates import TEMPLATES as TEMPLATES


def sign_in_first(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to the sign-in page, then back here."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/connexion?next={quote(target, safe='/')}", status_code=303)
