"""The append-only history of a residence's grades, as far as the gate lets the caller read it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.campaigns.residences import find_residence
from app.core.errors import Forbidden

HISTORY_SQL = """
    SELECT e.id, e.campaign_id, ca.name AS campaign, ca.year, e.kind, e.before, e.after,
           e.outcome, e.note, COALESCE(a.display_name, a.email, e.actor_label) AS actor, e.at
    FROM grade_event e
    JOIN campaign ca ON ca.id = e.campaign_id
    JOIN residence r ON r.id = e.residence_id
    JOIN bailleur b ON b.id = r.bailleur_id
    LEFT JOIN account a ON a.id = e.actor_id
    WHERE e.residence_id = :residence
      AND (CAST(:campaign AS int) IS NULL OR e.campaign_id = :campaign)
      AND CASE e.kind WHEN 'commune' THEN {commune} WHEN 'bailleur' THEN {bailleur}
                      ELSE {agreed} END
    ORDER BY e.at, e.id
"""


def residence_history(
    conn: Connection, principal: Principal, code: str, campaign_id: int | None = None
) -> dict:
    """Every recorded attempt (who, when, before, after, outcome) of the kinds the caller reads:
    while a campaign is being graded, a side reads only its own side's events."""
    gate = Gate(principal)
    residence = find_residence(conn, code)
    if not gate.may_see_residence(conn, code):
        raise Forbidden(f"La résidence « {code} » est hors de votre périmètre.")
    commune, bailleur, agreed = gate.side("commune"), gate.side("bailleur"), gate.agreed()
    sql = HISTORY_SQL.format(commune=commune.sql, bailleur=bailleur.sql, agreed=agreed.sql)
    params = commune.bind(bailleur.bind(agreed.params))
    rows = conn.execute(
        text(sql), {**params, "residence": residence.id, "campaign": campaign_id}
    ).mappings()
    return {
        "residence_code": code,
        "residence_name": residence.name,
        "events": [{**row, "at": row["at"].isoformat()} for row in rows],
    }
