"""A campaign's changes as the live screens read them: the grade history after an event id.

The append-only `grade_event` table is the feed: its ids are the stream's event ids, so a screen
that reconnects asks for what follows the last id it saw. Each change carries the residence's
grades as they stand now, so that applying changes again or out of order does no harm.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.campaigns.service import Campaign

PAGE_SIZE = 500

CHANGES_SQL = """
    SELECT e.id, e.kind, e.before, e.after, e.at, e.note,
           COALESCE(a.display_name, a.email, e.actor_label) AS actor, r.code AS residence_code,
           cr.commune_grade, cr.bailleur_grade, cr.harmonised_grade,
           COALESCE(cr.harmonisation_version, 0) AS harmonisation_version, cr.agreed_grade,
           cr.divergent
    FROM grade_event e
    JOIN residence r ON r.id = e.residence_id
    JOIN bailleur b ON b.id = r.bailleur_id
    JOIN campaign ca ON ca.id = e.campaign_id
    JOIN campaign_residence cr ON cr.campaign_id = e.campaign_id AND cr.residence_id = r.id
    LEFT JOIN account a ON a.id = e.actor_id
    WHERE e.campaign_id = :campaign AND e.outcome = 'applied' AND e.id > :after
      AND e.id <= :until AND e.id <> ALL(:seen) AND {clause}
    ORDER BY e.id
    LIMIT :limit
"""
NO_LIMIT = 2**62


def latest_event_id(conn: Connection) -> int:
    """The newest history id of any campaign (where a new screen starts)."""
    return conn.execute(text("SELECT COALESCE(max(id), 0) FROM grade_event")).scalar_one()


def changes(
    conn: Connection,
    principal: Principal,
    campaign: Campaign,
    *,
    after: int,
    until: int = NO_LIMIT,
    seen: Collection[int] = (),
    limit: int | None = PAGE_SIZE,
) -> list[dict]:
    """Applied changes with `after` < id ≤ `until`, except `seen`, on residences `principal`
    may see; oldest first (`limit` None: all of them)."""
    gate = Gate(principal)
    commune, bailleur, agreed = gate.side("commune"), gate.side("bailleur"), gate.agreed()
    clause = (
        f"CASE e.kind WHEN 'commune' THEN {commune.sql} WHEN 'bailleur' THEN {bailleur.sql}"
        f" ELSE {agreed.sql} END AND {agreed.sql}"
    )
    rows = conn.execute(
        text(CHANGES_SQL.format(clause=clause)),
        {
            **commune.bind(bailleur.bind(agreed.params)),
            "campaign": campaign.id,
            "after": after,
            "until": until,
            "seen": list(seen),
            "limit": limit,
        },
    ).mappings()
    return [_change(campaign.id, row) for row in rows]


def _change(campaign_id: int, row) -> dict:
    harmonisation = row["kind"] == "harmonisation"
    return {
        "type": "harmonisation" if harmonisation else "grade",
        "id": row["id"],
        "campaign_id": campaign_id,
        "residence_code": row["residence_code"],
        "side": None if harmonisation else row["kind"],
        "before": row["before"],
        "after": row["after"],
        "rationale": row["note"] if harmonisation else None,
        "actor": row["actor"],
        "at": row["at"].isoformat(),
        "grades": {
            "commune": row["commune_grade"],
            "bailleur": row["bailleur_grade"],
            "harmonised": row["harmonised_grade"],
            "version": row["harmonisation_version"],
            "agreed": row["agreed_grade"],
            "divergent": row["divergent"],
        },
    }
