"""Allocation decisions recorded per residence: the applicant's category and the date, never the
applicant. Each one adds to the year's counts (the `allocation_count` view, migration 0009) and
takes one dwelling off the residence's declared vacancy; cancelling it gives both back."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.commission.access import managed_residence
from app.commission.vacancies import check_day, vacancy_of
from app.core.audit import record
from app.core.errors import InvalidParameter, NotFound
from geo.commission import CATEGORY_LABELS, QUARTILE_CATEGORIES

DECISIONS_SQL = """
    SELECT d.id, d.decided_on, CAST(extract(year FROM d.decided_on) AS integer) AS year,
           d.category, d.priority, d.recorded_by_label AS recorded_by, d.recorded_at
    FROM allocation_decision d
    WHERE d.residence_id = :residence
    ORDER BY d.decided_on DESC, d.id DESC
"""


def _decision(row: dict) -> dict:
    return {
        "id": row["id"],
        "decided_on": row["decided_on"].isoformat(),
        "year": row["year"],
        "category": row["category"],
        "category_label": CATEGORY_LABELS[row["category"]],
        "priority": row["priority"],
        "recorded_by": row["recorded_by"],
        "recorded_at": row["recorded_at"].isoformat(),
    }


def residence_decisions(conn: Connection, residence_id: int) -> list[dict]:
    """A residence's decisions, latest first."""
    rows = conn.execute(text(DECISIONS_SQL), {"residence": residence_id}).mappings()
    return [_decision(dict(row)) for row in rows]


def record_decision(
    conn: Connection,
    principal: Principal,
    code: str,
    category: str,
    priority: bool,
    decided_on: date,
) -> dict:
    """Record one allocation of `category` (`q1`, `pru`, `other`; `priority` for a DALO or
    priority household) in residence `code` on `decided_on` (not in the future)."""
    residence = managed_residence(conn, principal, code)
    if category not in QUARTILE_CATEGORIES:
        raise InvalidParameter(
            f"category : « {category} » inconnue (attendu : {', '.join(QUARTILE_CATEGORIES)})."
        )
    today = date.today()
    check_day(decided_on, today, "decided_on")
    if decided_on > today:
        raise InvalidParameter("decided_on : une décision ne se date pas dans le futur.")
    decision_id = conn.execute(
        text(
            """
            INSERT INTO allocation_decision (residence_id, decided_on, category, priority,
                                             recorded_by, recorded_by_label)
            VALUES (:r, :decided_on, :category, :priority, :actor, :label) RETURNING id
            """
        ),
        {
            "r": residence.id,
            "decided_on": decided_on,
            "category": category,
            "priority": priority,
            "actor": principal.id,
            "label": principal.label,
        },
    ).scalar_one()
    conn.execute(
        text("DELETE FROM vacancy WHERE residence_id = :r AND dwellings = 1"), {"r": residence.id}
    )
    conn.execute(
        text(
            "UPDATE vacancy SET dwellings = dwellings - 1, updated_by = :actor, updated_at = now()"
            " WHERE residence_id = :r AND dwellings > 1"
        ),
        {"r": residence.id, "actor": principal.id},
    )
    decision = next(d for d in residence_decisions(conn, residence.id) if d["id"] == decision_id)
    record(
        conn,
        "commission.decision",
        actor_id=principal.id,
        actor_label=principal.label,
        epci_siren=residence.epci_siren,
        target=f"résidence {code}",
        details={k: decision[k] for k in ("id", "decided_on", "category", "priority")},
    )
    return {"residence_code": code, "decision": decision, "vacancy": vacancy_of(conn, residence.id)}


def cancel_decision(conn: Connection, principal: Principal, decision_id: int) -> dict:
    """Remove decision `decision_id`: the year's counts lose it, the vacancy gets its dwelling
    back."""
    row = (
        conn.execute(
            text(
                "SELECT r.code, d.residence_id, d.decided_on FROM allocation_decision d"
                " JOIN residence r ON r.id = d.residence_id WHERE d.id = :id"
            ),
            {"id": decision_id},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"Décision {decision_id} introuvable.")
    residence = managed_residence(conn, principal, row["code"])
    decision = next(d for d in residence_decisions(conn, residence.id) if d["id"] == decision_id)
    conn.execute(text("DELETE FROM allocation_decision WHERE id = :id"), {"id": decision_id})
    conn.execute(
        text(
            """
            INSERT INTO vacancy (residence_id, dwellings, declared_on, updated_by)
            VALUES (:r, 1, :decided_on, :actor)
            ON CONFLICT (residence_id) DO UPDATE SET dwellings = vacancy.dwellings + 1,
                updated_by = EXCLUDED.updated_by, updated_at = now()
            """
        ),
        {"r": residence.id, "decided_on": row["decided_on"], "actor": principal.id},
    )
    record(
        conn,
        "commission.decision_annulee",
        actor_id=principal.id,
        actor_label=principal.label,
        epci_siren=residence.epci_siren,
        target=f"résidence {row['code']}",
        details={k: decision[k] for k in ("id", "decided_on", "category", "priority")},
    )
    return {"residence_code": row["code"], "vacancy": vacancy_of(conn, residence.id)}
