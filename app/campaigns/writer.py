"""The one grade writer: every side grade and every agreed (harmonised) grade is saved here.

The API, the grade-sheet upload and its command, the grade columns of residence files and the
demo all call `write_grades`. It checks each value, the writer's right on each residence and the
campaign's phase (a closed campaign never changes: the database refuses it too), honours an
optional `expected_version` (a stale save is refused, never silently lost), appends every
attempt, applied or refused, to the history, and wakes the campaign's live screens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import administers
from app.auth.principal import Principal
from app.auth.roles import Role
from app.campaigns.residences import ResidenceRef, residences_by_code
from app.campaigns.service import STATUS_LABELS, Campaign
from app.core import events
from app.core.audit import COMMAND_LINE, record
from app.core.errors import Conflict, Forbidden, InvalidParameter, NotFound, QualiparcError
from geo.grades import COMMENT_MAX, GRADES, SIDE_LABELS, SIDES

HARMONISATION = "harmonisation"
KINDS = (*SIDES, HARMONISATION)
"""What a write sets: one side's grade, or the agreed grade decided in harmonisation."""
AUDIT_CODES = 200
"""The audit entry of a write names at most this many residences."""
PHASE_OF_KIND = {"commune": "grading", "bailleur": "grading", HARMONISATION: "harmonisation"}


@dataclass(frozen=True)
class GradeEntry:
    """One grade to write: `note` is the side's comment or the harmonisation's rationale."""

    code: str
    value: object
    note: str | None = None
    expected_version: int | None = None
    """The version the writer saw (0: none yet); None saves whatever the current one is."""
    line: int | None = None
    """The entry's row in an imported file, for the error report."""


@dataclass(frozen=True)
class Refusal:
    entry: GradeEntry
    status: int
    """404 unknown or outside the campaign, 403 not the writer's, 422 invalid value."""
    message: str


class GradesRefused(QualiparcError):
    """Some entries may not be written: nothing was."""

    code = "notes_refusees"

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__(refusals[0].message)
        self.refusals = refusals


@dataclass(frozen=True)
class Outcome:
    code: str
    applied: bool
    """False: the expected version was stale (or the value was unchanged, see `changed`)."""
    changed: bool
    """The value or comment differs from the current one, or the expected version is stale."""
    before: int | None
    after: int
    version: int
    """The version now current (the newer one when the save was refused)."""
    at: datetime | None


@dataclass
class WriteSummary:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return sum(o.applied and o.changed and o.before is None for o in self.outcomes)

    @property
    def updated(self) -> int:
        return sum(o.applied and o.changed and o.before is not None for o in self.outcomes)

    @property
    def unchanged(self) -> int:
        return sum(not o.changed for o in self.outcomes)

    @property
    def conflicts(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.changed and not o.applied]


def write_refusal(principal: Principal | None, residence: ResidenceRef, kind: str) -> str | None:
    """Why `principal` may not write the `kind` grade of `residence` (None: it may). The
    operator (None: command line, demo, file imports) writes within the campaign's EPCI."""
    if principal is None or administers(principal, residence.epci_siren):
        return None
    if principal.role is Role.ADMIN:
        return "Vous n'administrez pas l'EPCI de cette résidence."
    if kind == HARMONISATION:
        return "Seul un administrateur de l'EPCI peut harmoniser les notes."
    if principal.grading_side is None:
        return "Votre rôle permet de consulter, pas de noter."
    if kind != principal.grading_side:
        own = "de la commune" if principal.grading_side == "commune" else "du bailleur"
        other = "du bailleur" if kind == "bailleur" else "de la commune"
        return (
            f"Un compte {SIDE_LABELS[principal.grading_side].lower()} saisit la note {own}, "
            f"pas celle {other}."
        )
    if principal.role is Role.COMMUNE and residence.commune_insee not in principal.scope("commune"):
        return (
            f"La résidence « {residence.code} » est à {residence.commune_name}, "
            "hors de vos communes."
        )
    if principal.role is Role.BAILLEUR and not (
        {residence.bailleur, residence.bailleur_siren} & principal.scope("bailleur")
    ):
        return (
            f"La résidence « {residence.code} » appartient à {residence.bailleur}, "
            "pas à votre organisme."
        )
    return None


