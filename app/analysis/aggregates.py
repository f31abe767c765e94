"""Quartier aggregates of a campaign (QPV, IRIS, commune, EPCI).

Aggregates are computed by PostGIS from the `campaign_residence` view (the one place of the
agreed grade); the rebalancing need and the target population type come from `geo/`.

Who sees what is the gate's answer (`app.access.gate`):

- campaigns: `Gate.aggregable` — a published campaign out of blind grading for anyone (publishing
  QPV figures also publishes commune and EPCI ones), the campaigns of every EPCI where a partner
  reads residences once out of blind grading, and a blind campaign for its administrators only;
- statistical secret (Cartographie OPS rule), for a unit where the caller may not read every
  residence's agreed grade (`Gate.agreed`): when fewer than 11 of its residences have an agreed
  grade, every figure derived from grades (mean grade, distribution, fragile and unqualified
  shares, rebalancing need) is hidden and `secret` is true; otherwise each class of the
  distribution counting 1 to 10 dwellings is hidden, and so is the fragile share when 1 to 10
  dwellings are fragile; the EPCI's fragile share used as reference follows the same rule. The
  rebalancing need is then computed from the figures shown. The stock counts (residences,
  dwellings: public in RPLS) stay.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import DEFAULT_CAMPAIGNS_SQL, Gate
from app.core.errors import Forbidden, InvalidParameter, NotAuthenticated, NotFound
from app.layers import feature_collection
from geo.allocation_rules import SECRECY_THRESHOLD, is_secret
from geo.grades import FRAGILE_GRADES, GRADES
from geo.rebalancing import quartier_need

LEVELS = ("qpv", "iris", "commune", "epci")

FRAGILE_SQL = ", ".join(str(g) for g in FRAGILE_GRADES)

_UNITS = {
    "qpv": """
        SELECT q.code, q.name, camp.id AS campaign_id, camp.epci_siren, q.geom
        FROM camp JOIN epci e ON e.siren = camp.epci_siren
        JOIN qpv q ON q.communes && ARRAY(SELECT c.insee FROM commune c
                                          WHERE c.epci_siren = camp.epci_siren)::varchar[]
                   OR (e.geom IS NOT NULL AND ST_Intersects(e.geom, ST_PointOnSurface(q.geom)))
                   OR EXISTS (SELECT 1 FROM residence r
                              WHERE r.qpv_code = q.code AND r.epci_siren = camp.epci_siren)
    """,
    "iris": """
        SELECT i.code, i.name, camp.id AS campaign_id, camp.epci_siren,
               ST_SimplifyPreserveTopology(i.geom, 0.00005) AS geom
        FROM camp JOIN commune c ON c.epci_siren = camp.epci_siren
        JOIN iris i ON i.commune_insee = c.insee
    """,
    "commune": """
        SELECT c.insee AS code, c.name, camp.id AS campaign_id, camp.epci_siren,
               ST_SimplifyPreserveTopology(c.geom, 0.0002) AS geom
        FROM camp JOIN commune c ON c.epci_siren = camp.epci_siren
    """,
    "epci": """
        SELECT e.siren AS code, e.name, camp.id AS campaign_id, camp.epci_siren,
               ST_SimplifyPreserveTopology(e.geom, 0.0003) AS geom
        FROM camp JOIN epci e ON e.siren = camp.epci_siren
    """,
}
_UNIT_OF_RESIDENCE = {
    "qpv": "r.qpv_code",
    "iris": "r.iris_code",
    "commune": "r.commune_insee",
    "epci": "r.epci_siren",
}

AGGREGATES_SQL = """
WITH camp AS ({campaigns}),
units AS ({units}),
res AS (
    SELECT cr.campaign_id, {unit_key} AS unit_code, r.nb_logements AS n,
           cr.agreed_grade AS g, r.qpv_code IS NOT NULL AS in_qpv, {visible} AS visible
    FROM camp
    JOIN campaign_residence cr ON cr.campaign_id = camp.id
    JOIN residence r ON r.id = cr.residence_id
    JOIN bailleur b ON b.id = r.bailleur_id
),
reference AS (
    SELECT campaign_id,
           sum(n) FILTER (WHERE g IN ({fragile}))::float
             / nullif(sum(n) FILTER (WHERE g IS NOT NULL), 0) AS share,
           count(g) AS graded, sum(n) FILTER (WHERE g IN ({fragile})) AS fragile,
           bool_and(visible) AS in_scope
    FROM res GROUP BY campaign_id
)
SELECT u.code, u.name, u.campaign_id, u.epci_siren,
       count(res.unit_code) AS nb_residences,
       count(res.g) AS nb_residences_graded,
       COALESCE(sum(res.n), 0) AS nb_logements,
       COALESCE(sum(res.n) FILTER (WHERE res.g IS NOT NULL), 0) AS nb_logements_graded,
       sum(res.n * res.g)::float / nullif(sum(res.n) FILTER (WHERE res.g IS NOT NULL), 0)
           AS mean_grade,
       {distribution},
       sum(res.n) FILTER (WHERE res.g IN ({fragile}))::float
           / nullif(sum(res.n) FILTER (WHERE res.g IS NOT NULL), 0) AS fragile_share,
       sum(res.n) FILTER (WHERE res.g IS NULL)::float / nullif(sum(res.n), 0)
           AS unqualified_share,
       sum(res.n) FILTER (WHERE res.in_qpv)::float / nullif(sum(res.n), 0) AS qpv_share,
       COALESCE(bool_and(res.visible), true) AS in_scope,
       min(CASE WHEN reference.in_scope OR (reference.graded >= {threshold}
                     AND reference.fragile NOT BETWEEN 1 AND {threshold} - 1)
                THEN reference.share END) AS epci_fragile_share
