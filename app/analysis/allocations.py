"""Allocation targets of the law per EPCI, commune and landlord, and the EPCI's CIA settings.

Counts come from the `allocation_count` view (one row per residence and year: the imported counts
plus the allocation commission's decisions recorded since); inside/outside QPV follows the
residence's current placement. The arithmetic (shares, missing allocations) is in
geo/allocation_rules.py; the rates are the EPCI's (`epci_policy`), else the law's. A commune or a
landlord is measured with the rates of its EPCI; a landlord present in two EPCI has one row in
each. Signed-in partners only: a caller gets the units where it sees at least one residence,
measured on all their residences (the figures the CIL shares).
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.core.audit import record
from app.core.errors import InvalidParameter, NotFound
from geo.allocation_rules import (
    TARGET_INSIDE_QPV,
    TARGET_OUTSIDE_QPV,
    TARGET_PRIORITY,
    RateError,
    check_rate,
    inside_qpv_check,
    outside_qpv_check,
    share,
)
from geo.peuplement import PeuplementError, legend, peuplement_labels, rule_table

LEVELS = ("epci", "commune", "bailleur")
AUDITED_POLICY = ("target_outside_qpv", "target_inside_qpv", "peuplement_label_overrides")

_UNIT = {
    "epci": ("r.epci_siren", "e.name", "r.epci_siren"),
    "commune": ("r.commune_insee", "c.name", "r.commune_insee, c.name, r.epci_siren"),
    "bailleur": (
        "COALESCE(b.siren, b.id::text)",
        "b.name",
        "COALESCE(b.siren, b.id::text), b.name, r.epci_siren",
    ),
}

TARGETS_SQL = """
WITH counted AS (
    SELECT DISTINCT r.epci_siren FROM allocation_count a JOIN residence r ON r.id = a.residence_id
    WHERE a.year = :year AND r.epci_siren IS NOT NULL
)
SELECT {code} AS code, min({name}) AS name, r.epci_siren, min(e.name) AS epci_name,
       COALESCE(min(p.target_outside_qpv), :default_outside) AS target_outside,
       COALESCE(min(p.target_inside_qpv), :default_inside) AS target_inside,
       COALESCE(sum(a.total), 0) AS total,
       COALESCE(sum(a.priority), 0) AS priority,
       COALESCE(sum(a.total) FILTER (WHERE r.qpv_code IS NULL), 0) AS outside_total,
       COALESCE(sum(a.q1) FILTER (WHERE r.qpv_code IS NULL), 0) AS outside_q1,
       COALESCE(sum(a.pru) FILTER (WHERE r.qpv_code IS NULL), 0) AS outside_pru,
       COALESCE(sum(a.total) FILTER (WHERE r.qpv_code IS NOT NULL), 0) AS inside_total,
       COALESCE(sum(a.q1) FILTER (WHERE r.qpv_code IS NOT NULL), 0) AS inside_q1,
       count(DISTINCT r.id) AS nb_residences,
       count(DISTINCT a.residence_id) AS nb_residences_with_allocations
