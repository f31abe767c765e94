"""Quartier aggregates of a campaign (QPV, IRIS, commune, EPCI).

Aggregates are computed by PostGIS from the `campaign_residence` view (the one place of the
agreed grade); the rebalancing need and the target population type come from `geo/`.

Who sees what is the gate's answer (`app.access.gate`), then the statistical secret's:

- campaigns: `Gate.aggregable` — a published campaign out of blind grading for anyone (publishing
  QPV figures also publishes commune and EPCI ones), the campaigns of every EPCI where a partner
  reads residences once out of blind grading, and a blind campaign for its administrators only.
  By default each EPCI's latest campaign out of blind grading; for a visitor its latest closed
  one if any, the only one whose figures a visitor reads;
- a caller who reads every residence's agreed grade in the campaign (`Gate.agreed`) gets the exact
  figures, weighted by dwellings (`basis` « logements »);
- any other caller gets figures counted in residences (`basis` « résidences »): exact for a unit
  whose every residence it reads; otherwise what the unit's view of `geo.secrecy.protect`
  publishes (detail by grade, fragile share only, or nothing: `secret`), once the campaign is
  closed, and nothing from grades before (each decision would otherwise show as the difference
  between two readings). The views are computed once per campaign over all levels and are the same
  for every such caller, so that nothing is derived by combining levels, callers or exports. The
  stock counts (residences, dwellings, graded residences and dwellings, unqualified and QPV
  shares: public on the map) stay.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import DEFAULT_CAMPAIGNS_SQL, SHOWN_PHASES, Gate
from app.core.errors import Forbidden, InvalidParameter, NotAuthenticated, NotFound
from app.layers import feature_collection
from geo.grades import FRAGILE_GRADES, GRADES
from geo.rebalancing import quartier_need
from geo.secrecy import Graded, View, canonical, protect

LEVELS = ("qpv", "iris", "commune", "epci")

FRAGILE_SQL = ", ".join(str(g) for g in FRAGILE_GRADES)

DWELLINGS, RESIDENCES = "logements", "résidences"
"""The `basis` of a row's figures: weighted by dwellings (exact), or counted in residences."""
RELEASED_PHASE = "closed"
"""Figures from grades reach callers without rights on a unit only once its campaign is closed."""

PUBLIC_DEFAULT_CAMPAIGNS_SQL = f"""
    SELECT DISTINCT ON (dc.epci_siren) dc.id
    FROM campaign dc
    WHERE dc.status IN {SHOWN_PHASES!r}
    ORDER BY dc.epci_siren, dc.status = '{RELEASED_PHASE}' DESC, dc.year DESC, dc.id DESC
"""
"""A visitor's default campaign of each EPCI: its latest closed one, else the map's."""

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
           {epci_residences},
           bool_and(visible) AS whole
    FROM res GROUP BY campaign_id
)
SELECT u.code, u.name, u.campaign_id, u.epci_siren, camp.status,
       count(res.unit_code) AS nb_residences,
       count(res.g) AS nb_residences_graded,
       COALESCE(sum(res.n), 0) AS nb_logements,
       COALESCE(sum(res.n) FILTER (WHERE res.g IS NOT NULL), 0) AS nb_logements_graded,
       sum(res.n * res.g)::float / nullif(sum(res.n) FILTER (WHERE res.g IS NOT NULL), 0)
           AS mean_grade,
       {distribution},
       {residences},
       sum(res.n) FILTER (WHERE res.g IN ({fragile}))::float
           / nullif(sum(res.n) FILTER (WHERE res.g IS NOT NULL), 0) AS fragile_share,
       sum(res.n) FILTER (WHERE res.g IS NULL)::float / nullif(sum(res.n), 0)
           AS unqualified_share,
       sum(res.n) FILTER (WHERE res.in_qpv)::float / nullif(sum(res.n), 0) AS qpv_share,
       COALESCE(bool_and(res.visible), true) AS in_scope,
       min(reference.share) AS epci_fragile_share,
       {epci_columns},
       COALESCE(bool_and(reference.whole), true) AS whole
FROM units u
JOIN camp ON camp.id = u.campaign_id
LEFT JOIN res ON res.campaign_id = u.campaign_id AND res.unit_code = u.code
LEFT JOIN reference ON reference.campaign_id = u.campaign_id
GROUP BY u.code, u.name, u.campaign_id, u.epci_siren, camp.status
ORDER BY u.epci_siren, u.code
"""

GRADED_SQL = """
SELECT cr.campaign_id, cr.agreed_grade AS grade, r.epci_siren, r.commune_insee, r.iris_code,
       r.qpv_code, r.bailleur_id
