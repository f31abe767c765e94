"""The harmonisation meeting: the queue of divergent residences and the day's agenda."""

import re
import unicodedata
from datetime import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.engine import Connection

from app.access.policy import VIEWERS_GRADES
from app.api.deps import DbConnection
from app.api.inputs import CLOCK, CampaignId
from app.api.responses import files
from app.auth.deps import CurrentPrincipal
from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.meeting.access import may_record, meeting_campaign
from app.meeting.agenda import (
    DAY_START,
    MINUTES_PER_RESIDENCE,
    MINUTES_PER_SESSION,
    Agenda,
    AgendaSettings,
    build_agenda,
    meeting_order,
)
from app.meeting.agenda_pdf import agenda_pdf
from app.meeting.agenda_xlsx import agenda_xlsx
from app.meeting.divergences import divergent_residences
from app.meeting.feed import latest_event_id

router = APIRouter(prefix="/api/campaigns/{campaign_id}", tags=["réunion"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def agenda_settings(
    minutes_per_residence: Annotated[
        int, Query(ge=1, le=60, description="Minutes par résidence à harmoniser")
    ] = MINUTES_PER_RESIDENCE,
    minutes_per_session: Annotated[
        int, Query(ge=0, le=60, description="Minutes d'accueil et de changement par séance")
    ] = MINUTES_PER_SESSION,
    start: Annotated[str, Query(pattern=CLOCK, description="Heure de début, « 09:00 »")] = (
        DAY_START.strftime("%H:%M")
    ),
) -> AgendaSettings:
    hours, minutes = re.split("[:hH]", start)
    return AgendaSettings(
        minutes_per_residence, minutes_per_session, time(int(hours), int(minutes))
    )


Settings = Annotated[AgendaSettings, Depends(agenda_settings)]


def _campaign_json(campaign: Campaign, principal: Principal) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "year": campaign.year,
        "status": campaign.status,
        "epci": campaign.epci_siren,
        "epci_name": campaign.epci_name,
        "divergence_threshold": campaign.divergence_threshold,
        "can_record": may_record(principal, campaign),
    }


def _agenda(
    conn: Connection, principal: Principal, campaign_id: CampaignId, settings: AgendaSettings
) -> tuple[Campaign, Agenda]:
    campaign = meeting_campaign(conn, principal, campaign_id)
    return campaign, build_agenda(divergent_residences(conn, principal, campaign), settings)


def _filename(campaign: Campaign, extension: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", campaign.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or str(campaign.id)
    return f"ordre-du-jour-{slug}.{extension}"


@router.get(
    "/divergences",
    summary="File des résidences divergentes, dans l'ordre de la réunion",
    description="`last_event_id` : le flux d'événements reprend après lui (paramètre `after`).",
    dependencies=[VIEWERS_GRADES],
)
def divergences(campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    campaign = meeting_campaign(conn, principal, campaign_id)
    last_event_id = latest_event_id(conn)
    residences = meeting_order(divergent_residences(conn, principal, campaign))
    return {
        "campaign": _campaign_json(campaign, principal),
        "legend": campaign.scale.legend(),
        "total": len(residences),
        "harmonised": sum(r.harmonised for r in residences),
        "residences": [r.to_json() for r in residences],
        "last_event_id": last_event_id,
    }


@router.get(
    "/agenda",
    summary="Ordre du jour : séances commune × bailleur et leur durée",
    dependencies=[VIEWERS_GRADES],
)
def agenda(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal, settings: Settings
) -> dict:
    campaign, day = _agenda(conn, principal, campaign_id, settings)
    return {"campaign": _campaign_json(campaign, principal), **day.to_json()}


@router.get(
    "/agenda.pdf",
    summary="Ordre du jour (PDF A4)",
    response_class=Response,
    responses=files("application/pdf"),
    dependencies=[VIEWERS_GRADES],
)
def agenda_as_pdf(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal, settings: Settings
) -> Response:
    campaign, day = _agenda(conn, principal, campaign_id, settings)
    return Response(
        agenda_pdf(day, campaign),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{_filename(campaign, "pdf")}"'},
    )


@router.get(
    "/agenda.xlsx",
    summary="Ordre du jour (tableur XLSX)",
    response_class=Response,
    responses=files(XLSX),
    dependencies=[VIEWERS_GRADES],
)
def agenda_as_xlsx(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal, settings: Settings
) -> Response:
    campaign, day = _agenda(conn, principal, campaign_id, settings)
    return Response(
        agenda_xlsx(day, campaign),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{_filename(campaign, "xlsx")}"'},
    )
