"""Import a list of vacancies (residence code, vacant dwellings, date): all rows or none.

A row replaces what was declared for its residence; 0 vacant dwellings clears it. From the
upload page, rows are limited to the residences the account manages (app/commission/access.py);
from the command line, to one landlord's residences when `--bailleur` names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from geo.readers import TimeBudget
from geo.report import ImportRejected, RowError
from geo.vacancy_sheet import read_vacancy_sheet

UPSERT = text(
    """
    INSERT INTO vacancy (residence_id, dwellings, declared_on, updated_by)
    SELECT r.id, :dwellings, :declared_on, :actor FROM residence r WHERE r.code = :code
    ON CONFLICT (residence_id) DO UPDATE SET dwellings = EXCLUDED.dwellings,
        declared_on = EXCLUDED.declared_on, updated_by = EXCLUDED.updated_by, updated_at = now()
    """
)
CLEAR = text(
    "DELETE FROM vacancy v USING residence r WHERE r.id = v.residence_id AND r.code = ANY(:codes)"
)


@dataclass
class VacancyImportSummary:
    columns: dict[str, str] = field(default_factory=dict)
    declared: int = 0
    """Residences with vacant dwellings after the import, among the file's."""
    cleared: int = 0
    """Residences whose vacancy the file cleared (0 vacant dwellings)."""
    dwellings: int = 0


def _known(
    conn: Connection, codes: list[str], principal: Principal | None, bailleur: str | None
) -> tuple[set[str], set[str]]:
    """The file's residence codes that exist, and those of them the import may write."""
    scope = Gate(principal).residences() if principal is not None else None
    allowed = scope.sql if scope is not None else "true"
    if bailleur is not None:
        allowed = f"({allowed}) AND (b.name = :bailleur OR b.siren = :bailleur)"
    rows = conn.execute(
        text(
            f"SELECT r.code, {allowed} AS allowed FROM residence r"
            " JOIN bailleur b ON b.id = r.bailleur_id WHERE r.code = ANY(:codes)"
        ),
        {**(scope.params if scope is not None else {}), "codes": codes, "bailleur": bailleur},
    ).all()
    return {code for code, _ in rows}, {code for code, allowed in rows if allowed}


def import_vacancies(
    conn: Connection,
    path: Path,
    *,
    principal: Principal | None = None,
    bailleur: str | None = None,
    today: date | None = None,
    budget: TimeBudget | None = None,
) -> VacancyImportSummary:
    """Check every row, then write them all; `ImportRejected` (nothing written) on any error.
    The caller owns the transaction."""
    sheet = read_vacancy_sheet(path, today or date.today(), budget)
    code_column = sheet.columns["code"]
    codes = [row.code for row in sheet.rows]
    known, allowed = _known(conn, codes, principal, bailleur)
    errors = list(sheet.errors)
    for row in sheet.rows:
        if row.code not in known:
            errors.append(RowError(row.line, code_column, row.code, "résidence inconnue"))
        elif row.code not in allowed:
            reason = (
                f"résidence d'un autre bailleur que « {bailleur} »"
                if bailleur is not None
                else "résidence hors de votre périmètre"
            )
            errors.append(RowError(row.line, code_column, row.code, reason))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.line or 0, e.column or "")))
    summary = VacancyImportSummary(columns=sheet.columns)
    actor = principal.id if principal is not None else None
    declared = [row for row in sheet.rows if row.dwellings > 0]
    if declared:
        conn.execute(
            UPSERT,
            [
                {
                    "code": row.code,
                    "dwellings": row.dwellings,
                    "declared_on": row.declared_on,
                    "actor": actor,
                }
                for row in declared
            ],
        )
    cleared = [row.code for row in sheet.rows if row.dwellings == 0]
    if cleared:
        summary.cleared = conn.execute(CLEAR, {"codes": cleared}).rowcount
    summary.declared = len(declared)
    summary.dwellings = sum(row.dwellings for row in declared)
    return summary
