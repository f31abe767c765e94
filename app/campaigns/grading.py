"""Each side's grade of a residence: who may give it, when, and who may read it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app import events
from app.auth.principal import Principal
from app.auth.roles import Role
from app.campaigns.service import Campaign, joint_visible, visible_sides
from app.errors import Forbidden, InvalidParameter, NotFound
from app.layers import feature_collection
from geo.grades import GRADES, SIDE_LABELS, SIDES

COMMENT_MAX = 2000


@dataclass(frozen=True)
class ResidenceRef:
    """What the permission rules need to know of a residence."""

    id: int
    code: str
    name: str
    commune_insee: str
    commune_name: str
    epci_siren: str | None
    bailleur: str
    bailleur_siren: str | None


def find_residence(conn: Connection, code: str) -> ResidenceRef:
    row = (
        conn.execute(
            text(
                "SELECT r.id, r.code, r.name, r.commune_insee, c.name AS commune_name,"
                " r.epci_siren, b.name AS bailleur, b.siren AS bailleur_siren"
                " FROM residence r JOIN bailleur b ON b.id = r.bailleur_id"
                " JOIN commune c ON c.insee = r.commune_insee WHERE r.code = :code"
            ),
            {"code": code},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"Résidence « {code} » introuvable.")
    return ResidenceRef(**row)


def residence_in_campaign(conn: Connection, campaign: Campaign, code: str) -> ResidenceRef:
    """A residence of the campaign's EPCI (NotFound otherwise)."""
    residence = find_residence(conn, code)
    if residence.epci_siren != campaign.epci_siren:
        raise NotFound(
            f"La résidence « {code} » n'est pas dans le territoire de la campagne "
            f"« {campaign.name} »."
        )
    return residence


def campaign_residence(
    conn: Connection, principal: Principal, campaign: Campaign, code: str
) -> ResidenceRef:
    """A residence of the campaign's EPCI that `principal` may see (Forbidden otherwise)."""
    residence = residence_in_campaign(conn, campaign, code)
    if not principal.may_see_residence(conn, code):
        raise Forbidden(f"La résidence « {code} » est hors de votre périmètre.")
    return residence


def grading_refusal(principal: Principal, residence: ResidenceRef, side: str) -> str | None:
    """Why `principal` may not give the `side` grade of `residence` (None: it may)."""
    if principal.role is Role.ADMIN:
        if principal.administers(residence.epci_siren or ""):
            return None
        return "Vous n'administrez pas l'EPCI de cette résidence."
    if principal.grading_side is None:
        return "Votre rôle permet de consulter, pas de noter."
    if side != principal.grading_side:
        return (
            f"Un compte {SIDE_LABELS[principal.grading_side].lower()} saisit la note "
            f"{'de la commune' if principal.grading_side == 'commune' else 'du bailleur'}, "
            f"pas celle {'du bailleur' if side == 'bailleur' else 'de la commune'}."
        )
    if principal.role is Role.COMMUNE and residence.commune_insee not in principal.scope("commune"):
        return (
            f"La résidence « {residence.code} » est à {residence.commune_name}, "
            "hors de vos communes."
        )
    if principal.role is Role.BAILLEUR and not (
        {residence.bailleur, residence.bailleur_siren} & principal.scope("bailleur")
    ):
        return (
            f"La résidence « {residence.code} » appartient à {residence.bailleur}, "
            "pas à votre organisme."
        )
    return None


def check_grading_open(campaign: Campaign) -> None:
    if campaign.status != "grading":
        raise Forbidden(
            f"La campagne « {campaign.name} » n'est pas en phase de notation : les notes se "
            "saisissent seulement pendant cette phase."
        )


