"""Import a year of allocation counts per residence (no personal data): all rows or none.

Columns: `code` (residence), `total`, `q1` (first-quartile applicants), `priority` (DALO and
other priority households), `pru` (households rehoused by urban renewal and not counted in `q1`,
so that the outside-QPV floor counts each household once: `q1 + pru <= total`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from geo.fields import ALLOCATION_FIELDS
from geo.readers import listed_columns, match_columns, parse_number, read_table
from geo.report import ImportRejected, RowError, rows_left_out

COUNT_COLUMNS = ("total", "q1", "priority", "pru")
MIN_YEAR, MAX_YEAR = 2000, 2100

UPSERT = text(
    """
    INSERT INTO allocation (residence_id, year, total, q1, priority, pru)
    SELECT r.id, :year, :total, :q1, :priority, :pru FROM residence r WHERE r.code = :code
    ON CONFLICT (residence_id, year) DO UPDATE SET total = EXCLUDED.total, q1 = EXCLUDED.q1,
        priority = EXCLUDED.priority, pru = EXCLUDED.pru
    """
)


@dataclass
class AllocationImportSummary:
    year: int
    inserted: int = 0
    updated: int = 0
    total: int = 0
    rejected: list[RowError] = field(default_factory=list)
    """The rows a partial import left out, with their errors."""


def _count(raw: str | None, line: int, column: str) -> tuple[int | None, RowError | None]:
    if raw is None:
        return None, RowError(line, column, None, "valeur manquante (écrire 0 s'il n'y en a pas)")
    try:
        number = parse_number(raw)
    except ValueError:
        return None, RowError(line, column, raw, "ce n'est pas un nombre")
    if not number.is_integer():
        return None, RowError(line, column, raw, "un nombre d'attributions est un entier")
    if number < 0:
        return None, RowError(line, column, raw, "nombre négatif")
    return int(number), None


def parse_allocations(
    path: Path, columns: Mapping[str, str] | None = None
) -> tuple[list[dict], list[RowError], dict[str, str]]:
    """Rows {line, code, total, q1, priority, pru} (every row, valid or not), every error found,
    and the user's column names by field; `columns` maps fields to the user's columns."""
    table = read_table(path)
    names, errors = match_columns(list(table.frame.columns), ALLOCATION_FIELDS, columns)
    missing = [key for key in ALLOCATION_FIELDS if key not in names]
    if missing:
        errors.append(
            RowError(
                None,
                None,
                None,
                f"colonne(s) manquante(s) : {', '.join(missing)} "
                f"(colonnes trouvées : {listed_columns(list(table.frame.columns))})",
            )
        )
    if errors:
        raise ImportRejected(errors)
    errors = list(table.errors)
    rows: list[dict] = []
    first_line: dict[str, int] = {}
    for line, cells in zip(table.line_numbers, table.frame.to_dict("records"), strict=True):
        code = cells[names["code"]]
        row: dict = {"line": line, "code": code}
        row_errors: list[RowError] = []
        if code is None:
            row_errors.append(RowError(line, names["code"], None, "code de résidence manquant"))
        elif code in first_line:
            row_errors.append(
                RowError(
                    line,
                    names["code"],
                    code,
                    f"résidence déjà présente ligne {first_line[code]} (une ligne par résidence)",
                )
            )
        else:
            first_line[code] = line
        for key in COUNT_COLUMNS:
            row[key], error = _count(cells[names[key]], line, names[key])
            if error:
                row_errors.append(error)
        if not row_errors:
            row_errors.extend(_consistency(row, names))
        errors.extend(row_errors)
        rows.append(row)
    return rows, errors, names


def _consistency(row: dict, names: dict[str, str]) -> list[RowError]:
    errors = []
    for key in ("q1", "priority", "pru"):
        if row[key] > row["total"]:
            errors.append(
                RowError(
                    row["line"],
                    names[key],
                    str(row[key]),
                    f"{names[key]} ({row[key]}) dépasse {names['total']} ({row['total']})",
                )
            )
    if row["q1"] <= row["total"] and row["pru"] <= row["total"] < row["q1"] + row["pru"]:
        errors.append(
            RowError(
                row["line"],
                names["pru"],
                str(row["pru"]),
                f"{names['q1']} + {names['pru']} ({row['q1'] + row['pru']}) dépasse "
                f"{names['total']} ({row['total']}) : ne comptez dans {names['pru']} que les "
                "relogements hors premier quartile",
            )
        )
    return errors


def import_allocations(
    conn: Connection,
    path: Path,
    year: int,
    *,
    columns: Mapping[str, str] | None = None,
    partial: bool = False,
) -> AllocationImportSummary:
    """Validate the whole file, then upsert one row per (residence, year).

    Raises `ImportRejected` (nothing written) on any bad row, or, when `partial`, writes the valid
    rows and returns the others in `rejected`; the caller owns the transaction.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ImportRejected(
            [RowError(None, None, str(year), f"année hors de {MIN_YEAR}–{MAX_YEAR}")]
        )
    rows, errors, names = parse_allocations(path, columns)
    codes = [row["code"] for row in rows if row["code"] is not None]
    known = set(
        conn.execute(
            text("SELECT code FROM residence WHERE code = ANY(:codes)"), {"codes": codes}
        ).scalars()
    )
    errors.extend(
        RowError(row["line"], names["code"], row["code"], "résidence inconnue")
        for row in rows
        if row["code"] is not None and row["code"] not in known
    )
    bad_lines = {error.line for error in errors}
    rows = [row for row in rows if row["line"] not in bad_lines]
    summary = AllocationImportSummary(year=year)
    summary.rejected = rows_left_out(errors, partial=partial, valid=len(rows))
    codes = [row["code"] for row in rows]
    if not rows:
        return summary
    summary.updated = conn.execute(
        text(
            "SELECT count(*) FROM allocation a JOIN residence r ON r.id = a.residence_id "
            "WHERE a.year = :year AND r.code = ANY(:codes)"
        ),
        {"year": year, "codes": codes},
    ).scalar_one()
    conn.execute(
        UPSERT, [{**{k: row[k] for k in ("code", *COUNT_COLUMNS)}, "year": year} for row in rows]
    )
    summary.inserted = len(rows) - summary.updated
    summary.total = sum(row["total"] for row in rows)
    return summary
