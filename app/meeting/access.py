"""Who may follow the harmonisation meeting, and who records its decisions."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from app.access.gate import administers
from app.auth.principal import Principal
from app.auth.roles import Role
from app.campaigns.service import Campaign, load_campaign
from app.core.errors import Forbidden

VIEWER_ROLES = frozenset({Role.ADMIN, Role.ELU, Role.READER})
"""Communes and landlords take part in the sessions, but the screens show every pair's grades."""


def meeting_campaign(conn: Connection, principal: Principal, campaign_id: int) -> Campaign:
    """The campaign whose meeting `principal` may follow (NotFound / Forbidden otherwise)."""
    campaign = load_campaign(conn, principal, campaign_id)
    if principal.role not in VIEWER_ROLES or (
        principal.is_admin and not administers(principal, campaign.epci_siren)
    ):
        raise Forbidden(
            "La réunion d'harmonisation est réservée à l'administrateur de l'EPCI, "
            "à ses élus et à ses lecteurs."
        )
    if not campaign.access(principal).joint:
        raise Forbidden(
            f"La campagne « {campaign.name} » est encore en notation : les notes des deux "
            "côtés restent confidentielles jusqu'à la phase d'harmonisation."
        )
    return campaign


def may_record(principal: Principal, campaign: Campaign) -> bool:
    """Only the EPCI administrator records agreed grades, and only during harmonisation."""
    return administers(principal, campaign.epci_siren) and campaign.status == "harmonisation"
