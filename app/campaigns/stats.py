"""Campaign figures computed by PostgreSQL from the `campaign_residence` view.

Coverage is the share of dwellings graded by both sides; the divergence rate is the share of the
residences graded by both sides whose grades diverge (the MEL reached 70 % and 20 %).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import CampaignAccess, Gate
from app.auth.principal import Principal
from app.campaigns.service import Campaign

FIGURES = """
    count(*) AS residences_total,
    COALESCE(sum(r.nb_logements), 0) AS dwellings_total,
    count(*) FILTER (WHERE cr.commune_grade IS NOT NULL) AS graded_commune,
    count(*) FILTER (WHERE cr.bailleur_grade IS NOT NULL) AS graded_bailleur,
    count(*) FILTER (WHERE num_nonnulls(cr.commune_grade, cr.bailleur_grade) = 1)
        AS graded_one_side,
    count(*) FILTER (WHERE num_nonnulls(cr.commune_grade, cr.bailleur_grade) = 2) AS graded_both,
    count(*) FILTER (WHERE cr.divergent) AS divergent,
    count(*) FILTER (WHERE cr.harmonised_grade IS NOT NULL) AS harmonised,
    count(*) FILTER (WHERE cr.divergent AND cr.harmonised_grade IS NULL) AS divergent_pending,
    COALESCE(sum(r.nb_logements)
        FILTER (WHERE num_nonnulls(cr.commune_grade, cr.bailleur_grade) = 1), 0)
        AS dwellings_graded_one_side,
    COALESCE(sum(r.nb_logements)
        FILTER (WHERE num_nonnulls(cr.commune_grade, cr.bailleur_grade) = 2), 0)
        AS dwellings_graded_both,
    COALESCE(sum(r.nb_logements) FILTER (WHERE cr.divergent), 0) AS dwellings_divergent,
    round(100.0 * COALESCE(sum(r.nb_logements)
        FILTER (WHERE num_nonnulls(cr.commune_grade, cr.bailleur_grade) = 2), 0)
        / NULLIF(sum(r.nb_logements), 0), 1)::float8 AS coverage_dwellings_pct,
    round(100.0 * count(*) FILTER (WHERE cr.divergent)
        / NULLIF(count(*) FILTER (WHERE num_nonnulls(cr.commune_grade, cr.bailleur_grade) = 2),
                 0), 1)::float8 AS divergence_pct,
    json_build_object(
        '1', count(*) FILTER (WHERE cr.agreed_grade = 1),
        '2', count(*) FILTER (WHERE cr.agreed_grade = 2),
        '3', count(*) FILTER (WHERE cr.agreed_grade = 3),
        '4', count(*) FILTER (WHERE cr.agreed_grade = 4),
        'none', count(*) FILTER (WHERE cr.agreed_grade IS NULL)) AS agreed_by_grade
"""

STOCK_FIGURES = ("residences_total", "dwellings_total")
"""Figures about the stock only, shown to every caller of its scope."""
SIDE_FIGURES = {"commune": ("graded_commune",), "bailleur": ("graded_bailleur",)}
"""The progress of one side: while grading is blind, a side reads its own progress only."""

BREAKDOWNS = {
    "total": ("", "", ""),
    "by_commune": (
        "r.commune_insee AS code, c.name,",
        "GROUP BY r.commune_insee, c.name",
        "ORDER BY c.name, r.commune_insee",
    ),
    "by_bailleur": (
        "b.id, b.name, b.siren,",
        "GROUP BY b.id, b.name, b.siren",
        "ORDER BY b.name",
    ),
}


def _query(key: str, scope: str) -> str:
    columns, group, order = BREAKDOWNS[key]
    return f"""
        SELECT {columns} {FIGURES}
        FROM campaign_residence cr
        JOIN residence r ON r.id = cr.residence_id
        JOIN bailleur b ON b.id = r.bailleur_id
        JOIN commune c ON c.insee = r.commune_insee
        WHERE cr.campaign_id = :campaign AND {scope}
        {group} {order}
    """


def shown_figures(access: CampaignAccess) -> frozenset[str] | None:
    """The figures the caller reads (None: all of them, both sides being readable)."""
    if access.joint:
        return None
    return frozenset(STOCK_FIGURES).union(*(SIDE_FIGURES[side] for side in access.sides))


def campaign_stats(conn: Connection, principal: Principal, campaign: Campaign) -> dict:
    """Figures of the residences `principal` may see: in total, by commune and by landlord.
    While grading is blind, a side reads the stock and its own progress, nothing more."""
    scope = Gate(principal).residences()
    params = scope.bind({"campaign": campaign.id})
    shown = shown_figures(campaign.access(principal))
    labels = {"code", "name", "id", "siren"}

    def run(key: str) -> list[dict]:
        rows = conn.execute(text(_query(key, scope.sql)), params).mappings()
        return [
            {k: (v if shown is None or k in shown or k in labels else None) for k, v in row.items()}
            for row in rows
        ]

    return {
        "campaign_id": campaign.id,
        "status": campaign.status,
        **run("total")[0],
        "by_commune": run("by_commune"),
        "by_bailleur": run("by_bailleur"),
    }
