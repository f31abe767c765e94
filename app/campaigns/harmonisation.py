"""The agreed grade of a residence, saved by the writer with optimistic versioning: a stale
edit never wins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.campaigns.residences import find_residence, residence_in_scope
from app.campaigns.service import Campaign
from app.campaigns.writer import HARMONISATION, GradeEntry, clean_note, write_one
from app.core.errors import Conflict, InvalidParameter

CURRENT = text(
    """
    SELECT h.value, h.version, h.rationale, h.meeting, h.decided_at,
           COALESCE(a.display_name, a.email) AS decided_by
    FROM harmonisation h LEFT JOIN account a ON a.id = h.decided_by
    WHERE h.campaign_id = :campaign AND h.residence_id = :residence
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
    residence = residence_in_scope(conn, Gate(principal), campaign.epci_siren, campaign.name, code)
    if not campaign.access(principal).joint:
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
    """Record the agreed grade through the writer if `expected_version` is still current.

    The caller commits in both cases (a refused attempt is part of the history), then reports a
    conflict with `conflict_error`.
    """
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise InvalidParameter("expected_version doit être un entier positif ou nul.")
    outcome = write_one(
        conn,
        principal,
        campaign,
        HARMONISATION,
        GradeEntry(code, value, rationale, expected_version),
        meeting=clean_note(meeting),
    )
    residence = find_residence(conn, code)
    current = current_harmonisation(conn, campaign.id, residence.id)
    return HarmonisationOutcome(outcome.applied, current, outcome.after)


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
