"""The accounts page of an EPCI administrator: disable or enable accounts, revoke API tokens."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.access.policy import ANYONE_NOTHING
from app.auth.deps import OptionalPrincipal
from app.pages import TEMPLATES, sign_in_first

router = APIRouter(include_in_schema=False)


@router.get("/comptes", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def accounts(request: Request, principal: OptionalPrincipal) -> Response:
    if principal is None:
        return sign_in_first(request)
    error = None if principal.is_admin else "Cette page est réservée aux administrateurs d'EPCI."
    return TEMPLATES.TemplateResponse(
        request,
        "comptes.html",
        {"title": "Comptes", "error": error},
        status_code=403 if error else 200,
    )
