"""The meeting pages: the live screen projected on the wall, the day's timetable, its summary."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from app.access.gate import administers
from app.access.policy import ANYONE_GRADES, ANYONE_NOTHING
from app.api.deps import DbConnection
from app.api.inputs import CampaignId
from app.auth.deps import OptionalPrincipal
from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.core.errors import NotFound, QualiparcError
from app.meeting.access import may_record, meeting_campaign
from app.meeting.day import agenda as day_agenda
from app.meeting.day import load_day
from app.meeting.summary import day_summary
from app.meeting.timetable import breaks_text
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
            "rooms": load_day(conn, campaign.id).settings.rooms,
        },
    )


@router.get(
    "/reunion/{campaign_id}/ordre-du-jour",
    response_class=HTMLResponse,
    dependencies=[ANYONE_GRADES],
)
def agenda_page(
    campaign_id: CampaignId, request: Request, conn: DbConnection, principal: OptionalPrincipal
) -> Response:
    campaign = _open(request, conn, principal, campaign_id, "ordre_du_jour.html")
    if isinstance(campaign, Response):
        return campaign
    day = load_day(conn, campaign.id)
    agenda = day_agenda(conn, principal, campaign, day)
    return TEMPLATES.TemplateResponse(
        request,
        "ordre_du_jour.html",
        {
            "title": f"Ordre du jour · {campaign.name}",
            "campaign": campaign,
            "agenda": agenda,
            "day": day,
            "settings": day.settings,
            "may_plan": administers(principal, campaign.epci_siren)
            and campaign.status != "closed"
            and not day.signed,
            "breaks": breaks_text(day.settings),
            "demo": agenda.is_demo,
            "legend": {entry["grade"]: entry for entry in campaign.scale.legend()},
        },
    )


@router.get(
    "/reunion/{campaign_id}/bilan", response_class=HTMLResponse, dependencies=[ANYONE_GRADES]
)
def summary_page(
    campaign_id: CampaignId, request: Request, conn: DbConnection, principal: OptionalPrincipal
) -> Response:
    campaign = _open(request, conn, principal, campaign_id, "bilan.html")
    if isinstance(campaign, Response):
        return campaign
    summary = day_summary(conn, principal, campaign)
    return TEMPLATES.TemplateResponse(
        request,
        "bilan.html",
        {
            "title": f"Bilan de la journée · {campaign.name}",
            "campaign": campaign,
            "summary": summary,
            "day": summary.day,
            "may_sign": administers(principal, campaign.epci_siren)
            and campaign.status == "harmonisation"
            and not summary.final,
            "legend": {entry["grade"]: entry for entry in campaign.scale.legend()},
        },
    )
