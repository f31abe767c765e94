"""Vacancies declared per residence: entered on the page, or imported as a list."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.commission.access import MANAGING_ROLES, managed_residence
from app.core.audit import record
from app.core.errors import Forbidden, InvalidParameter
from app.importers.vacancies import VacancyImportSummary, import_vacancies
from geo.readers import TimeBudget
from geo.vacancy_sheet import MAX_DWELLINGS, parse_date

VACANCY_SQL = """
    SELECT v.dwellings, v.declared_on, v.updated_at,
           COALESCE(a.display_name, a.email) AS updated_by
    FROM vacancy v LEFT JOIN account a ON a.id = v.updated_by
    WHERE v.residence_id = :residence
"""


def vacancy_of(conn: Connection, residence_id: int) -> dict | None:
    """The vacancy declared for a residence (dwellings, declared_on, by whom), or None."""
    row = conn.execute(text(VACANCY_SQL), {"residence": residence_id}).mappings().one_or_none()
    if row is None:
        return None
    return {
        "dwellings": row["dwellings"],
        "declared_on": row["declared_on"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "updated_by": row["updated_by"],
    }


def check_day(day: date, today: date, what: str) -> date:
    """`day` as `parse_date` accepts it (from 2000 to a year ahead), else a French 422."""
    try:
        return parse_date(day.isoformat(), today)
    except ValueError as exc:
        raise InvalidParameter(f"{what} : {exc}.") from None


def save_vacancy(
    conn: Connection, principal: Principal, code: str, dwellings: int, declared_on: date
) -> dict:
    """Declare `dwellings` vacant in residence `code` since `declared_on` (0 clears it)."""
    residence = managed_residence(conn, principal, code)
    if not 0 <= dwellings <= MAX_DWELLINGS:
        raise InvalidParameter(f"dwellings : de 0 à {MAX_DWELLINGS} logements vacants.")
    check_day(declared_on, date.today(), "declared_on")
    before = vacancy_of(conn, residence.id)
    if dwellings == 0:
        conn.execute(text("DELETE FROM vacancy WHERE residence_id = :r"), {"r": residence.id})
    else:
        conn.execute(
            text(
                """
                INSERT INTO vacancy (residence_id, dwellings, declared_on, updated_by)
                VALUES (:r, :dwellings, :declared_on, :actor)
                ON CONFLICT (residence_id) DO UPDATE SET dwellings = EXCLUDED.dwellings,
                    declared_on = EXCLUDED.declared_on, updated_by = EXCLUDED.updated_by,
                    updated_at = now()
                """
            ),
            {
                "r": residence.id,
                "dwellings": dwellings,
                "declared_on": declared_on,
                "actor": principal.id,
            },
        )
    after = vacancy_of(conn, residence.id)
    record(
        conn,
        "commission.vacance",
        actor_id=principal.id,
        actor_label=principal.label,
        epci_siren=residence.epci_siren,
        target=f"résidence {code}",
        details={"avant": _audited(before), "apres": _audited(after)},
    )
    return {"residence_code": code, "vacancy": after}


def _audited(vacancy: dict | None) -> dict | None:
    return None if vacancy is None else {k: vacancy[k] for k in ("dwellings", "declared_on")}


def upload_vacancies(
    conn: Connection, principal: Principal, path: Path, name: str, budget: TimeBudget
) -> VacancyImportSummary:
    """Import a vacancy list for the residences `principal` manages, logged in the audit log."""
    if principal.role not in MANAGING_ROLES:
        raise Forbidden("Les élus et les lecteurs consultent la commission sans rien y saisir.")
    summary = import_vacancies(conn, path, principal=principal, budget=budget)
    record(
        conn,
        "import.vacances",
        actor_id=principal.id,
        actor_label=principal.label,
        target=name,
        details=asdict(summary),
    )
    return summary