FROM campaign_residence cr
JOIN residence r ON r.id = cr.residence_id
WHERE cr.campaign_id = ANY(:campaigns) AND cr.agreed_grade IS NOT NULL
"""
"""The graded residences of campaigns, with every unit holding them, for `geo.secrecy`."""

GRADE_FIGURES = (
    "mean_grade",
    "grade_distribution",
    "fragile_share",
    "rebalancing_need",
    "rebalancing_label",
    "rebalancing_reasons",
)
"""What the statistical secret hides about a unit (all of it when `secret`)."""

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
    ("basis", "text"),
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
    """The campaign asked, or each EPCI's default one (as on the map; for a visitor, its latest
    closed one), among those whose aggregates the caller may compute."""
    aggregable = gate.aggregable(level, "c")
    defaults = DEFAULT_CAMPAIGNS_SQL if gate.principal is not None else PUBLIC_DEFAULT_CAMPAIGNS_SQL
    sql = f"""
        SELECT c.id, c.epci_siren, c.status
        FROM campaign c
        WHERE (c.id = :campaign OR (CAST(:campaign AS int) IS NULL
                                    AND c.id IN (SELECT id FROM ({defaults}) d)))
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


def _ratio(part: int, whole: int, digits: int) -> float | None:
    return round(part / whole, digits) if whole else None


# --- The statistical secret ---------------------------------------------------------------------


def unit_key(level: str, code: str) -> str:
    """A unit as `geo.secrecy` names it."""
    return f"{level}:{code}"


@lru_cache(maxsize=32)
def _protected(residences: tuple[Graded, ...]) -> Mapping[str, View]:
    """`geo.secrecy.protect`, remembered: a closed campaign's grades no longer change."""
    return protect(residences)


def campaign_views(conn: Connection, campaign_ids: Iterable[int]) -> dict[int, Mapping[str, View]]:
    """The views of every unit of each campaign (`unit_key` → View), the same for every caller:
    the holders are the communes and landlords whose accounts read their residences' grades."""
    ids = sorted(set(campaign_ids))
    if not ids:
        return {}
    graded: dict[int, list[Graded]] = {campaign: [] for campaign in ids}
    for row in conn.execute(text(GRADED_SQL), {"campaigns": ids}).mappings():
        units = {
            unit_key("epci", row["epci_siren"]),
            unit_key("commune", row["commune_insee"]),
        }
        for level in ("iris", "qpv"):
            if row[f"{level}_code"]:
                units.add(unit_key(level, row[f"{level}_code"]))
        holders = frozenset({f"commune:{row['commune_insee']}", f"bailleur:{row['bailleur_id']}"})
        graded[row["campaign_id"]].append(Graded(row["grade"], frozenset(units), holders))
    return {campaign: _protected(canonical(residences)) for campaign, residences in graded.items()}


def _view(row: Mapping, level: str, views: Mapping[str, View] | None) -> View:
    """What a caller without rights on every residence of the campaign reads of a unit."""
    if row["in_scope"]:
        return View.DETAIL
    if views is None:
        return View.SECRET
    return views.get(unit_key(level, row["code"]), View.SECRET)


def _by_residence(counts: Mapping[int, int], view: View) -> dict:
    """Figures counted in residences, as much as `view` publishes."""
    total = sum(counts.values())
    fragile = sum(counts[g] for g in FRAGILE_GRADES)
    if total == 0:
        return {"mean_grade": None, "grade_distribution": dict.fromkeys(map(str, GRADES), 0)}
    if view is View.SECRET:
        return dict.fromkeys(GRADE_FIGURES) | {"secret": True}
    figures = {
        "fragile_share": _ratio(fragile, total, 4),
        "mean_grade": None,
        "grade_distribution": dict.fromkeys(map(str, GRADES)),
    }
    if view is View.DETAIL:
        figures["mean_grade"] = round(sum(g * counts[g] for g in GRADES) / total, 3)
        figures["grade_distribution"] = {str(g): counts[g] for g in GRADES}
    return figures


