"""Import one side's grade sheet for a campaign: every row checked, then all written or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.campaigns.writer import GradeEntry, GradesRefused, check_phase, write_grades
from app.core.errors import QualiparcError
from geo.grade_sheet import read_grade_sheet
from geo.grades import SIDES
from geo.readers import TimeBudget
from geo.report import ImportRejected, RowError, rows_left_out


@dataclass
class GradeImportSummary:
    columns: dict[str, str]
    blank: int
    """Rows without a grade: the residence is left ungraded."""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    """The rows a partial import left out, with their errors."""


def import_grades(
    conn: Connection,
    path: Path,
    campaign: Campaign,
    side: str,
    *,
    principal: Principal | None = None,
    source_name: str | None = None,
    budget: TimeBudget | None = None,
    partial: bool = False,
) -> GradeImportSummary:
    """Check then store the `side` grades of a sheet through the grade writer; raise
    `ImportRejected` and write nothing when a row is refused, or, when `partial`, store the valid
    rows and return the others in `rejected`.

    `principal` (the signed-in account of the upload page) limits the rows to the residences it
    grades; the command line (None) acts for the operator, within the campaign's EPCI.
    `source_name` names the file in the history when `path` is a temporary copy; `budget`
    limits the time spent reading and checking the sheet.
    """
    if side not in SIDES:
        raise ImportRejected(
            [RowError(None, None, side, "côté inconnu : « commune » ou « bailleur »")]
        )
    try:
        check_phase(campaign, side)
    except QualiparcError as exc:
        raise ImportRejected([RowError(None, None, None, exc.message)]) from None
    sheet = read_grade_sheet(path, side, budget)
    errors = list(sheet.errors)
    summary = GradeImportSummary(sheet.columns, sheet.blank)
    code_column = summary.columns["code"]
    entries = [GradeEntry(r.code, r.value, r.comment, line=r.line) for r in sheet.rows]
    source = f"import du fichier {source_name or Path(path).name}"
    try:
        written = write_grades(conn, principal, campaign, side, entries, source=source)
    except GradesRefused as refused:
        errors += [
            RowError(r.entry.line, code_column, r.entry.code, _row_message(r.message))
            for r in refused.refusals
        ]
        lines = {r.entry.line for r in refused.refusals}
        entries = [entry for entry in entries if entry.line not in lines]
        rows_left_out(errors, partial=partial, valid=len(entries))
        written = write_grades(conn, principal, campaign, side, entries, source=source)
    summary.rejected = rows_left_out(errors, partial=partial, valid=len(entries))
    summary.inserted, summary.updated = written.inserted, written.updated
    summary.unchanged = written.unchanged
    return summary


def _row_message(message: str) -> str:
    """A writer's refusal as a report row's reason, without the residence (the row names it),
    so that the same refusal of many rows collapses into one report line."""
    known = {
        "introuvable": "résidence inconnue",
        "n'est pas dans le territoire": "résidence hors du territoire de la campagne",
        "hors de vos communes": "résidence hors de vos communes",
        "pas à votre organisme": "résidence d'un autre bailleur que le vôtre",
    }
    for marker, reason in known.items():
        if marker in message:
            return reason
    return message.rstrip(".")
