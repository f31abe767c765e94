"""The harmonisation meeting: the queue of divergent residences and the day's agenda."""

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.engine import Connection

from app.access.policy import SIGNED_IN_GRADES
from app.api.deps import DbConnection
from app.api.inputs import CLOCK, CampaignId, parse_clock
from app.api.responses import files
from app.auth.deps import CurrentPrincipal
from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.meeting.access import may_record, meeting_campaign
from app.meeting.agenda import Agenda, meeting_order
from app.meeting.agenda_pdf import agenda_pdf
from app.meeting.agenda_xlsx import agenda_xlsx
from app.meeting.day import agenda as day_agenda
from app.meeting.day import load_day
from app.meeting.divergences import divergent_residences
from app.meeting.feed import latest_event_id
from app.meeting.timetable import DaySettings

router = APIRouter(prefix="/api/campaigns/{campaign_id}", tags=["réunion"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class SettingsPreview:
    """Settings of the day given in the query, to preview the agenda without saving them."""

    minutes_per_residence: int | None
    minutes_per_session: int | None
    start: time | None

    def applied(self, settings: DaySettings) -> DaySettings:
        given = {k: v for k, v in self.__dict__.items() if v is not None}
        return replace(settings, **given)


def agenda_preview(
    minutes_per_residence: Annotated[
        int | None,
        Query(ge=1, le=60, description="Minutes par résidence à harmoniser (défaut : le plan)"),
    ] = None,
    minutes_per_session: Annotated[
        int | None,
        Query(ge=0, le=60, description="Minutes d'accueil et de changement (défaut : le plan)"),
    ] = None,
    start: Annotated[
        str | None, Query(pattern=CLOCK, description="Heure de début, « 09:00 » (défaut : le plan)")
    ] = None,
) -> SettingsPreview:
    return SettingsPreview(minutes_per_residence, minutes_per_session, parse_clock(start))


Preview = Annotated[SettingsPreview, Depends(agenda_preview)]


def campaign_json(campaign: Campaign, principal: Principal) -> dict:
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
    conn: Connection, principal: Principal, campaign_id: CampaignId, preview: SettingsPreview
) -> tuple[Campaign, Agenda]:
    campaign = meeting_campaign(conn, principal, campaign_id)
    day = load_day(conn, campaign.id)
    return campaign, day_agenda(conn, principal, campaign, day, preview.applied(day.settings))


def disposition(campaign: Campaign, prefix: str, extension: str) -> dict[str, str]:
    """The headers of a file named `prefix-<campaign name in ASCII>.extension`: a PDF opens in
    the browser, a spreadsheet is downloaded."""
    ascii_name = unicodedata.normalize("NFKD", campaign.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or str(campaign.id)
    how = "inline" if extension == "pdf" else "attachment"
    return {"Content-Disposition": f'{how}; filename="{prefix}-{slug}.{extension}"'}


@router.get(
    "/divergences",
    summary="File des résidences divergentes, dans l'ordre de la réunion",
    description="`last_event_id` : le flux d'événements reprend après lui (paramètre `after`).",
    dependencies=[SIGNED_IN_GRADES],
)
def divergences(campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    campaign = meeting_campaign(conn, principal, campaign_id)
    last_event_id = latest_event_id(conn)
    residences = meeting_order(divergent_residences(conn, principal, campaign))
    return {
        "campaign": campaign_json(campaign, principal),
        "legend": campaign.scale.legend(),
        "total": len(residences),
        "harmonised": sum(r.harmonised for r in residences),
        "residences": [r.to_json() for r in residences],
        "last_event_id": last_event_id,
    }


@router.get(
    "/agenda",
    summary="Ordre du jour : séances commune × bailleur, leur salle, leur heure et leur durée",
    description="Réglages de la journée enregistrés ; ceux de la requête en donnent un aperçu.",
    dependencies=[SIGNED_IN_GRADES],
)
def agenda(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal, preview: Preview
) -> dict:
    campaign, day = _agenda(conn, principal, campaign_id, preview)
    return {"campaign": campaign_json(campaign, principal), **day.to_json()}


@router.get(
    "/agenda.pdf",
    summary="Ordre du jour (PDF A4)",
    response_class=Response,
    responses=files("application/pdf"),
    dependencies=[SIGNED_IN_GRADES],
)
def agenda_as_pdf(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal, preview: Preview
) -> Response:
    campaign, day = _agenda(conn, principal, campaign_id, preview)
    return Response(
        agenda_pdf(day, campaign),
        media_type="application/pdf",
        headers=disposition(campaign, "ordre-du-jour", "pdf"),
    )


@router.get(
    "/agenda.xlsx",
    summary="Ordre du jour (tableur XLSX)",
    response_class=Response,
    responses=files(XLSX),
    dependencies=[SIGNED_IN_GRADES],
)
def agenda_as_xlsx(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal, preview: Preview
) -> Response:
    campaign, day = _agenda(conn, principal, campaign_id, preview)
    return Response(
        agenda_xlsx(day, campaign),
        media_type=XLSX,
        headers=disposition(campaign, "ordre-du-jour", "xlsx"),
    )
