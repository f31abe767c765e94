"""Residences with their target population type and rebalancing need (the peuplement layer).

Both derive from the agreed grades, so the gate decides whose residences appear: a residence
whose agreed grade the caller may not read is left out. The concentration criterion compares the
fragile share of the residence's QPV (or commune) with the EPCI's as the caller reads them in the
quartier aggregates (`app.analysis.aggregates`, under the statistical secret), and only when
that unit has at least 11 graded residences.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import DEFAULT_CAMPAIGNS_SQL, Gate
from app.analysis.aggregates import RESIDENCES, recordset, unit_rows
from app.layers import feature_collection
from geo.allocation_rules import SECRECY_THRESHOLD
from geo.peuplement import LOCATION_LABELS, location_of, peuplement_labels, peuplement_type
from geo.peuplement import TYPES as PEUPLEMENT_TYPES
from geo.rebalancing import residence_need

PEUPLEMENT_SQL = """
WITH camp AS (
    SELECT c.id, c.epci_siren, c.status
    FROM campaign c
    WHERE (c.id = :campaign OR (CAST(:campaign AS int) IS NULL
                                AND c.id IN (SELECT id FROM ({default_campaigns}) d)))
      AND (CAST(:epci AS text) IS NULL OR c.epci_siren = :epci)
)
SELECT r.code, camp.id AS campaign_id, camp.epci_siren, r.commune_insee, r.qpv_code,
       r.near_qpv_300m, cr.agreed_grade AS grade,
       COALESCE(p.peuplement_labels::jsonb, '{{}}') AS labels
FROM camp
JOIN campaign_residence cr ON cr.campaign_id = camp.id
JOIN residence r ON r.id = cr.residence_id
JOIN bailleur b ON b.id = r.bailleur_id
LEFT JOIN epci_policy p ON p.epci_siren = camp.epci_siren
WHERE {visible} AND (CAST(:codes AS text[]) IS NULL OR r.code = ANY(:codes))
"""

_PEUPLEMENT_COLUMNS = (
    ("code", "text"),
    ("campaign_id", "int"),
    ("location", "text"),
    ("location_label", "text"),
    ("grade", "int"),
    ("peuplement", "text"),
    ("peuplement_label", "text"),
    ("peuplement_colour", "text"),
    ("rebalancing_need", "int"),
    ("rebalancing_label", "text"),
    ("rebalancing_reasons", "jsonb"),
)
_COLOURS = {t.code: t.colour for t in PEUPLEMENT_TYPES}


def _peuplement(row: dict, labels: dict[str, str], quartier: dict | None) -> dict:
    location = location_of(row["qpv_code"] is not None, row["near_qpv_300m"])
    kind = peuplement_type(row["grade"], location)
    quartier_share = epci_share = None
    if quartier is not None:
        epci_share = quartier["epci_fragile_share"]
        if quartier["nb_residences_graded"] >= SECRECY_THRESHOLD:
            quartier_share = quartier["fragile_share"]
    need = residence_need(
        row["grade"],
        location,
        quartier_share,
        epci_share,
        by_residence=quartier is not None and quartier["basis"] == RESIDENCES,
    )
    return {
        "code": row["code"],
        "campaign_id": row["campaign_id"],
        "epci_siren": row["epci_siren"],
        "location": location,
        "location_label": LOCATION_LABELS[location],
        "grade": row["grade"],
        "peuplement": kind,
        "peuplement_label": labels[kind] if kind else None,
        "peuplement_colour": _COLOURS[kind] if kind else None,
        "rebalancing_need": need.level,
        "rebalancing_label": need.label,
        "rebalancing_reasons": need.reasons,
    }


def peuplement_rows(
    conn: Connection,
    campaign_id: int | None = None,
    epci: str | None = None,
    *,
    gate: Gate,
    codes: list[str] | None = None,
) -> list[dict]:
    """Target population type and rebalancing need of the residences whose agreed grade the
    gate shows the caller in the campaign (default: each EPCI's default one), or of those of
    them listed in `codes`. Both derive from
    grades: none for anonymous callers, none of a blind campaign but for its administrators.

    The concentration criterion of a residence uses its QPV's (or commune's) fragile share as
    the caller reads it among the quartier aggregates, when that unit has at least 11 graded
    residences, so that no reason reveals more than the aggregates do.
    """
    visible = gate.agreed(ca="camp")
    if visible.sql == "false":
        return []
    sql = PEUPLEMENT_SQL.format(visible=visible.sql, default_campaigns=DEFAULT_CAMPAIGNS_SQL)
    rows = conn.execute(
        text(sql), visible.bind({"campaign": campaign_id, "epci": epci, "codes": codes})
    )
    rows = [dict(row) for row in rows.mappings()]
    if not rows:
        return []
    units = {
        (level, row["campaign_id"], row["code"]): row
        for level, level_rows in unit_rows(conn, ("qpv", "commune"), campaign_id, gate=gate).items()
        for row in level_rows
    }
    labels: dict[str, dict[str, str]] = {}
    result = []
    for row in rows:
        siren = row["epci_siren"]
        if siren not in labels:
            labels[siren] = peuplement_labels(row["labels"])
        if row["qpv_code"] is not None:
            quartier = units.get(("qpv", row["campaign_id"], row["qpv_code"]))
        else:
            quartier = units.get(("commune", row["campaign_id"], row["commune_insee"]))
        result.append(_peuplement(row, labels[siren], quartier))
    result.sort(key=lambda row: (row["code"], row["campaign_id"]))
    return result


def peuplements_geojson(
    conn: Connection,
    campaign_id: int | None = None,
    epci: str | None = None,
    *,
    gate: Gate,
) -> bytes:
    """Residences with their peuplement type and rebalancing need, as GeoJSON."""
    rows = peuplement_rows(conn, campaign_id, epci, gate=gate)
    records, params = recordset(rows, _PEUPLEMENT_COLUMNS)
    sql = f"""
        SELECT p.code, r.name, b.name AS bailleur, r.commune_insee, c.name AS commune_name,
               r.epci_siren, r.nb_logements, r.qpv_code, q.name AS qpv_name,
               round(r.distance_qpv_m::numeric, 0) AS distance_qpv_m, r.near_qpv_300m,
               p.campaign_id, p.location, p.location_label, p.grade, p.peuplement,
               p.peuplement_label, p.peuplement_colour, p.rebalancing_need,
               p.rebalancing_label, p.rebalancing_reasons, r.is_demo, r.geom
        FROM {records}
        JOIN residence r ON r.code = p.code
        JOIN bailleur b ON b.id = r.bailleur_id
        JOIN commune c ON c.insee = r.commune_insee
        LEFT JOIN qpv q ON q.code = r.qpv_code
        ORDER BY r.code
    """
    return feature_collection(conn, sql, params)
