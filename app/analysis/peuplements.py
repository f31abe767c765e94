"""Residences with their target population type and rebalancing need (the peuplement layer).

Both derive from the agreed grades, so the gate decides whose residences appear: a residence
whose agreed grade the caller may not read is left out. The concentration criterion uses a QPV's
(or commune's) fragile share only when that unit has at least 11 graded residences.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import DEFAULT_CAMPAIGNS_SQL, Gate
from app.analysis.aggregates import FRAGILE_SQL, recordset
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
),
res AS (
    SELECT r.id, r.code, r.commune_insee, r.qpv_code, r.near_qpv_300m, r.nb_logements AS n,
           camp.id AS campaign_id, camp.epci_siren, cr.agreed_grade AS g, {visible} AS visible
    FROM camp
    JOIN campaign_residence cr ON cr.campaign_id = camp.id
    JOIN residence r ON r.id = cr.residence_id
    JOIN bailleur b ON b.id = r.bailleur_id
),
by_qpv AS (
    SELECT campaign_id, qpv_code, count(g) AS graded,
           sum(n) FILTER (WHERE g IN ({fragile}))::float
             / nullif(sum(n) FILTER (WHERE g IS NOT NULL), 0) AS share
    FROM res WHERE qpv_code IS NOT NULL GROUP BY campaign_id, qpv_code
),
by_commune AS (
    SELECT campaign_id, commune_insee, count(g) AS graded,
           sum(n) FILTER (WHERE g IN ({fragile}))::float
             / nullif(sum(n) FILTER (WHERE g IS NOT NULL), 0) AS share
    FROM res GROUP BY campaign_id, commune_insee
),
by_epci AS (
    SELECT campaign_id,
           sum(n) FILTER (WHERE g IN ({fragile}))::float
             / nullif(sum(n) FILTER (WHERE g IS NOT NULL), 0) AS share
    FROM res GROUP BY campaign_id
)
SELECT res.code, res.campaign_id, res.epci_siren, res.qpv_code IS NOT NULL AS in_qpv,
       res.near_qpv_300m, res.g AS grade,
       CASE WHEN res.qpv_code IS NOT NULL THEN q.share ELSE cm.share END AS quartier_share,
       CASE WHEN res.qpv_code IS NOT NULL THEN q.graded ELSE cm.graded END AS quartier_graded,
       e.share AS epci_share, COALESCE(p.peuplement_labels::jsonb, '{{}}') AS labels
FROM res
LEFT JOIN by_qpv q ON q.campaign_id = res.campaign_id AND q.qpv_code = res.qpv_code
LEFT JOIN by_commune cm ON cm.campaign_id = res.campaign_id AND cm.commune_insee = res.commune_insee
LEFT JOIN by_epci e ON e.campaign_id = res.campaign_id
LEFT JOIN epci_policy p ON p.epci_siren = res.epci_siren
WHERE res.visible AND (CAST(:codes AS text[]) IS NULL OR res.code = ANY(:codes))
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


def _peuplement(row: dict, labels: dict[str, str]) -> dict:
    location = location_of(row["in_qpv"], row["near_qpv_300m"])
    kind = peuplement_type(row["grade"], location)
    quartier_share = row["quartier_share"]
    if (row["quartier_graded"] or 0) < SECRECY_THRESHOLD:
        quartier_share = None
    need = residence_need(row["grade"], location, quartier_share, row["epci_share"])
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
    them listed in `codes`. Both derive from grades: none for anonymous callers, none of a
    blind campaign but for its administrators.

    The concentration criterion of a residence uses its QPV's (or commune's) fragile share only
    when that unit has at least 11 graded residences, so that no reason reveals a few grades.
    """
    visible = gate.agreed(ca="camp")
    if visible.sql == "false":
        return []
    sql = PEUPLEMENT_SQL.format(
        visible=visible.sql, fragile=FRAGILE_SQL, default_campaigns=DEFAULT_CAMPAIGNS_SQL
    )
    rows = conn.execute(
        text(sql), visible.bind({"campaign": campaign_id, "epci": epci, "codes": codes})
    )
    labels: dict[str, dict[str, str]] = {}
    result = []
    for row in rows.mappings():
        siren = row["epci_siren"]
        if siren not in labels:
            labels[siren] = peuplement_labels(row["labels"])
        result.append(_peuplement(dict(row), labels[siren]))
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
