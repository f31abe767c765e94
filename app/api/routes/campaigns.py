"""Campaigns: create, list, move through their phases, figures and comparison with the last one."""

from fastapi import APIRouter, Response
from pydantic import BaseModel

from app.access.policy import ADMIN_NOTHING, SIGNED_IN_GRADES, SIGNED_IN_NOTHING
from app.api.deps import DbConnection
from app.api.responses import GeoJSONResponse
from app.auth.deps import CurrentPrincipal
from app.campaigns.comparison import comparison_geojson
from app.campaigns.service import (
    CampaignChanges,
    create_campaign,
    list_campaigns,
    load_campaign,
    update_campaign,
)
from app.campaigns.stats import campaign_stats

router = APIRouter(prefix="/api/campaigns", tags=["campagnes"])


class NewCampaign(BaseModel):
    epci: str
    name: str
    year: int


class CampaignPatch(BaseModel):
    status: str | None = None
    scale_labels: dict[str, str] | None = None
    divergence_threshold: int | None = None
    published_level: str | None = None


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
def campaign(campaign_id: int, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    return load_campaign(conn, principal, campaign_id).to_json(principal)


@router.patch(
    "/{campaign_id}",
    summary="Changer la phase, l'échelle, le seuil de divergence ou le niveau publié",
    dependencies=[ADMIN_NOTHING],
)
def patch_campaign(
    campaign_id: int, body: CampaignPatch, conn: DbConnection, principal: CurrentPrincipal
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
def stats(campaign_id: int, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    return campaign_stats(conn, principal, load_campaign(conn, principal, campaign_id))


@router.get(
    "/{campaign_id}/comparison",
    summary="Évolution par rapport à la campagne précédente (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[SIGNED_IN_GRADES],
)
def comparison(campaign_id: int, conn: DbConnection, principal: CurrentPrincipal) -> Response:
    current = load_campaign(conn, principal, campaign_id)
    previous_id = current.previous_id
    previous = load_campaign(conn, principal, previous_id) if previous_id else None
    body = comparison_geojson(conn, principal, current, previous)
    return GeoJSONResponse(body)
