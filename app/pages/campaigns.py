"""Sign-in page and the campaign pages: dashboard, grading map, grade-sheet upload."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from app.access.policy import ANYONE_NOTHING
from app.api.deps import DbConnection
from app.api.inputs import CampaignId
from app.auth.deps import OptionalPrincipal
from app.auth.principal import Principal
from app.campaigns.service import list_campaigns, load_campaign
from app.core.errors import QualiparcError
from app.pages import TEMPLATES, sign_in_first

router = APIRouter(include_in_schema=False)
NEXT_MAX = 2000
"""Characters of the address to return to after signing in."""


def _campaign_page(
    request: Request,
    conn: Connection,
    principal: Principal | None,
    campaign_id: int | None,
    template: str,
    title: str,
) -> Response:
    """Render `template` for a campaign the caller may see, or explain why not (in French)."""
    if principal is None:
        return sign_in_first(request)
    context = {"title": title, "campaign_id": campaign_id, "campaign_name": None, "error": None}
    status = 200
    if campaign_id is not None:
        try:
            campaign = load_campaign(conn, principal, campaign_id)
            context["campaign_name"] = campaign.name
            context["title"] = f"{title} · {campaign.name}"
        except QualiparcError as exc:
            context["error"] = exc.message
            status = 404 if exc.code == "introuvable" else 403
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


@router.get("/connexion", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def sign_in(
    request: Request, next: Annotated[str, Query(max_length=NEXT_MAX)] = "/campagnes"
) -> HTMLResponse:
    safe_next = next if next.startswith("/") and not next.startswith("//") else "/campagnes"
    return TEMPLATES.TemplateResponse(
        request, "connexion.html", {"title": "Connexion", "next": safe_next}
    )


@router.get("/campagnes", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def campaigns(request: Request, conn: DbConnection, principal: OptionalPrincipal) -> Response:
    """The latest campaign the caller may see, or an empty dashboard to create one."""
    if principal is None:
        return sign_in_first(request)
    visible = list_campaigns(conn, principal)
    if visible:
        return RedirectResponse(f"/campagnes/{visible[0].id}", status_code=303)
    return _campaign_page(request, conn, principal, None, "campagne.html", "Campagnes")


@router.get("/campagnes/{campaign_id}", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def dashboard(
    campaign_id: CampaignId, request: Request, conn: DbConnection, principal: OptionalPrincipal
) -> Response:
    return _campaign_page(request, conn, principal, campaign_id, "campagne.html", "Campagne")


@router.get(
    "/campagnes/{campaign_id}/notation", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING]
)
def grading(
    campaign_id: CampaignId, request: Request, conn: DbConnection, principal: OptionalPrincipal
) -> Response:
    return _campaign_page(request, conn, principal, campaign_id, "notation.html", "Notation")


@router.get(
    "/campagnes/{campaign_id}/import", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING]
)
def upload(
    campaign_id: CampaignId, request: Request, conn: DbConnection, principal: OptionalPrincipal
) -> Response:
    return _campaign_page(
        request, conn, principal, campaign_id, "import_notes.html", "Import de notes"
    )
