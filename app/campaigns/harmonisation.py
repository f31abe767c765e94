"""The agreed grade of a residence, saved with optimistic versioning: a stale edit never wins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app import events
from app.auth.principal import Principal
from app.campaigns.grading import actor_label, campaign_residence, check_grade, clean_comment
from app.campaigns.service import Campaign, joint_visible
from app.errors import Conflict, Forbidden, InvalidParameter

CURRENT = text(
    """
    SELECT h.value, h.version, h.rationale, h.meeting, h.decided_at,
           COALESCE(a.display_name, a.email) AS decided_by
    FROM harmonisation h LEFT JOIN account a ON a.id = h.decided_by
    WHERE h.campaign_id = :campaign AND h.residence_id = :residence
    """
)

INSERT_FIRST = text(
    """
    INSERT INTO harmonisation (campaign_id, residence_id, value, rationale, meeting, decided_by,
                               version)
    VALUES (:campaign, :residence, :value, :rationale, :meeting, :actor, 1)
    ON CONFLICT (campaign_id, residence_id) DO NOTHING
    RETURNING NULL::smallint AS before
    """
)
"""Version 0 expected: only the first of concurrent inserts goes through."""

UPDATE_IF_CURRENT = text(
    """
    WITH previous AS (
        SELECT value FROM harmonisation
        WHERE campaign_id = :campaign AND residence_id = :residence AND version = :expected
    ), saved AS (
        UPDATE harmonisation
        SET value = :value, rationale = :rationale, meeting = :meeting, decided_by = :actor,
            decided_at = now(), version = version + 1
        WHERE campaign_id = :campaign AND residence_id = :residence AND version = :expected
        RETURNING version
    )
    SELECT (SELECT value FROM previous) AS before FROM saved
    """
)
"""Concurrent updates of one version: the row lock makes the later ones re-check the version,
which has moved on, so they update nothing."""

LOG = text(
    """
    INSERT INTO grade_event (campaign_id, residence_id, kind, before, after, outcome, note,
                             actor_id, actor_label)
    VALUES (:campaign, :residence, 'harmonisation', :before, :after, :outcome, :note, :actor,
            :label)
    """
)

NO_HARMONISATION = {
    "value": None,
    "version": 0,
    "rationale": None,
    "decided_by": None,
    "decided_at": None,
    "meeting": None,
}


@dataclass(frozen=True)
class HarmonisationOutcome:
    applied: bool
    current: dict
    """The harmonisation as it stands after the attempt (the newer one on conflict)."""
    attempted: int


def current_harmonisation(conn: Connection, campaign_id: int, residence_id: int) -> dict:
    """`value`, `version` (0 when none yet), `rationale`, `decided_by`, `decided_at`, `meeting`."""
    row = conn.execute(CURRENT, {"campaign": campaign_id, "residence": residence_id}).mappings()
    found = row.one_or_none()
    if found is None:
        return dict(NO_HARMONISATION)
    return {**found, "decided_at": found["decided_at"].isoformat()}


def read_harmonisation(
    conn: Connection, principal: Principal, campaign: Campaign, code: str
) -> dict:
    residence = campaign_residence(conn, principal, campaign, code)
    if not joint_visible(principal, campaign):
        return {"residence_code": code, **NO_HARMONISATION}
    return {"residence_code": code, **current_harmonisation(conn, campaign.id, residence.id)}


def harmonise(
    conn: Connection,
    principal: Principal,
    campaign: Campaign,
    code: str,
    *,
    value: object,
    rationale: str | None,
    expected_version: int,
    meeting: str | None = None,
) -> HarmonisationOutcome:
    """Record the agreed grade if `expected_version` is still current; log the attempt either way.

    The caller commits in both cases (the conflict is part of the history), then reports a
    conflict with `conflict_error`.
    """
    if not principal.administers(campaign.epci_siren):
        raise Forbidden("Seul un administrateur de l'EPCI peut harmoniser les notes.")
    value = check_grade(value)
    if isinstance(expected_version, bool) or expected_version < 0:
        raise InvalidParameter("expected_version doit être un entier positif ou nul.")
    residence = campaign_residence(conn, principal, campaign, code)
    if campaign.status != "harmonisation":
        raise Forbidden(
            f"La campagne « {campaign.name} » n'est pas en phase d'harmonisation : "
            "les notes retenues se saisissent seulement pendant cette phase."
        )
    params = {
        "campaign": campaign.id,
        "residence": residence.id,
        "value": value,
        "rationale": clean_comment(rationale),
        "meeting": clean_comment(meeting),
        "actor": principal.id,
        "expected": expected_version,
        "label": actor_label(principal),
    }
    statement = INSERT_FIRST if expected_version == 0 else UPDATE_IF_CURRENT
    saved = conn.execute(statement, params).one_or_none()
    current = current_harmonisation(conn, campaign.id, residence.id)
    if saved is None:
        note = (
            f"refusée : version attendue {expected_version}, version actuelle {current['version']}"
        )
        conn.execute(
            LOG,
            {
                **params,
                "before": current["value"],
                "after": value,
                "outcome": "conflict",
                "note": note,
            },
        )
        return HarmonisationOutcome(False, current, value)
    conn.execute(
        LOG,
        {
            **params,
            "before": saved.before,
            "after": value,
            "outcome": "applied",
            "note": params["rationale"],
        },
    )
    events.publish(
        conn,
        campaign.id,
        {
            "type": "harmonisation",
            "residence_code": code,
            "value": value,
            "version": current["version"],
            "rationale": current["rationale"],
            "decided_by": current["decided_by"],
        },
    )
    return HarmonisationOutcome(True, current, value)


def conflict_error(code: str, outcome: HarmonisationOutcome) -> Conflict:
    """The 409 naming the newer value, so that nobody overwrites it unknowingly."""
    current = outcome.current
    if current["version"] == 0:
        newer = "elle n'a pas encore de note harmonisée (version 0)"
    else:
        newer = (
            f"elle a été harmonisée à {current['value']} (version {current['version']}) par "
            f"{current['decided_by'] or 'un autre compte'}"
        )
    return Conflict(
        f"Conflit sur la résidence « {code} » : {newer}. Votre note {outcome.attempted} n'a "
        "pas été enregistrée ; rechargez puis décidez à nouveau si besoin.",
        **current,
    )
