"""The harmonisation day: its timetable and plan, the facilitator's focus, its signed summary."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import Field
from sqlalchemy.engine import Connection

from app.access.policy import ADMIN_GRADES, SIGNED_IN_GRADES
from app.api.deps import DbConnection
from app.api.inputs import (
    CODE_MAX,
    INSEE,
    CampaignId,
    Clock,
    Day,
    ShortText,
    StrictBody,
    Version,
)
from app.api.responses import files
from app.api.routes.meeting import XLSX, campaign_json, disposition
from app.auth.deps import CurrentPrincipal
from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.meeting.access import meeting_campaign
from app.meeting.day import DayChanges, SlotPlacement, agenda, load_day, update_day
from app.meeting.focus import View, read_focus, set_focus
from app.meeting.summary import day_summary, sign_off
from app.meeting.summary_pdf import summary_pdf
from app.meeting.summary_xlsx import summary_xlsx
from app.meeting.timetable import MAX_BREAK_MINUTES, MAX_BREAKS, MAX_ROOMS, Break, clock

router = APIRouter(prefix="/api/campaigns/{campaign_id}/day", tags=["réunion"])

Room = Annotated[int, Field(ge=1, le=MAX_ROOMS, description="Numéro de la salle")]


class BreakBody(StrictBody):
    start: Clock
    minutes: Annotated[int, Field(ge=5, le=MAX_BREAK_MINUTES)]


class SlotBody(StrictBody):
    commune: Annotated[str, Field(pattern=INSEE, description="Code INSEE de la commune")]
    bailleur: ShortText
    room: Room
    fixed_start: Clock | None = None
    """An imposed start; none: right after the previous slot of its room."""


class DayBody(StrictBody):
    expected_version: Version
    day_date: Day | None = None
    start: Clock | None = None
    minutes_per_residence: Annotated[int, Field(ge=1, le=60)] | None = None
    minutes_per_session: Annotated[int, Field(ge=0, le=60)] | None = None
    rooms: Room | None = None
    breaks: Annotated[list[BreakBody], Field(max_length=MAX_BREAKS)] | None = None
    slots: Annotated[list[SlotBody], Field(max_length=5000)] | None = None
    """The placed slots, room by room in their order; those left out are placed automatically."""


class ViewBody(StrictBody):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    zoom: Annotated[float, Field(ge=0, le=22)]


class FocusBody(StrictBody):
    room: Room = 1
    residence_code: Annotated[str, Field(min_length=1, max_length=CODE_MAX)] | None = None
    view: ViewBody | None = None


class SignOffBody(StrictBody):
    expected_version: Version
    follow_up_date: Day | None = None


def _day_json(conn: Connection, principal: Principal, campaign: Campaign) -> dict:
    """The day as `principal` reads it, with the server's clock (screens time slots by it)."""
    day = load_day(conn, campaign.id)
    plan = agenda(conn, principal, campaign, day)
    now = conn.exec_driver_sql("SELECT now()").scalar_one()
    return {
        "campaign": campaign_json(campaign, principal),
        **day.to_json(),
        "end": clock(plan.end),
        "slots": [session.to_json() for session in plan.sessions],
        "server_now": now.isoformat(),
    }


