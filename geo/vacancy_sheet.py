"""Read a landlord's list of vacancies (CSV or XLSX): residence code, vacant dwellings, date.

Counts and dates only, no personal data. A row with 0 vacant dwellings says the residence has
none any more. Every row is checked; `ImportRejected` is raised only when the file as a whole
cannot be used (unreadable, or a column missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from geo.fields import VACANCY_FIELDS as COLUMN_ALIASES
from geo.readers import (
    FileFormatError,
    Table,
    TimeBudget,
    check_budget,
    find_column,
    parse_number,
    read_table,
)
from geo.report import ImportRejected, RowError

COLUMN_LABELS = {
    "code": "code de la résidence",
    "dwellings": "logements vacants",
    "date": "date",
}
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
MIN_YEAR = 2000
MAX_DWELLINGS = 10_000
"""More vacant dwellings than any residence holds: a typing error."""


@dataclass(frozen=True)
class VacancyRow:
    line: int
    code: str
    dwellings: int
    """0: the residence has no vacancy any more."""
    declared_on: date


@dataclass
class VacancySheet:
    rows: list[VacancyRow]
    errors: list[RowError]
    columns: dict[str, str]
    """The user's column for `code`, `dwellings` and `date`."""


def parse_date(text: str, today: date) -> date:
    """A date as French files write it (30/11/2026, 30-11-2026, 30.11.26) or ISO (2026-11-30,
    the form an XLSX date cell is read as); ValueError in French otherwise, or when it is
    before 2000 or more than a year ahead of `today`."""
    value = text.strip()
    found: date | None = None
    try:
        found = datetime.fromisoformat(value).date()
    except ValueError:
        for pattern in DATE_FORMATS:
            try:
                found = datetime.strptime(value, pattern).date()
                break
            except ValueError:
                continue
    if found is None:
        raise ValueError("date illisible (attendu JJ/MM/AAAA ou AAAA-MM-JJ)")
    if found.year < MIN_YEAR or found > today + timedelta(days=366):
        raise ValueError(f"date hors de {MIN_YEAR} à un an d'ici")
    return found


def parse_dwellings(text: str) -> int:
    """A count of vacant dwellings: a whole number from 0 to `MAX_DWELLINGS`."""
    number = parse_number(text)
    if not number.is_integer() or number < 0:
        raise ValueError("un nombre de logements vacants est un entier positif ou nul")
    if number > MAX_DWELLINGS:
        raise ValueError(f"plus de {MAX_DWELLINGS} logements vacants : erreur de saisie ?")
    return int(number)


def read_vacancy_sheet(path: Path, today: date, budget: TimeBudget | None = None) -> VacancySheet:
    """Parse every row of a vacancy list, read and checked within the time `budget` if any."""
    try:
        table = read_table(path, budget)
        return _check_rows(table, today, budget)
    except FileFormatError as exc:
        raise ImportRejected([RowError(None, None, None, str(exc))]) from None


def _columns(names: list[str]) -> dict[str, str]:
    found = {key: find_column(names, aliases) for key, aliases in COLUMN_ALIASES.items()}
    missing = [key for key, column in found.items() if column is None]
    if missing:
        errors = [
            RowError(
                None,
                None,
                None,
                f"colonne « {COLUMN_LABELS[key]} » absente "
                f"(noms acceptés : {', '.join(COLUMN_ALIASES[key][:4])}…)",
            )
            for key in missing
        ]
        raise ImportRejected(errors)
    return {key: column for key, column in found.items() if column is not None}


def _check_rows(table: Table, today: date, budget: TimeBudget | None) -> VacancySheet:
    columns = _columns(list(table.frame.columns))
    sheet = VacancySheet([], list(table.errors), columns)
    first_line: dict[str, int] = {}
    for count, (line, record) in enumerate(zip(table.line_numbers, table.rows(), strict=True)):
        check_budget(budget, count)
        code = record[columns["code"]]
        row_errors = []
        if code is None:
            row_errors.append(RowError(line, columns["code"], None, "code de résidence manquant"))
        elif code in first_line:
            row_errors.append(
                RowError(
                    line,
                    columns["code"],
                    code,
                    f"résidence en double (déjà ligne {first_line[code]})",
                )
            )
        else:
            first_line[code] = line
        values: dict[str, object] = {}
        for key, parse in (
            ("dwellings", parse_dwellings),
            ("date", lambda text: parse_date(text, today)),
        ):
            raw = record[columns[key]]
            if raw is None:
                row_errors.append(RowError(line, columns[key], None, "valeur manquante"))
                continue
            try:
                values[key] = parse(raw)
            except ValueError as exc:
                row_errors.append(RowError(line, columns[key], raw, str(exc)))
        sheet.errors.extend(row_errors)
        if not row_errors and code is not None:
            dwellings, declared_on = values["dwellings"], values["date"]
            assert isinstance(dwellings, int) and isinstance(declared_on, date)
            sheet.rows.append(VacancyRow(line, code, dwellings, declared_on))
    return sheet
