"""This campaign's agreed grade against the previous campaign of the same EPCI, as a map layer."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.layers import feature_collection

TRENDS = ("improved", "stable", "worsened", "new")
"""A higher grade is better (4 = vivre-ensemble équilibré); `new`: no previous agreed grade."""

TREND_LABELS = {
    "improved": "En amélioration",
    "stable": "Stable",
    "worsened": "En dégradation",
    "new": "Nouvelle note",
}


def comparison_geojson(
    conn: Connection, principal: Principal, campaign: Campaign, previous: Campaign | None
) -> bytes:
    """Residences of the caller's scope with `grade`, `previous_grade` and `trend`.

    `trend` is null while the residence has no agreed grade in this campaign; grades the caller
    may not read yet (grading still blind) are null.
    """
    scope = Gate(principal).residences()
    grade = "cr.agreed_grade" if campaign.access(principal).joint else "NULL::smallint"
    if previous is not None and previous.access(principal).joint:
        before = "pr.agreed_grade"
    else:
        before = "NULL::smallint"
    sql = f"""
        SELECT r.code, r.name, b.name AS bailleur, r.commune_insee, c.name AS commune_name,
               r.nb_logements, r.qpv_code, r.is_demo,
               {grade} AS grade, {before} AS previous_grade,
               CASE WHEN {grade} IS NULL THEN NULL
                    WHEN {before} IS NULL THEN 'new'
                    WHEN {grade} > {before} THEN 'improved'
                    WHEN {grade} = {before} THEN 'stable'
                    ELSE 'worsened' END AS trend,
               r.geom
        FROM campaign_residence cr
        JOIN residence r ON r.id = cr.residence_id
        JOIN bailleur b ON b.id = r.bailleur_id
        JOIN commune c ON c.insee = r.commune_insee
        LEFT JOIN campaign_residence pr
               ON pr.campaign_id = :previous AND pr.residence_id = cr.residence_id
        WHERE cr.campaign_id = :campaign AND {scope.sql}
        ORDER BY r.code
    """
    params = scope.bind({"campaign": campaign.id, "previous": previous.id if previous else None})
    return feature_collection(conn, sql, params)