@router.get(
    "",
    summary="La journée d'harmonisation : réglages, salles, séances minutées, signature",
    dependencies=[SIGNED_IN_GRADES],
)
def day(campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    campaign = meeting_campaign(conn, principal, campaign_id)
    return _day_json(conn, principal, campaign)


@router.patch(
    "",
    summary="Régler et planifier la journée (409 si expected_version est dépassée)",
    description=(
        "Champs absents : inchangés. `slots` : les séances placées, salle par salle dans leur "
        "ordre, avec une heure imposée facultative ; les autres se placent d'elles-mêmes dans la "
        "salle qui finit le plus tôt."
    ),
    dependencies=[ADMIN_GRADES],
)
def plan_day(
    campaign_id: CampaignId, body: DayBody, conn: DbConnection, principal: CurrentPrincipal
) -> dict:
    campaign = meeting_campaign(conn, principal, campaign_id)
    slots = None
    if body.slots is not None:
        slots = tuple(
            SlotPlacement(s.commune, s.bailleur.strip(), s.room, s.fixed_start) for s in body.slots
        )
    breaks = None
    if body.breaks is not None:
        breaks = tuple(Break(b.start, b.minutes) for b in body.breaks)
    update_day(
        conn,
        principal,
        campaign,
        DayChanges(
            expected_version=body.expected_version,
            day_date=body.day_date,
            start=body.start,
            minutes_per_residence=body.minutes_per_residence,
            minutes_per_session=body.minutes_per_session,
            rooms=body.rooms,
            breaks=breaks,
            slots=slots,
            fields=frozenset(body.model_fields_set),
        ),
    )
    conn.commit()
    return _day_json(conn, principal, campaign)


@router.get(
    "/focus",
    summary="Où en est l'animateur dans une salle : résidence, séance, vue de la carte",
    description="Une résidence hors du périmètre du compte n'est pas nommée (`hidden`).",
    dependencies=[SIGNED_IN_GRADES],
)
def focus(
    campaign_id: CampaignId,
    conn: DbConnection,
    principal: CurrentPrincipal,
    room: Annotated[int, Query(ge=1, le=MAX_ROOMS, description="Numéro de la salle")] = 1,
) -> dict:
    campaign = meeting_campaign(conn, principal, campaign_id)
    return read_focus(conn, principal, campaign, room)


@router.put(
    "/focus",
    summary="L'animateur passe à une résidence ou déplace la carte : les écrans qui le suivent "
    "le suivent",
    dependencies=[ADMIN_GRADES],
)
def move_focus(
    campaign_id: CampaignId, body: FocusBody, conn: DbConnection, principal: CurrentPrincipal
) -> dict:
    campaign = meeting_campaign(conn, principal, campaign_id)
    view = View(body.view.lat, body.view.lon, body.view.zoom) if body.view else None
    moved = set_focus(conn, principal, campaign, body.room, body.residence_code, view)
    conn.commit()
    return moved


@router.post(
    "/sign-off",
    summary="Signer le bilan de la journée : il devient définitif, le reste est reporté",
    dependencies=[ADMIN_GRADES],
)
def sign_off_day(
    campaign_id: CampaignId, body: SignOffBody, conn: DbConnection, principal: CurrentPrincipal
) -> dict:
    campaign = meeting_campaign(conn, principal, campaign_id)
    summary = sign_off(
        conn,
        principal,
        campaign,
        follow_up_date=body.follow_up_date,
        expected_version=body.expected_version,
    )
    conn.commit()
    return {
        **summary.day.to_json(),
        "decided": summary.decided,
        "carried_over": len(summary.carried_over),
    }


@router.get(
    "/summary.pdf",
    summary="Bilan de la journée (PDF A4) : décisions par séance, motifs, reports",
    response_class=Response,
    responses=files("application/pdf"),
    dependencies=[SIGNED_IN_GRADES],
)
def summary_as_pdf(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal
) -> Response:
    campaign = meeting_campaign(conn, principal, campaign_id)
    return Response(
        summary_pdf(day_summary(conn, principal, campaign)),
        media_type="application/pdf",
        headers=disposition(campaign, "bilan", "pdf"),
    )


@router.get(
    "/summary.xlsx",
    summary="Bilan de la journée (tableur XLSX)",
    response_class=Response,
    responses=files(XLSX),
    dependencies=[SIGNED_IN_GRADES],
)
def summary_as_xlsx(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal
) -> Response:
    campaign = meeting_campaign(conn, principal, campaign_id)
    return Response(
        summary_xlsx(day_summary(conn, principal, campaign)),
        media_type=XLSX,
        headers=disposition(campaign, "bilan", "xlsx"),
    )
