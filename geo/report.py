"""Import errors as the user sees them: line and column of their file, and a CSV report of all."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.spreadsheet import neutralise

REPORT_HEADER = ("ligne", "colonne", "valeur", "motif")
SUMMARY_SHOWN = 3
"""How many errors `ImportRejected` spells out before counting the rest."""


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file.

    `line` is the line the user sees (CSV/XLSX header = 1, first data row = 2; geo files: feature
    number from 1; None = the whole file); `column` is the column name as written in their file.
    """

    line: int | None
    column: str | None
    value: str | None
    message: str

    def describe(self) -> str:
        """One French sentence, e.g. "ligne 12, colonne « x » : valeur « -3 » : motif"."""
        place = []
        if self.line is not None:
            place.append(f"ligne {self.line}")
        if self.column:
            place.append(f"colonne « {self.column} »")
        parts = [", ".join(place) or "fichier"]
        if self.value is not None:
            parts.append(f"valeur « {self.value} »")
        parts.append(self.message)
        return " : ".join(parts)


def _sort_key(error: RowError) -> tuple[int, str]:
    return (-1 if error.line is None else error.line, error.column or "")


def sorted_errors(errors: Sequence[RowError]) -> list[RowError]:
    """File-level errors first, then by line and column."""
    return sorted(errors, key=_sort_key)


class ImportRejected(Exception):
    """An import refused as a whole; `errors` lists every problem found."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__(self.summary())

    def summary(self) -> str:
        count = len(self.errors)
        head = f"import refusé : {count} erreur{'s' if count > 1 else ''}"
        if not count:
            return head
        shown = "\n".join(f"- {e.describe()}" for e in sorted_errors(self.errors)[:SUMMARY_SHOWN])
        more = count - SUMMARY_SHOWN
        tail = f"\n… et {more} autre{'s' if more > 1 else ''}" if more > 0 else ""
        return f"{head}\n{shown}{tail}"


def write_report(errors: Sequence[RowError], path: Path) -> None:
    """Write the errors as a CSV that Excel opens directly (UTF-8 with BOM, `;` separator); the
    values quoted from the user's file are neutralised (never a formula)."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(REPORT_HEADER)
        for error in sorted_errors(errors):
            writer.writerow(
                (
                    "" if error.line is None else error.line,
                    neutralise(error.column or ""),
                    neutralise(error.value or ""),
                    neutralise(error.message),
                )
            )
