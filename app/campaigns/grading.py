"""Each side's grade of a residence: saving one through the writer, and reading them as the
gate allows."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.campaigns.residences import residence_in_scope
from app.campaigns.service import Campaign
from app.campaigns.writer import GradeEntry, clean_note, write_one
from app.core.errors import Conflict
from app.layers import feature_collection


def record_grade(
    conn: Connection,
    principal: Principal,
    campaign: Campaign,
    code: str,
    side: str,
    value: object,
    comment: str | None,
    expected_version: int | None = None,
) -> dict:
    """Save one side's grade; the caller commits. A stale `expected_version` is refused with a
    409 once the refusal, part of the history, is committed."""
    outcome = write_one(
        conn, principal, campaign, side, GradeEntry(code, value, comment, expected_version)
    )
    if outcome.changed and not outcome.applied:
        conn.commit()
        raise Conflict(
            f"Conflit sur la résidence « {code} » : sa note a été modifiée entre-temps "
            f"(version actuelle {outcome.version}, version attendue {expected_version}). "
            f"Votre note {outcome.after} n'a pas été enregistrée ; rechargez puis saisissez "
            "à nouveau si besoin.",
            version=outcome.version,
        )
    return {
        "residence_code": code,
        "side": side,
        "value": outcome.after,
        "comment": clean_note(comment),
        "before": outcome.before,
        "version": outcome.version,
        "updated_at": outcome.at.isoformat() if outcome.at else None,
    }


def _grade_columns(gate: Gate) -> tuple[str, dict]:
    """Grade columns of `campaign_residence cr`, each blanked where the gate hides it."""
    commune, bailleur = gate.side("commune", ca="ca"), gate.side("bailleur", ca="ca")
    agreed = gate.agreed(ca="ca")
    sql = f"""
        CASE WHEN {commune.sql} THEN cr.commune_grade END AS commune_grade,
        CASE WHEN {commune.sql} THEN gc.comment END AS commune_comment,
        CASE WHEN {commune.sql} THEN gc.version END AS commune_version,
        CASE WHEN {bailleur.sql} THEN cr.bailleur_grade END AS bailleur_grade,
        CASE WHEN {bailleur.sql} THEN gb.comment END AS bailleur_comment,
        CASE WHEN {bailleur.sql} THEN gb.version END AS bailleur_version,
        CASE WHEN {agreed.sql} THEN cr.agreed_grade END AS agreed_grade,
        CASE WHEN {agreed.sql} THEN cr.divergent END AS divergent,
        CASE WHEN {agreed.sql} THEN cr.harmonised_grade END AS harmonised_grade,
        CASE WHEN {agreed.sql} THEN COALESCE(cr.harmonisation_version, 0) END
            AS harmonisation_version
    """
    return sql, commune.bind(bailleur.bind(agreed.params))


def _grades_sql(gate: Gate, campaign: Campaign) -> tuple[str, dict]:
    columns, params = _grade_columns(gate)
    scope = gate.residences()
    sql = f"""
        SELECT r.code, r.name, b.name AS bailleur, r.commune_insee, c.name AS commune_name,
               r.nb_logements, r.qpv_code, r.is_demo, {columns}, r.geom
        FROM campaign_residence cr
        JOIN campaign ca ON ca.id = cr.campaign_id
        JOIN residence r ON r.id = cr.residence_id
        JOIN bailleur b ON b.id = r.bailleur_id
        JOIN commune c ON c.insee = r.commune_insee
        LEFT JOIN grade gc ON gc.campaign_id = cr.campaign_id AND gc.residence_id = r.id
                          AND gc.side = 'commune'
        LEFT JOIN grade gb ON gb.campaign_id = cr.campaign_id AND gb.residence_id = r.id
                          AND gb.side = 'bailleur'
        WHERE cr.campaign_id = :campaign AND {scope.sql}
    """
    return sql, scope.bind({**params, "campaign": campaign.id})


def grades_geojson(conn: Connection, principal: Principal, campaign: Campaign) -> bytes:
    """The residences `principal` may see in the campaign, with the grades it may read."""
    sql, params = _grades_sql(Gate(principal), campaign)
    return feature_collection(conn, sql + " ORDER BY r.code", params)


def residence_grades(conn: Connection, principal: Principal, campaign: Campaign, code: str) -> dict:
    """The grades of one residence that `principal` may read (Forbidden outside its scope)."""
    gate = Gate(principal)
    residence_in_scope(conn, gate, campaign.epci_siren, campaign.name, code)
    sql, params = _grades_sql(gate, campaign)
    row = conn.execute(text(sql + " AND r.code = :code"), {**params, "code": code}).mappings()
    found = dict(row.one())
    found.pop("geom")
    return {**found, "visible_sides": list(campaign.access(principal).sides)}