FROM units u
LEFT JOIN res ON res.campaign_id = u.campaign_id AND res.unit_code = u.code
LEFT JOIN reference ON reference.campaign_id = u.campaign_id
GROUP BY u.code, u.name, u.campaign_id, u.epci_siren
ORDER BY u.epci_siren, u.code
"""

GRADE_FIGURES = (
    "mean_grade",
    "grade_distribution",
    "fragile_share",
    "unqualified_share",
    "rebalancing_need",
    "rebalancing_label",
    "rebalancing_reasons",
)
"""What the statistical secret hides about a unit."""

_FEATURE_COLUMNS = (
    ("code", "text"),
    ("name", "text"),
    ("level", "text"),
    ("campaign_id", "int"),
    ("epci_siren", "text"),
    ("nb_residences", "int"),
    ("nb_residences_graded", "int"),
    ("nb_logements", "bigint"),
    ("nb_logements_graded", "bigint"),
    ("mean_grade", "float8"),
    ("grade_distribution", "jsonb"),
    ("fragile_share", "float8"),
    ("unqualified_share", "float8"),
    ("qpv_share", "float8"),
    ("epci_fragile_share", "float8"),
    ("rebalancing_need", "int"),
    ("rebalancing_label", "text"),
    ("rebalancing_reasons", "jsonb"),
    ("secret", "boolean"),
)


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise InvalidParameter(f"niveau « {level} » inconnu : attendu {', '.join(LEVELS)}.")
    return level


def campaigns_sql(level: str, campaign_id: int | None, gate: Gate) -> tuple[str, dict]:
    """The campaign asked, or each EPCI's default one (as on the map), among those whose
    aggregates the caller may compute."""
    aggregable = gate.aggregable(level, "c")
    sql = f"""
        SELECT c.id, c.epci_siren, c.status
        FROM campaign c
        WHERE (c.id = :campaign OR (CAST(:campaign AS int) IS NULL
                                    AND c.id IN (SELECT id FROM ({DEFAULT_CAMPAIGNS_SQL}) d)))
          AND {aggregable.sql}
    """
    return sql, aggregable.bind({"campaign": campaign_id})


def check_campaign(conn: Connection, campaign_id: int, level: str, gate: Gate) -> None:
    """Raise NotFound for an unknown campaign, 401/403 when the caller may not aggregate it."""
    exists = conn.execute(
        text("SELECT EXISTS (SELECT 1 FROM campaign WHERE id = :id)"), {"id": campaign_id}
    ).scalar_one()
    if not exists:
        raise NotFound(f"Campagne {campaign_id} introuvable.")
    sql, params = campaigns_sql(level, campaign_id, gate)
    if conn.execute(text(sql), params).first() is None:
        message = (
            f"Les agrégats de la campagne {campaign_id} au niveau « {level} » ne sont pas publiés."
        )
        if gate.principal is None:
            raise NotAuthenticated(message + " Connectez-vous pour les voir.")
        raise Forbidden(message + " Ils sont réservés aux partenaires de l'EPCI.")


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _finish(row: dict, level: str) -> dict:
    """Round, apply the statistical secret, then add the rebalancing need of what is shown."""
    distribution = {str(g): int(row.pop(f"g{g}")) for g in GRADES}
    in_scope = row.pop("in_scope")
    result = {
        **row,
        "level": level,
        "mean_grade": _rounded(row["mean_grade"], 3),
        "grade_distribution": distribution,
        "fragile_share": _rounded(row["fragile_share"], 4),
        "unqualified_share": _rounded(row["unqualified_share"], 4),
        "qpv_share": _rounded(row["qpv_share"], 4),
        "epci_fragile_share": _rounded(row["epci_fragile_share"], 4),
        "secret": False,
    }
    if not in_scope:
        if result["nb_residences_graded"] < SECRECY_THRESHOLD:
            result.update(dict.fromkeys(GRADE_FIGURES), nb_logements_graded=None, secret=True)
            return result
        result["grade_distribution"] = {
            g: (None if is_secret(count) else count) for g, count in distribution.items()
        }
        if is_secret(sum(distribution[str(g)] for g in FRAGILE_GRADES)):
            result["fragile_share"] = None
    need = quartier_need(
        result["mean_grade"],
        result["fragile_share"],
        result["epci_fragile_share"],
        result["qpv_share"],
    )
    result.update(
        rebalancing_need=need.level,
        rebalancing_label=need.label,
        rebalancing_reasons=need.reasons,
    )
    return result


def quartier_rows(
    conn: Connection, level: str, campaign_id: int | None = None, *, gate: Gate
) -> list[dict]:
    """One row per unit of `level` in the campaign (default: latest visible one of each EPCI).

    Keys: code, name, level, campaign_id, epci_siren, nb_residences, nb_residences_graded,
    nb_logements, nb_logements_graded, mean_grade (dwelling-weighted, among graded),
    grade_distribution ({"1": dwellings, …}), fragile_share (dwellings graded 1–2 among graded),
    unqualified_share (dwellings without agreed grade), qpv_share (dwellings inside a QPV),
    epci_fragile_share, rebalancing_need (0–2 or None), rebalancing_label, rebalancing_reasons,
    secret. Units without residence appear with zeros and nulls.
    """
    check_level(level)
    campaigns, params = campaigns_sql(level, campaign_id, gate)
    visible = gate.agreed(ca="camp")
    params = visible.bind(params)
    distribution = ",\n       ".join(
        f"COALESCE(sum(res.n) FILTER (WHERE res.g = {g}), 0) AS g{g}" for g in GRADES
    )
    sql = AGGREGATES_SQL.format(
        campaigns=campaigns,
        units=_UNITS[level],
        unit_key=_UNIT_OF_RESIDENCE[level],
        visible=visible.sql,
        fragile=FRAGILE_SQL,
        distribution=distribution,
        threshold=SECRECY_THRESHOLD,
    )
    rows = conn.execute(text(sql), params).mappings().all()
    return [_finish(dict(row), level) for row in rows]


def recordset(rows: list[dict], columns: tuple[tuple[str, str], ...]) -> tuple[str, dict]:
    """SQL reading `rows` back as a typed record set (param `:rows`), joined on `code`."""
    definition = ", ".join(f"{name} {kind}" for name, kind in columns)
    sql = f"jsonb_to_recordset(CAST(:rows AS jsonb)) AS p({definition})"
    return sql, {"rows": json.dumps([{n: row.get(n) for n, _ in columns} for row in rows])}


def quartier_features_sql(
    conn: Connection, level: str, campaign_id: int | None = None, *, gate: Gate
) -> tuple[str, dict]:
    """SQL of the rows of `quartier_rows` with their unit's outline (`geom`), and its params:
    the figures are computed (and hidden) here once, PostGIS only adds the geometry."""
    rows = quartier_rows(conn, level, campaign_id, gate=gate)
    records, params = recordset(rows, _FEATURE_COLUMNS)
    sql = f"""
        WITH camp AS (SELECT id, epci_siren FROM campaign WHERE id = ANY(:campaign_ids))
        SELECT p.*, u.geom
        FROM {records}
        JOIN ({_UNITS[level]}) u ON u.code = p.code AND u.campaign_id = p.campaign_id
        ORDER BY p.epci_siren, p.code
    """
    params["campaign_ids"] = sorted({row["campaign_id"] for row in rows})
    return sql, params


def quartiers_geojson(
    conn: Connection, level: str, campaign_id: int | None = None, *, gate: Gate
) -> bytes:
    """The rows of `quartier_rows` as a GeoJSON FeatureCollection (geometry built by PostGIS)."""
    return feature_collection(conn, *quartier_features_sql(conn, level, campaign_id, gate=gate))
