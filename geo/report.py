"""Import errors as the user sees them: line and column of their file, and a CSV report of all.

Identical errors (same column, same message) are listed up to `REPEATS_LISTED` times; more of them
make one line that counts them and names their first lines, so that a file of a million bad rows
gives a short report.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.spreadsheet import neutralise

REPORT_HEADER = ("ligne", "colonne", "valeur", "motif")
SUMMARY_SHOWN = 3
"""How many report lines `ImportRejected` spells out before counting the rest."""
REPEATS_LISTED = 5
"""Identical errors listed one by one; beyond, one line counts them and names the first lines."""
LINES_LISTED = 1000
"""Report lines an answer lists (`listed_report`) before counting the errors left."""


def thousands(number: int) -> str:
    """A count as French writes it: 1703221 → "1 703 221" (narrow no-break spaces)."""
    return f"{number:,}".replace(",", "\u202f")


def decimal(number: float, digits: int = 1) -> str:
    """A measure as French writes it, to `digits` decimals without trailing zeros: 190.7 →
    "190,7", 1234.56 → "1 234,6", 3.0 → "3" (decimal comma, narrow no-break spaces)."""
    text = f"{number:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\u202f").replace(".", ",")
    return "0" if text == "-0" else text


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


@dataclass(frozen=True)
class ReportLine:
    """One line of a report: an error, or `count` errors with the same column and message."""

    first: RowError
    count: int = 1
    lines: tuple[int, ...] = ()
    """The first lines of the group."""
    value: str | None = None
    """The group's value when all its errors have the same."""

    @property
    def message(self) -> str:
        """The reason; for a group, with its count and its first lines."""
        if self.count == 1:
            return self.first.message
        named = ", ".join(str(line) for line in self.lines)
        more = ", …" if self.count > len(self.lines) else ""
        where = f" (lignes {named}{more})" if named else ""
        return f"{thousands(self.count)} lignes : {self.first.message}{where}"

    def describe(self) -> str:
        """One French sentence, e.g. "colonne « note » : 1 703 221 lignes : … (lignes 2, 3, …)"."""
        if self.count == 1:
            return self.first.describe()
        place = f"colonne « {self.first.column} »" if self.first.column else "fichier"
        value = f" : valeur « {self.value} »" if self.value is not None else ""
        return f"{place}{value} : {self.message}"

    def as_dict(self) -> dict[str, object]:
        """The line as an API answer lists it: line, column, value, message (and count)."""
        single = self.count == 1
        entry: dict[str, object] = {
            "line": self.first.line,
            "column": self.first.column,
            "value": self.first.value if single else self.value,
            "message": self.message,
        }
        if not single:
            entry |= {"count": self.count, "lines": list(self.lines)}
        return entry


def report_lines(errors: Sequence[RowError]) -> list[ReportLine]:
    """The errors in report order, each group of more than `REPEATS_LISTED` identical ones (same
    column and message) as one line in the place of its first."""
    ordered = sorted_errors(errors)
    groups: dict[tuple[str | None, str], list[RowError]] = {}
    for error in ordered:
        groups.setdefault((error.column, error.message), []).append(error)
    lines = []
    for error in ordered:
        group = groups[(error.column, error.message)]
        if len(group) <= REPEATS_LISTED:
            lines.append(ReportLine(error))
        elif group[0] is error:
            values = {e.value for e in group}
            lines.append(
                ReportLine(
                    error,
                    len(group),
                    tuple(e.line for e in group[:REPEATS_LISTED] if e.line is not None),
                    values.pop() if len(values) == 1 else None,
                )
            )
    return lines


def listed_report(errors: Sequence[RowError], limit: int = LINES_LISTED) -> list[dict[str, object]]:
    """The report as an answer lists it: at most `limit` lines, then one that counts the rest."""
    lines = report_lines(errors)
    listed = [line.as_dict() for line in lines[:limit]]
    rest = sum(line.count for line in lines[limit:])
    if rest:
        listed.append(
            {
                "line": None,
                "column": None,
                "value": None,
                "message": f"… et {thousands(rest)} autre{'s' if rest > 1 else ''} "
                f"erreur{'s' if rest > 1 else ''}",
                "count": rest,
            }
        )
    return listed


def rows_left_out(errors: Sequence[RowError], *, partial: bool, valid: int) -> list[RowError]:
    """The errors of the rows a `partial` import leaves out, in report order.

    An import is all or nothing: without `partial`, any error refuses it (`ImportRejected`). A
    partial one writes its `valid` rows and reports the others; it is still refused when the file
    as a whole is unusable (an error without a line) or when no row is valid.
    """
    ordered = sorted_errors(errors)
    if ordered and (not partial or not valid or ordered[0].line is None):
        raise ImportRejected(ordered)
    return ordered


class ImportRejected(Exception):
    """An import refused as a whole; `errors` lists every problem found."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__(self.summary())

    def summary(self) -> str:
        count = len(self.errors)
        head = f"import refusé : {thousands(count)} erreur{'s' if count > 1 else ''}"
        if not count:
            return head
        shown = report_lines(self.errors)[:SUMMARY_SHOWN]
        more = count - sum(line.count for line in shown)
        text = "\n".join(f"- {line.describe()}" for line in shown)
        tail = f"\n… et {thousands(more)} autre{'s' if more > 1 else ''}" if more > 0 else ""
        return f"{head}\n{text}{tail}"


def write_report(errors: Sequence[RowError], path: Path) -> None:
    """Write the errors as a CSV that Excel opens directly (UTF-8 with BOM, `;` separator),
    identical errors counted on one line past `REPEATS_LISTED`; the values quoted from the
    user's file are neutralised (never a formula)."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(REPORT_HEADER)
        for line in report_lines(errors):
            entry = line.as_dict()
            writer.writerow(
                (
                    "" if entry["line"] is None else entry["line"],
                    neutralise(str(entry["column"] or "")),
                    neutralise(str(entry["value"] or "")),
                    neutralise(str(entry["message"])),
                )
            )