def check_value(value: object) -> int:
    """A grade is an integer of the scale, nothing else (not `true`, not "2", not 2.0)."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in GRADES:
        raise InvalidParameter(f"Note « {value} » invalide : attendu 1, 2, 3 ou 4.")
    return value


def clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > COMMENT_MAX:
        raise InvalidParameter(
            f"Commentaire trop long ({len(note)} caractères, {COMMENT_MAX} au plus)."
        )
    return note or None


def check_phase(campaign: Campaign, kind: str) -> None:
    """Side grades are written while grading, agreed grades while harmonising; never once
    closed."""
    if campaign.status == "closed":
        raise Conflict(
            f"La campagne « {campaign.name} » est clôturée : ses notes ne changent plus."
        )
    if campaign.status == PHASE_OF_KIND[kind]:
        return
    if kind == HARMONISATION:
        raise Forbidden(
            f"La campagne « {campaign.name} » n'est pas en phase d'harmonisation : "
            "les notes retenues se saisissent seulement pendant cette phase."
        )
    raise Forbidden(
        f"La campagne « {campaign.name} » n'est pas en phase de notation "
        f"(phase actuelle : {STATUS_LABELS[campaign.status].lower()}) : les notes se saisissent "
        "seulement pendant cette phase."
    )


def _checked(
    conn: Connection,
    principal: Principal | None,
    campaign: Campaign,
    kind: str,
    entries: Sequence[GradeEntry],
) -> list[tuple[GradeEntry, ResidenceRef, int, str | None]]:
    known = residences_by_code(conn, (e.code for e in entries))
    checked, refusals, seen = [], [], set()
    for entry in entries:
        residence = known.get(entry.code)
        try:
            if entry.code in seen:
                raise InvalidParameter(f"Résidence « {entry.code} » en double dans la saisie.")
            seen.add(entry.code)
            if residence is None:
                refusals.append(Refusal(entry, 404, f"Résidence « {entry.code} » introuvable."))
                continue
            if residence.epci_siren != campaign.epci_siren:
                message = (
                    f"La résidence « {entry.code} » n'est pas dans le territoire de la campagne "
                    f"« {campaign.name} »."
                )
                refusals.append(Refusal(entry, 404, message))
                continue
            refusal = write_refusal(principal, residence, kind)
            if refusal:
                refusals.append(Refusal(entry, 403, refusal))
                continue
            value = check_value(entry.value)
            note = clean_note(entry.note)
            expected = entry.expected_version
            if expected is not None and (isinstance(expected, bool) or expected < 0):
                raise InvalidParameter("expected_version doit être un entier positif ou nul.")
        except InvalidParameter as exc:
            refusals.append(Refusal(entry, 422, exc.message))
            continue
        checked.append((entry, residence, value, note))
    if refusals:
        raise GradesRefused(refusals)
    return checked


_TABLES = {
    "side": {
        "table": "grade",
        "key": "AND g.side = :side",
        "columns": "campaign_id, residence_id, side, value, comment, updated_by, version",
        "values": ":campaign, residence_id, :side, value, note, :actor, 1",
        "note": "comment",
        "set": "value = {s}.value, comment = {s}.{n}, updated_by = :actor, updated_at = now()",
        "at": "updated_at",
        "changed": "((p.before, p.before_note) IS DISTINCT FROM (p.value, p.note)"
        " OR COALESCE(p.expected <> COALESCE(p.current_version, 0), false))",
    },
    HARMONISATION: {
        "table": "harmonisation",
        "key": "",
        "columns": "campaign_id, residence_id, value, rationale, meeting, decided_by, version",
        "values": ":campaign, residence_id, value, note, :meeting, :actor, 1",
        "note": "rationale",
        "set": "value = {s}.value, rationale = {s}.{n}, meeting = :meeting, decided_by = :actor,"
        " decided_at = now()",
        "at": "decided_at",
        "changed": "true",
    },
}

WRITE_SQL = """
WITH incoming AS (
    SELECT * FROM unnest(CAST(:residences AS int[]), CAST(:values AS smallint[]),
                         CAST(:notes AS text[]), CAST(:expected AS int[]))
        AS t(residence_id, value, note, expected)
), previous AS (
    SELECT i.*, g.value AS before, g.{note} AS before_note, g.version AS current_version
    FROM incoming i
    LEFT JOIN {table} g ON g.campaign_id = :campaign AND g.residence_id = i.residence_id {key}
), wanted AS (
    SELECT p.* FROM previous p
    WHERE {changed} AND (p.expected IS NULL OR p.expected = COALESCE(p.current_version, 0))
), inserted AS (
    INSERT INTO {table} ({columns}) SELECT {values} FROM wanted
    WHERE current_version IS NULL AND expected IS NULL
    ON CONFLICT ON CONSTRAINT {table}_pkey DO UPDATE
    SET {set_excluded}, version = {table}.version + 1
    RETURNING residence_id, version, {at} AS at
), inserted_first AS (
    INSERT INTO {table} ({columns}) SELECT {values} FROM wanted
    WHERE current_version IS NULL AND expected = 0
    ON CONFLICT ON CONSTRAINT {table}_pkey DO NOTHING
    RETURNING residence_id, version, {at} AS at
), updated AS (
    UPDATE {table} g SET {set_wanted}, version = g.version + 1
    FROM wanted w
    WHERE w.current_version IS NOT NULL AND g.campaign_id = :campaign
      AND g.residence_id = w.residence_id {key}
      AND (w.expected IS NULL OR g.version = w.expected)
    RETURNING g.residence_id, g.version, g.{at} AS at
), saved AS (
    SELECT * FROM inserted UNION ALL SELECT * FROM inserted_first UNION ALL SELECT * FROM updated
), outcome AS (
    SELECT p.residence_id, p.before, p.value, p.note, p.expected, {changed} AS changed,
           COALESCE(p.current_version, 0) AS current_version, s.residence_id IS NOT NULL AS applied,
           s.version AS new_version, s.at
    FROM previous p LEFT JOIN saved s ON s.residence_id = p.residence_id
), logged AS (
    INSERT INTO grade_event (campaign_id, residence_id, kind, before, after, note, actor_id,
                             actor_label)
    SELECT :campaign, o.residence_id, :kind, o.before, o.value, COALESCE(:source, o.note),
           :actor, :label
    FROM outcome o WHERE o.changed AND o.applied
    RETURNING residence_id
)
SELECT o.*, (SELECT count(*) FROM logged) AS logged FROM outcome o
"""

CONFLICTS_SQL = """
INSERT INTO grade_event (campaign_id, residence_id, kind, before, after, outcome, note, actor_id,
                         actor_label)