def check_grade(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in GRADES:
        raise InvalidParameter(f"Note « {value} » invalide : attendu 1, 2, 3 ou 4.")
    return value


def clean_comment(comment: str | None) -> str | None:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidParameter(
            f"Commentaire trop long ({len(comment)} caractères, {COMMENT_MAX} au plus)."
        )
    return comment or None


def actor_label(principal: Principal) -> str:
    return principal.display_name or principal.email


RECORD_GRADE = text(
    """
    WITH previous AS (
        SELECT value FROM grade
        WHERE campaign_id = :campaign AND residence_id = :residence AND side = :side
    ), saved AS (
        INSERT INTO grade (campaign_id, residence_id, side, value, comment, updated_by)
        VALUES (:campaign, :residence, :side, :value, :comment, :actor)
        ON CONFLICT (campaign_id, residence_id, side) DO UPDATE
        SET value = EXCLUDED.value, comment = EXCLUDED.comment,
            updated_by = EXCLUDED.updated_by, updated_at = now()
        RETURNING updated_at
    )
    INSERT INTO grade_event (campaign_id, residence_id, kind, before, after, note, actor_id,
                             actor_label)
    SELECT :campaign, :residence, :side, (SELECT value FROM previous), :value, :comment,
           :actor, :label
    FROM saved
    RETURNING before, at
    """
)


def record_grade(
    conn: Connection,
    principal: Principal,
    campaign: Campaign,
    code: str,
    side: str,
    value: object,
    comment: str | None,
) -> dict:
    """Save one side's grade, keep it in the history and tell the campaign's screens."""
    if side not in SIDES:
        raise InvalidParameter(f"Côté « {side} » inconnu : « commune » ou « bailleur ».")
    value = check_grade(value)
    comment = clean_comment(comment)
    residence = residence_in_campaign(conn, campaign, code)
    refusal = grading_refusal(principal, residence, side)
    if refusal:
        raise Forbidden(refusal)
    check_grading_open(campaign)
    row = conn.execute(
        RECORD_GRADE,
        {
            "campaign": campaign.id,
            "residence": residence.id,
            "side": side,
            "value": value,
            "comment": comment,
            "actor": principal.id,
            "label": actor_label(principal),
        },
    ).one()
    events.publish(conn, campaign.id, {"type": "grade", "residence_code": code, "side": side})
    return {
        "residence_code": code,
        "side": side,
        "value": value,
        "comment": comment,
        "before": row.before,
        "updated_at": row.at.isoformat(),
    }


def _grade_columns(principal: Principal, campaign: Campaign) -> tuple[str, dict]:
    """Grade columns of `campaign_residence cr`, blanked where the caller may not look yet."""
    sides = visible_sides(principal, campaign)
    params = {
        "see_commune": "commune" in sides,
        "see_bailleur": "bailleur" in sides,
        "see_joint": joint_visible(principal, campaign),
    }
    sql = """
        CASE WHEN :see_commune THEN cr.commune_grade END AS commune_grade,
        CASE WHEN :see_commune THEN gc.comment END AS commune_comment,
        CASE WHEN :see_bailleur THEN cr.bailleur_grade END AS bailleur_grade,
        CASE WHEN :see_bailleur THEN gb.comment END AS bailleur_comment,
        CASE WHEN :see_joint THEN cr.agreed_grade END AS agreed_grade,
        CASE WHEN :see_joint THEN cr.divergent END AS divergent,
        CASE WHEN :see_joint THEN cr.harmonised_grade END AS harmonised_grade,
        COALESCE(cr.harmonisation_version, 0) AS harmonisation_version
    """
    return sql, params


def _grades_sql(principal: Principal, campaign: Campaign) -> tuple[str, dict]:
    columns, params = _grade_columns(principal, campaign)
    clause, scope_params = principal.residence_clause()
    sql = f"""
        SELECT r.code, r.name, b.name AS bailleur, r.commune_insee, c.name AS commune_name,
               r.nb_logements, r.qpv_code, r.is_demo, {columns}, r.geom
        FROM campaign_residence cr
        JOIN residence r ON r.id = cr.residence_id
        JOIN bailleur b ON b.id = r.bailleur_id
        JOIN commune c ON c.insee = r.commune_insee
        LEFT JOIN grade gc ON gc.campaign_id = cr.campaign_id AND gc.residence_id = r.id
                          AND gc.side = 'commune'
        LEFT JOIN grade gb ON gb.campaign_id = cr.campaign_id AND gb.residence_id = r.id
                          AND gb.side = 'bailleur'
        WHERE cr.campaign_id = :campaign AND {clause}
    """
    return sql, {**params, **scope_params, "campaign": campaign.id}


def grades_geojson(conn: Connection, principal: Principal, campaign: Campaign) -> bytes:
    """The residences `principal` may see in the campaign, with the grades it may read."""
    sql, params = _grades_sql(principal, campaign)
    return feature_collection(conn, sql + " ORDER BY r.code", params)


def residence_grades(conn: Connection, principal: Principal, campaign: Campaign, code: str) -> dict:
    """The grades of one residence that `principal` may read (Forbidden outside its scope)."""
    campaign_residence(conn, principal, campaign, code)
    sql, params = _grades_sql(principal, campaign)
    row = conn.execute(text(sql + " AND r.code = :code"), {**params, "code": code}).mappings()
    found = dict(row.one())
    found.pop("geom")
    return {**found, "visible_sides": list(visible_sides(principal, campaign))}
