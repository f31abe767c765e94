"""Read one side's grade sheet (CSV or XLSX): the graded rows and the errors of the others."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geo.fields import RESIDENCE_FIELDS
from geo.grades import COMMENT_MAX, SIDE_LABELS, SIDES, GradeError, parse_grade
from geo.readers import (
    FileFormatError,
    Table,
    TimeBudget,
    check_budget,
    find_column,
    listed_columns,
    read_table,
)
from geo.report import ImportRejected, RowError

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
class GradeSheet:
    """A side's sheet as read: the graded rows, the errors of the others, the columns used."""

    rows: list[GradeRow]
    errors: list[RowError]
    columns: dict[str, str]
    """The user's column for `code`, `grade` and, if any, `comment`."""
    blank: int
    """Rows without a grade: the residence is left ungraded."""


def _columns(names: list[str], side: str) -> tuple[dict[str, str], list[RowError]]:
    """The user's columns for the residence code, the grade of `side` and the comment."""
    other = next(s for s in SIDES if s != side)
    own_grade = RESIDENCE_FIELDS[f"note_{side}"]
    free = [n for n in names if find_column([n], RESIDENCE_FIELDS[f"note_{other}"]) is None]
    found = {
        "code": find_column(names, RESIDENCE_FIELDS["code"]),
        "grade": find_column(names, own_grade) or find_column(free, GENERIC_GRADE_ALIASES),
        "comment": find_column(names, COMMENT_ALIASES),
    }
    errors = []
    if found["code"] is None:
        accepted = ", ".join(RESIDENCE_FIELDS["code"][:5])
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
    if errors:
        errors.append(RowError(None, None, None, f"colonnes trouvées : {listed_columns(names)}"))
    return {k: v for k, v in found.items() if v is not None}, errors


def read_grade_sheet(path: Path, side: str, budget: TimeBudget | None = None) -> GradeSheet:
    """Parse the `side` ("commune" or "bailleur") grades of a sheet, every row checked, reading
    and checking within the time `budget` if any.

    Raise `ImportRejected` only when the file as a whole cannot be used.
    """
    try:
        table = read_table(path, budget)
        return _check_rows(table, side, budget)
    except FileFormatError as exc:
        raise ImportRejected([RowError(None, None, None, str(exc))]) from None


def _check_rows(table: Table, side: str, budget: TimeBudget | None) -> GradeSheet:
    """The sheet's graded rows and the errors of the others."""
    mapping, errors = _columns(list(table.frame.columns), side)
    if errors:
        raise ImportRejected(errors)
    sheet = GradeSheet([], list(table.errors), mapping, 0)
    first_line: dict[str, int] = {}
    code_column, grade_column = mapping["code"], mapping["grade"]
    comment_column = mapping.get("comment")
    for count, (line, record) in enumerate(zip(table.line_numbers, table.rows(), strict=True)):
        check_budget(budget, count)
        code, raw_grade = record[code_column], record[grade_column]
        comment = record[comment_column] if comment_column else None
        if code is None:
            sheet.errors.append(RowError(line, code_column, None, "code de résidence manquant"))
            continue
        if raw_grade is None:
            sheet.blank += 1
            continue
        if code in first_line:
            sheet.errors.append(
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
            sheet.errors.append(RowError(line, grade_column, raw_grade, str(exc)))
            continue
        if comment and len(comment) > COMMENT_MAX:
            sheet.errors.append(
                RowError(line, comment_column, comment[:40] + "…", "commentaire trop long")
            )
            continue
        sheet.rows.append(GradeRow(line, code, value, comment))
    return sheet
