"""Import one side's grade sheet for a campaign: every row checked, then all written or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.campaigns.writer import GradeEntry, GradesRefused, check_phase, write_grades
from app.core.errors import QualiparcError
from geo.grade_sheet import read_grade_sheet
from geo.grades import SIDES
from geo.readers import TimeBudget
from geo.report import ImportRejected, RowError


@dataclass
class GradeImportSummary:
    columns: dict[str, str]
    blank: int
    """Rows without a grade: the residence is left ungraded."""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def import_grades(
    conn: Connection,
    path: Path,
    campaign: Campaign,
    side: str,
    *,
    principal: Principal | None = None,
    source_name: str | None = None,
    budget: TimeBudget | None = None,
) -> GradeImportSummary:
    """Check then store the `side` grades of a sheet through the grade writer; raise
    `ImportRejected` and write nothing when a row is refused.

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
    rows, errors = sheet.rows, sheet.errors
    summary = GradeImportSummary(sheet.columns, sheet.blank)
    code_column = summary.columns["code"]
    entries = [GradeEntry(r.code, r.value, r.comment, line=r.line) for r in rows]
    try:
        written = write_grades(
            conn,
            principal,
            campaign,
            side,
            entries,
            source=f"import du fichier {source_name or Path(path).name}",
        )
    except GradesRefused as refused:
        errors += [
            RowError(r.entry.line, code_column, r.entry.code, _row_message(r.message))
            for r in refused.refusals
        ]
        raise ImportRejected(errors) from None
    if errors:
        raise ImportRejected(errors)
    summary.inserted, summary.updated = written.inserted, written.updated
    summary.unchanged = written.unchanged
    return summary


def _row_message(message: str) -> str:
    """A writer's refusal as a report row's reason (the row already names the residence)."""
    known = {
        "introuvable": "résidence inconnue",
        "n'est pas dans le territoire": "résidence hors du territoire de la campagne",
    }
    for marker, reason in known.items():
        if marker in message:
            return reason
    return message.rstrip(".")
