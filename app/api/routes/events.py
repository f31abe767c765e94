"""The live stream of a campaign (Server-Sent Events) that every meeting screen listens to."""

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from app.access.policy import SIGNED_IN_GRADES
from app.api.inputs import INT8_MAX, CampaignId
from app.auth.deps import CurrentPrincipal, DbConnection
from app.core.errors import InvalidParameter
from app.meeting.access import meeting_campaign
from app.meeting.stream import campaign_stream

router = APIRouter(tags=["réunion"])


def parse_last_event_id(raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    if not (raw.strip().isascii() and raw.strip().isdigit()) or int(raw) > INT8_MAX:
        raise InvalidParameter(
            f"En-tête Last-Event-ID « {raw[:40]} » invalide : attendu un entier positif."
        )
    return int(raw)


@router.get(
    "/api/campaigns/{campaign_id}/events",
    summary="Flux en direct de la campagne (Server-Sent Events, reprise par Last-Event-ID)",
    description=(
        "Chaque message porte en `id` l'identifiant de l'historique des notes. Un écran passe "
        "`after` = le `last_event_id` des données qu'il vient de charger ; EventSource reprend "
        "ensuite de lui-même avec l'en-tête Last-Event-ID. Commentaire de maintien toutes les "
        "5 s ; le flux se ferme quand la session ou le jeton prend fin."
    ),
    response_class=StreamingResponse,
    dependencies=[SIGNED_IN_GRADES],
)
def campaign_events(
    campaign_id: CampaignId,
    principal: CurrentPrincipal,
    conn: DbConnection,
    last_event_id: Annotated[
        str | None, Header(description="Dernier identifiant reçu : le flux reprend après lui")
    ] = None,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=INT8_MAX,
            description="Reprendre après cet identifiant (l'en-tête Last-Event-ID prime)",
        ),
    ] = None,
) -> StreamingResponse:
    """A screen gives `after` = the `last_event_id` of the data it loaded, so that nothing
    decided between its loading and its connection is lost; EventSource then resumes with
    Last-Event-ID by itself."""
    resume = parse_last_event_id(last_event_id)
    if resume is None:
        resume = after
    campaign = meeting_campaign(conn, principal, campaign_id)
    return StreamingResponse(
        campaign_stream(principal, campaign, resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
