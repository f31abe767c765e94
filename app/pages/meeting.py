"""The meeting pages: the live screen projected on the wall, and the day's agenda."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from app.access.policy import ANYONE_GRADES, ANYONE_NOTHING
from app.api.deps import DbConnection
from app.api.inputs import CampaignId
from app.api.routes.meeting import agenda_settings
from app.auth.deps import OptionalPrincipal
from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.core.errors import NotFound, QualiparcError
from app.meeting.access import may_record, meeting_campaign
from app.meeting.agenda import AgendaSettings, build_agenda
from app.meeting.divergences import divergent_residences
from app.pages import TEMPLATES, sign_in_first

router = APIRouter(include_in_schema=False)


def _refusal(request: Request, template: str, exc: QualiparcError) -> Response:
    """The page, in French, saying why the meeting may not be shown."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"title": "Réunion d'harmonisation", "refusal": exc.message},
        status_code=404 if isinstance(exc, NotFound) else 403,
    )


def _open(
    request: Request,
    conn: Connection,
    principal: Principal | None,
    campaign_id: int,
    template: str,
) -> Campaign | Response:
    """The meeting's campaign, or the page to show instead (sign-in, refusal)."""
    if principal is None:
        return sign_in_first(request)
    try:
        return meeting_campaign(conn, principal, campaign_id)
    except QualiparcError as exc:
        return _refusal(request, template, exc)


@router.get("/reunion/{campaign_id}", response_class=HTMLResponse, dependencies=[ANYONE_NOTHING])
def meeting_screen(
    campaign_id: CampaignId, request: Request, conn: DbConnection, principal: OptionalPrincipal
) -> Response:
    campaign = _open(request, conn, principal, campaign_id, "reunion.html")
    if isinstance(campaign, Response):
        return campaign
    return TEMPLATES.TemplateResponse(
        request,
        "reunion.html",
        {
            "title": f"Harmonisation · {campaign.name}",
            "campaign": campaign,
            "can_record": may_record(principal, campaign),
        },
    )


@router.get(
    "/reunion/{campaign_id}/ordre-du-jour",
    response_class=HTMLResponse,
    dependencies=[ANYONE_GRADES],
)
def agenda_page(
    campaign_id: CampaignId,
    request: Request,
    conn: DbConnection,
    principal: OptionalPrincipal,
    settings: Annotated[AgendaSettings, Depends(agenda_settings)],
) -> Response:
    campaign = _open(request, conn, principal, campaign_id, "ordre_du_jour.html")
    if isinstance(campaign, Response):
        return campaign
    agenda = build_agenda(divergent_residences(conn, principal, campaign), settings)
    query = urlencode(
        {
            "minutes_per_residence": settings.minutes_per_residence,
            "minutes_per_session": settings.minutes_per_session,
            "start": settings.start.strftime("%H:%M"),
        }
    )
    return TEMPLATES.TemplateResponse(
        request,
        "ordre_du_jour.html",
        {
            "title": f"Ordre du jour · {campaign.name}",
            "campaign": campaign,
            "agenda": agenda,
            "settings": settings,
            "query": query,
            "demo": any(r.is_demo for s in agenda.sessions for r in s.residences),
            "legend": {entry["grade"]: entry for entry in campaign.scale.legend()},
        },
    )