FROM residence r
JOIN counted ON counted.epci_siren = r.epci_siren
JOIN epci e ON e.siren = r.epci_siren
JOIN commune c ON c.insee = r.commune_insee
JOIN bailleur b ON b.id = r.bailleur_id
LEFT JOIN allocation_count a ON a.residence_id = r.id AND a.year = :year
LEFT JOIN epci_policy p ON p.epci_siren = r.epci_siren
GROUP BY {group}
HAVING bool_or({visible})
ORDER BY r.epci_siren, name, code
"""


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise InvalidParameter(f"niveau « {level} » inconnu : attendu {', '.join(LEVELS)}.")
    return level


def allocation_years(conn: Connection) -> list[int]:
    """Years with allocations (imported or decided), latest first."""
    return list(
        conn.execute(
            text("SELECT DISTINCT year FROM allocation_count ORDER BY year DESC")
        ).scalars()
    )


def _target_row(row: dict, level: str, year: int) -> dict:
    outside = outside_qpv_check(
        row["outside_total"], row["outside_q1"], row["outside_pru"], row["target_outside"]
    )
    inside = inside_qpv_check(row["inside_total"], row["inside_q1"], row["target_inside"])
    return {
        "level": level,
        "year": year,
        "code": row["code"],
        "name": row["name"],
        "epci_siren": row["epci_siren"],
        "epci_name": row["epci_name"],
        "nb_residences": row["nb_residences"],
        "nb_residences_with_allocations": row["nb_residences_with_allocations"],
        "allocations_total": row["total"],
        "allocations_outside_qpv": outside.allocations,
        "q1_or_pru_outside_qpv": outside.counted,
        "share_q1_or_pru_outside_qpv": outside.share,
        "target_outside": outside.target,
        "missing_outside": outside.missing,
        "under_target_outside": outside.under_target,
        "allocations_inside_qpv": inside.allocations,
        "non_q1_inside_qpv": inside.counted,
        "share_non_q1_inside_qpv": inside.share,
        "target_inside": inside.target,
        "missing_inside": inside.missing,
        "under_target_inside": inside.under_target,
        "priority": row["priority"],
        "share_priority": share(row["priority"], row["total"]),
        "target_priority": TARGET_PRIORITY,
    }


def allocation_targets(
    conn: Connection,
    level: str,
    year: int | None = None,
    *,
    gate: Gate,
) -> list[dict]:
    """The legal floors per unit of `level` for `year` (default: latest imported year).

    Rows: code, name, epci_siren, epci_name, allocations_outside_qpv, q1_or_pru_outside_qpv,
    share_q1_or_pru_outside_qpv, target_outside, missing_outside, under_target_outside,
    allocations_inside_qpv, non_q1_inside_qpv, share_non_q1_inside_qpv, target_inside,
    missing_inside, under_target_inside, and for information priority, share_priority,
    target_priority. Units: those of the EPCI with allocations that year holding at least one
    residence of the caller's scope (anonymous: no row). Shares are None without allocations.
    """
    check_level(level)
    scope = gate.residences()
    if scope.sql == "false":
        return []
    if year is None:
        years = allocation_years(conn)
        if not years:
            return []
        year = years[0]
    code, name, group = _UNIT[level]
    sql = TARGETS_SQL.format(code=code, name=name, group=group, visible=scope.sql)
    rows = conn.execute(
        text(sql),
        {
            **scope.params,
            "year": year,
            "default_outside": TARGET_OUTSIDE_QPV,
            "default_inside": TARGET_INSIDE_QPV,
        },
    ).mappings()
    return [_target_row(dict(row), level, year) for row in rows]


# --- The EPCI's settings (CIA) ------------------------------------------------------------------


def epci_policy(conn: Connection, siren: str) -> dict:
    """The rates and peuplement labels an EPCI applies (the law's defaults where it set none)."""
    row = (
        conn.execute(
            text(
                "SELECT e.siren, e.name, p.target_outside_qpv, p.target_inside_qpv, "
                "p.peuplement_labels FROM epci e "
                "LEFT JOIN epci_policy p ON p.epci_siren = e.siren WHERE e.siren = :siren"
            ),
            {"siren": siren},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"EPCI {siren} introuvable.")
    overrides = row["peuplement_labels"] or {}
    return {
        "epci_siren": row["siren"],
        "epci_name": row["name"],
        "target_outside_qpv": float(row["target_outside_qpv"] or TARGET_OUTSIDE_QPV),
        "target_inside_qpv": float(row["target_inside_qpv"] or TARGET_INSIDE_QPV),
        "target_priority": TARGET_PRIORITY,
        "defaults": {
            "target_outside_qpv": TARGET_OUTSIDE_QPV,
            "target_inside_qpv": TARGET_INSIDE_QPV,
        },
        "peuplement_labels": peuplement_labels(overrides),
        "peuplement_label_overrides": overrides,
        "peuplement_types": legend(overrides),
        "peuplement_rule": rule_table(),
    }


def save_epci_policy(
    conn: Connection,
    siren: str,
    *,
    actor: Principal,
    target_outside_qpv: object = None,
    target_inside_qpv: object = None,
    labels: dict[str, str] | None = None,
) -> dict:
    """Validate and store an EPCI's settings (None keeps the current value); return them."""
    current = epci_policy(conn, siren)
    try:
        outside = (
            check_rate(target_outside_qpv, "taux hors QPV")
            if target_outside_qpv is not None
            else current["target_outside_qpv"]
        )
        inside = (
            check_rate(target_inside_qpv, "taux en QPV")
            if target_inside_qpv is not None
            else current["target_inside_qpv"]
        )
        overrides = current["peuplement_label_overrides"]
        if labels is not None:
            peuplement_labels(labels)
            overrides = {code: label.strip() for code, label in labels.items() if label.strip()}
    except (RateError, PeuplementError) as exc:
        raise InvalidParameter(f"Réglage refusé : {exc}.") from None
    conn.execute(
        text(
            """
            INSERT INTO epci_policy (epci_siren, target_outside_qpv, target_inside_qpv,
                                     peuplement_labels)
            VALUES (:siren, :outside, :inside, CAST(:labels AS json))
            ON CONFLICT (epci_siren) DO UPDATE SET target_outside_qpv = EXCLUDED.target_outside_qpv,
                target_inside_qpv = EXCLUDED.target_inside_qpv,
                peuplement_labels = EXCLUDED.peuplement_labels
            """
        ),
        {
            "siren": siren,
            "outside": outside,
            "inside": inside,
            "labels": json.dumps(overrides, ensure_ascii=False),
        },
    )
    saved = epci_policy(conn, siren)
    record(
        conn,
        "reglages.modification",
        actor_id=actor.id,
        actor_label=actor.label,
        epci_siren=siren,
        target=f"EPCI {siren}",
        details={
            "avant": {key: current[key] for key in AUDITED_POLICY},
            "apres": {key: saved[key] for key in AUDITED_POLICY},
        },
    )
    return saved