def _finish(row: dict, level: str, views: Mapping[str, View] | None) -> dict:
    """Round, apply the statistical secret, then add the rebalancing need of what is shown."""
    dwellings = {str(g): int(row.pop(f"g{g}")) for g in GRADES}
    residences = {g: int(row.pop(f"r{g}")) for g in GRADES}
    epci = {g: int(row.pop(f"e{g}") or 0) for g in GRADES}
    whole = row.pop("whole")
    result = {
        **row,
        "level": level,
        "basis": DWELLINGS,
        "mean_grade": _rounded(row["mean_grade"], 3),
        "grade_distribution": dwellings,
        "fragile_share": _rounded(row["fragile_share"], 4),
        "unqualified_share": _rounded(row["unqualified_share"], 4),
        "qpv_share": _rounded(row["qpv_share"], 4),
        "epci_fragile_share": _rounded(row["epci_fragile_share"], 4),
        "secret": False,
    }
    del result["in_scope"], result["status"]
    if not whole:
        result.update(basis=RESIDENCES, fragile_share=None, epci_fragile_share=None)
        result.update(_by_residence(residences, _view(row, level, views)))
        epci_view = _view({"in_scope": False, "code": row["epci_siren"]}, "epci", views)
        if epci_view is not View.SECRET and sum(epci.values()):
            fragile = sum(epci[g] for g in FRAGILE_GRADES)
            result["epci_fragile_share"] = _ratio(fragile, sum(epci.values()), 4)
        if result["secret"] or (result["mean_grade"] is None and result["nb_residences_graded"]):
            result.update(rebalancing_need=None, rebalancing_label=None, rebalancing_reasons=None)
            return result
    need = quartier_need(
        result["mean_grade"],
        result["fragile_share"],
        result["epci_fragile_share"],
        result["qpv_share"],
        by_residence=result["basis"] == RESIDENCES,
    )
    result.update(
        rebalancing_need=need.level,
        rebalancing_label=need.label,
        rebalancing_reasons=need.reasons,
    )
    return result


def unit_rows(
    conn: Connection, levels: Sequence[str], campaign_id: int | None = None, *, gate: Gate
) -> dict[str, list[dict]]:
    """`quartier_rows` of several levels, under one computation of the secret."""
    visible = gate.agreed(ca="camp")
    distribution = ",\n       ".join(
        f"COALESCE(sum(res.n) FILTER (WHERE res.g = {g}), 0) AS g{g}" for g in GRADES
    )
    residences = ",\n       ".join(f"count(*) FILTER (WHERE res.g = {g}) AS r{g}" for g in GRADES)
    raw = {}
    for level in levels:
        campaigns, params = campaigns_sql(check_level(level), campaign_id, gate)
        sql = AGGREGATES_SQL.format(
            campaigns=campaigns,
            units=_UNITS[level],
            unit_key=_UNIT_OF_RESIDENCE[level],
            visible=visible.sql,
            fragile=FRAGILE_SQL,
            distribution=distribution,
            residences=residences,
            epci_residences=", ".join(f"count(*) FILTER (WHERE g = {g}) AS e{g}" for g in GRADES),
            epci_columns=", ".join(f"min(reference.e{g}) AS e{g}" for g in GRADES),
        )
        rows = conn.execute(text(sql), visible.bind(params)).mappings()
        raw[level] = [dict(row) for row in rows]
    released = {
        row["campaign_id"]
        for rows in raw.values()
        for row in rows
        if not row["whole"] and row["status"] == RELEASED_PHASE
    }
    views = campaign_views(conn, released)
    return {
        level: [_finish(row, level, views.get(row["campaign_id"])) for row in rows]
        for level, rows in raw.items()
    }


def quartier_rows(
    conn: Connection, level: str, campaign_id: int | None = None, *, gate: Gate
) -> list[dict]:
    """One row per unit of `level` in the campaign (default: latest visible one of each EPCI).

    Keys: code, name, level, campaign_id, epci_siren, nb_residences, nb_residences_graded,
    nb_logements, nb_logements_graded, basis (`logements` or `résidences`: how the grade figures
    count), mean_grade (among graded), grade_distribution ({"1": dwellings or residences, …}),
    fragile_share (graded 1–2 among graded), unqualified_share (dwellings without agreed grade),
    qpv_share (dwellings inside a QPV), epci_fragile_share, rebalancing_need (0–2 or None),
    rebalancing_label, rebalancing_reasons, secret. Units without residence appear with zeros
    and nulls; a figure the statistical secret hides is null.
    """
    return unit_rows(conn, (check_level(level),), campaign_id, gate=gate)[level]


def recordset(rows: list[dict], columns: tuple[tuple[str, str], ...]) -> tuple[str, dict]:
    """SQL reading `rows` back as a typed record set (param `:rows`), joined on `code`."""
    definition = ", ".join(f"{name} {kind}" for name, kind in columns)
    sql = f"jsonb_to_recordset(CAST(:rows AS jsonb)) AS p({definition})"
    return sql, {"rows": json.dumps([{n: row.get(n) for n, _ in columns} for row in rows])}


def quartiers_geojson(
    conn: Connection, level: str, campaign_id: int | None = None, *, gate: Gate
) -> bytes:
    """The rows of `quartier_rows` as a GeoJSON FeatureCollection (geometry built by PostGIS)."""
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
    return feature_collection(conn, sql, params)
