"""Who may follow the harmonisation meeting, and who records its decisions.

Every account of the campaign's EPCI follows it once grades are shared (harmonisation, closed), on
its own screen or at a distance, reading only what the gate lets it read: the administrator the
whole EPCI, an elected official or a reader its territory, a commune or a landlord its own
residences (the pairs it sits in). Only the EPCI administrator records decisions.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from app.access.gate import administers
from app.auth.principal import Principal
from app.campaigns.service import Campaign, load_campaign
from app.core.errors import Forbidden


def meeting_campaign(conn: Connection, principal: Principal, campaign_id: int) -> Campaign:
    """The campaign whose meeting `principal` may follow (NotFound / Forbidden otherwise)."""
    campaign = load_campaign(conn, principal, campaign_id)
    if principal.is_admin and not administers(principal, campaign.epci_siren):
        raise Forbidden("La réunion d'harmonisation est réservée aux comptes de l'EPCI.")
    if not campaign.access(principal).joint:
        raise Forbidden(
            f"La campagne « {campaign.name} » est encore en notation : les notes des deux "
            "côtés restent confidentielles jusqu'à la phase d'harmonisation."
        )
    return campaign


def may_record(principal: Principal, campaign: Campaign) -> bool:
    """Only the EPCI administrator records agreed grades, and only during harmonisation."""
    return administers(principal, campaign.epci_siren) and campaign.status == "harmonisation"
