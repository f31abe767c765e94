"""The append-only history of a residence's grades, as far as the caller may read it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.campaigns.grading import find_residence
from app.campaigns.service import BLIND_STATUSES
from app.errors import Forbidden

HISTORY = text(
    """
    SELECT e.id, e.campaign_id, ca.name AS campaign, ca.year, e.kind, e.before, e.after,
           e.outcome, e.note, COALESCE(a.display_name, a.email, e.actor_label) AS actor, e.at
    FROM grade_event e
    JOIN campaign ca ON ca.id = e.campaign_id
    LEFT JOIN account a ON a.id = e.actor_id
    WHERE e.residence_id = :residence
      AND (CAST(:campaign AS int) IS NULL OR e.campaign_id = :campaign)
      AND (:sees_all OR ca.status <> ALL(:blind) OR e.kind = :own_side)
    ORDER BY e.at, e.id
    """
)


def residence_history(
    conn: Connection, principal: Principal, code: str, campaign_id: int | None = None
) -> dict:
    """Every recorded attempt (who, when, before, after, outcome); while a campaign is being
    graded, a side reads only its own side's events."""
    residence = find_residence(conn, code)
    if not principal.may_see_residence(conn, code):
        raise Forbidden(f"La résidence « {code} » est hors de votre périmètre.")
    rows = conn.execute(
        HISTORY,
        {
            "residence": residence.id,
            "campaign": campaign_id,
            "sees_all": principal.administers(residence.epci_siren or ""),
            "blind": list(BLIND_STATUSES),
            "own_side": principal.grading_side,
        },
    ).mappings()
    return {
        "residence_code": code,
        "residence_name": residence.name,
        "events": [{**row, "at": row["at"].isoformat()} for row in rows],
    }