SELECT :campaign, t.residence_id, :kind, g.value, t.value, 'conflict',
       'refusée : version attendue ' || t.expected || ', version actuelle '
           || COALESCE(g.version, 0),
       :actor, :label
FROM unnest(CAST(:residences AS int[]), CAST(:values AS smallint[]), CAST(:expected AS int[]))
    AS t(residence_id, value, expected)
LEFT JOIN {table} g ON g.campaign_id = :campaign AND g.residence_id = t.residence_id {key}
RETURNING residence_id, COALESCE((SELECT version FROM {table} g
    WHERE g.campaign_id = :campaign AND g.residence_id = grade_event.residence_id {key}), 0)
    AS version
"""
"""Refused stale saves, logged by a second statement: it sees the newer value that won."""


def _statement(kind: str, template: str) -> str:
    spec = _TABLES[HARMONISATION if kind == HARMONISATION else "side"]
    return template.format(
        table=spec["table"],
        key=spec["key"],
        columns=spec["columns"],
        values=spec["values"],
        note=spec["note"],
        at=spec["at"],
        changed=spec["changed"],
        set_excluded=spec["set"].format(s="EXCLUDED", n=spec["note"]),
        set_wanted=spec["set"].format(s="w", n="note"),
    )


_STATEMENTS = {kind: text(_statement(kind, WRITE_SQL)) for kind in KINDS}
_CONFLICTS = {kind: text(_statement(kind, CONFLICTS_SQL)) for kind in KINDS}


def write_grades(
    conn: Connection,
    principal: Principal | None,
    campaign: Campaign,
    kind: str,
    entries: Sequence[GradeEntry],
    *,
    label: str | None = None,
    source: str | None = None,
    meeting: str | None = None,
) -> WriteSummary:
    """Write `kind` grades (a side, or `harmonisation`) of `campaign`, all or nothing.

    `principal` None acts as the operator (command line, demo, file imports) named by `label`.
    `source` replaces the comment in the history (e.g. « import du fichier notes.csv »).
    Raises `GradesRefused` (nothing written) when an entry may not be written, `Conflict` for a
    closed campaign, `Forbidden` out of the kind's phase. A stale `expected_version` is not an
    error here: its outcome says `applied=False`, and the refusal is in the history. The caller
    commits in every case.
    """
    if kind not in KINDS:
        raise InvalidParameter(f"Côté « {kind} » inconnu : « commune » ou « bailleur ».")
    checked = _checked(conn, principal, campaign, kind, entries)
    check_phase(campaign, kind)
    summary = WriteSummary()
    if not checked:
        return summary
    params = {
        "campaign": campaign.id,
        "kind": kind,
        "side": kind,
        "residences": [residence.id for _, residence, _, _ in checked],
        "values": [value for _, _, value, _ in checked],
        "notes": [note for _, _, _, note in checked],
        "expected": [entry.expected_version for entry, _, _, _ in checked],
        "actor": principal.id if principal else None,
        "label": principal.label if principal else (label or COMMAND_LINE),
        "source": source,
        "meeting": meeting,
    }
    rows = conn.execute(_STATEMENTS[kind], params).mappings().all()
    codes = {residence.id: entry.code for entry, residence, _, _ in checked}
    stale = [row for row in rows if row["changed"] and not row["applied"]]
    newer: dict[int, int] = {}
    if stale:
        logged = conn.execute(
            _CONFLICTS[kind],
            {
                **params,
                "residences": [row["residence_id"] for row in stale],
                "values": [row["value"] for row in stale],
                "expected": [row["expected"] for row in stale],
            },
        )
        newer = {row.residence_id: row.version for row in logged}
    for row in rows:
        summary.outcomes.append(
            Outcome(
                code=codes[row["residence_id"]],
                applied=row["applied"],
                changed=row["changed"],
                before=row["before"],
                after=row["value"],
                version=row["new_version"]
                or newer.get(row["residence_id"], row["current_version"]),
                at=row["at"],
            )
        )
    applied = sum(o.applied for o in summary.outcomes)
    record(
        conn,
        "notes.harmonisation" if kind == HARMONISATION else "notes.saisie",
        actor_id=principal.id if principal else None,
        actor_label=principal.label if principal else (label or COMMAND_LINE),
        epci_siren=campaign.epci_siren,
        target=f"campagne {campaign.id} « {campaign.name} »",
        details={
            "cote": kind,
            "enregistrees": applied,
            "inchangees": summary.unchanged,
            "refusees_version_perimee": len(summary.conflicts),
            "residences": [o.code for o in summary.outcomes][:AUDIT_CODES],
            "source": source,
        },
    )
    if applied:
        event = "harmonisation" if kind == HARMONISATION else "grade"
        events.publish(conn, campaign.id, {"type": event, "count": applied})
    return summary


REFUSAL_ERRORS: dict[int, type[QualiparcError]] = {
    404: NotFound,
    403: Forbidden,
    422: InvalidParameter,
}


def write_one(
    conn: Connection,
    principal: Principal,
    campaign: Campaign,
    kind: str,
    entry: GradeEntry,
    *,
    meeting: str | None = None,
) -> Outcome:
    """Write one grade for an API call: a refusal becomes its domain error (404, 403, 422)."""
    try:
        summary = write_grades(conn, principal, campaign, kind, [entry], meeting=meeting)
    except GradesRefused as refused:
        first = refused.refusals[0]
        raise REFUSAL_ERRORS[first.status](first.message) from None
    return summary.outcomes[0]
