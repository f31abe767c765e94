"""Campaigns: create, list, move through their phases, figures and comparison with the last one."""

from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import Field

from app.access.policy import ADMIN_NOTHING, SIGNED_IN_GRADES, SIGNED_IN_NOTHING
from app.api.deps import DbConnection
from app.api.inputs import CampaignId, Label, Name, Siren, StrictBody, Year
from app.api.responses import GeoJSONResponse
from app.auth.deps import CurrentPrincipal
from app.campaigns.comparison import comparison_geojson
from app.campaigns.service import (
    PUBLISHED_LEVELS,
    STATUSES,
    CampaignChanges,
    create_campaign,
    list_campaigns,
    load_campaign,
    update_campaign,
)
from app.campaigns.stats import campaign_stats
from geo.grades import GRADES

router = APIRouter(prefix="/api/campaigns", tags=["campagnes"])


GradeKey = Literal[tuple(str(grade) for grade in GRADES)]  # type: ignore[misc]


class NewCampaign(StrictBody):
    epci: Siren
    name: Name
    year: Year


class CampaignPatch(StrictBody):
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    scale_labels: dict[GradeKey, Label] | None = Field(  # type: ignore[valid-type]
        None, description="Libellé par note ; vide : le libellé par défaut"
    )
    divergence_threshold: Annotated[int, Field(ge=1, le=3)] | None = None
    published_level: Literal[PUBLISHED_LEVELS] | None = None  # type: ignore[valid-type]


@router.get("", summary="Les campagnes visibles par le compte", dependencies=[SIGNED_IN_NOTHING])
def campaigns(conn: DbConnection, principal: CurrentPrincipal) -> list[dict]:
    return [c.to_json(principal) for c in list_campaigns(conn, principal)]


@router.post(
    "",
    status_code=201,
    summary="Créer une campagne (administrateur de l'EPCI)",
    dependencies=[ADMIN_NOTHING],
)
def new_campaign(body: NewCampaign, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    campaign = create_campaign(conn, principal, body.epci, body.name, body.year)
    conn.commit()
    return campaign.to_json(principal)


@router.get("/{campaign_id}", summary="Une campagne", dependencies=[SIGNED_IN_NOTHING])
def campaign(campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    return load_campaign(conn, principal, campaign_id).to_json(principal)


@router.patch(
    "/{campaign_id}",
    summary="Changer la phase, l'échelle, le seuil de divergence ou le niveau publié",
    dependencies=[ADMIN_NOTHING],
)
def patch_campaign(
    campaign_id: CampaignId, body: CampaignPatch, conn: DbConnection, principal: CurrentPrincipal
) -> dict:
    changes = CampaignChanges(**body.model_dump(), fields=frozenset(body.model_fields_set))
    updated = update_campaign(conn, principal, campaign_id, changes)
    conn.commit()
    return updated.to_json(principal)


@router.get(
    "/{campaign_id}/stats",
    summary="Chiffres : couverture, divergences, harmonisation",
    dependencies=[SIGNED_IN_GRADES],
)
def stats(campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    return campaign_stats(conn, principal, load_campaign(conn, principal, campaign_id))


@router.get(
    "/{campaign_id}/comparison",
    summary="Évolution par rapport à la campagne précédente (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[SIGNED_IN_GRADES],
)
def comparison(
    campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal
) -> Response:
    current = load_campaign(conn, principal, campaign_id)
    previous_id = current.previous_id
    previous = load_campaign(conn, principal, previous_id) if previous_id else None
    body = comparison_geojson(conn, principal, current, previous)
    return GeoJSONResponse(body)
