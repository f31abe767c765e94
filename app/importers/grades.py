"""Import one side's grade sheet for a campaign: every row checked, then all written or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.campaigns.writer import GradeEntry, GradesRefused, check_phase, write_grades
from app.errors import QualiparcError
from geo.grades import COMMENT_MAX, SIDE_LABELS, SIDES, GradeError, parse_grade
from geo.readers import FileFormatError, find_column, read_table
from geo.report import ImportRejected, RowError
from geo.residences import COLUMN_ALIASES as RESIDENCE_ALIASES

GENERIC_GRADE_ALIASES = ("note", "grade", "note_vivre_ensemble", "note_ve", "cotation", "valeur")
COMMENT_ALIASES = (
    "commentaire",
    "commentaires",
    "comment",
    "observation",
    "observations",
    "remarque",
    "remarques",
)


@dataclass
class GradeRow:
    line: int
    code: str
    value: int
    comment: str | None


@dataclass
class GradeImportSummary:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    blank: int = 0
    """Rows without a grade: the residence is left ungraded."""
    columns: dict[str, str] = field(default_factory=dict)


def _columns(names: list[str], side: str) -> tuple[dict[str, str], list[RowError]]:
    """The user's columns for the residence code, the grade of `side` and the comment."""
    other = next(s for s in SIDES if s != side)
    own_grade = RESIDENCE_ALIASES[f"note_{side}"]
    free = [n for n in names if find_column([n], RESIDENCE_ALIASES[f"note_{other}"]) is None]
    found = {
        "code": find_column(names, RESIDENCE_ALIASES["code"]),
        "grade": find_column(names, own_grade) or find_column(free, GENERIC_GRADE_ALIASES),
        "comment": find_column(names, COMMENT_ALIASES),
    }
    errors = []
    if found["code"] is None:
        accepted = ", ".join(RESIDENCE_ALIASES["code"][:5])
        errors.append(
            RowError(None, None, None, f"colonne du code de la résidence absente ({accepted}…)")
        )
    if found["grade"] is None:
        accepted = ", ".join((*own_grade[:2], *GENERIC_GRADE_ALIASES[:2]))
        errors.append(
            RowError(
                None,
                None,
                None,
                f"colonne de la note {SIDE_LABELS[side].lower()} absente ({accepted}…)",
            )
        )
    return {k: v for k, v in found.items() if v is not None}, errors


def read_grade_sheet(
    path: Path, side: str
) -> tuple[list[GradeRow], list[RowError], GradeImportSummary]:
    """Parse a sheet (CSV or XLSX): the valid rows and the errors of the others.

    Raise `ImportRejected` only when the file as a whole cannot be used.
    """
    try:
        table = read_table(path)
    except FileFormatError as exc:
        raise ImportRejected([RowError(None, None, None, str(exc))]) from None
    summary = GradeImportSummary()
    mapping, errors = _columns(list(table.frame.columns), side)
    if errors:
        raise ImportRejected(errors)
    summary.columns = mapping
    errors = list(table.errors)
    rows: list[GradeRow] = []
    first_line: dict[str, int] = {}
    code_column, grade_column = mapping["code"], mapping["grade"]
    comment_column = mapping.get("comment")
    for line, record in zip(table.line_numbers, table.frame.to_dict("records"), strict=True):
        code, raw_grade = record[code_column], record[grade_column]
        comment = record[comment_column] if comment_column else None
        if code is None:
            errors.append(RowError(line, code_column, None, "code de résidence manquant"))
            continue
        if raw_grade is None:
            summary.blank += 1
            continue
        if code in first_line:
            errors.append(
                RowError(
                    line,
                    code_column,
                    code,
                    f"résidence en double (déjà notée ligne {first_line[code]})",
                )
            )
            continue
        first_line[code] = line
        try:
            value = parse_grade(raw_grade)
        except GradeError as exc:
            errors.append(RowError(line, grade_column, raw_grade, str(exc)))
            continue
        if comment and len(comment) > COMMENT_MAX:
            errors.append(
                RowError(line, comment_column, comment[:40] + "…", "commentaire trop long")
            )
            continue
        rows.append(GradeRow(line, code, value, comment))
    return rows, errors, summary


def import_grades(
    conn: Connection,
    path: Path,
    campaign: Campaign,
    side: str,
    *,
    principal: Principal | None = None,
    source_name: str | None = None,
) -> GradeImportSummary:
    """Check then store the `side` grades of a sheet through the grade writer; raise
    `ImportRejected` and write nothing when a row is refused.

    `principal` (the signed-in account of the upload page) limits the rows to the residences it
    grades; the command line (None) acts for the operator, within the campaign's EPCI.
    `source_name` names the file in the history when `path` is a temporary copy.
    """
    if side not in SIDES:
        raise ImportRejected(
            [RowError(None, None, side, "côté inconnu : « commune » ou « bailleur »")]
        )
    try:
        check_phase(campaign, side)
    except QualiparcError as exc:
        raise ImportRejected([RowError(None, None, None, exc.message)]) from None
    rows, errors, summary = read_grade_sheet(path, side)
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
