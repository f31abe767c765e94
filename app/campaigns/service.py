"""Campaigns of an EPCI: who sees them, who runs them, and the one-way walk of their status."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from app.access.gate import PHASES, CampaignAccess, Gate, administers
from app.auth.principal import Principal
from app.core import events
from app.core.audit import record
from app.core.errors import Conflict, Forbidden, InvalidParameter, NotFound
from geo.codes import siren_problem
from geo.grades import GradeError, GradeScale

STATUSES = PHASES
STATUS_LABELS = {
    "preparation": "Préparation",
    "grading": "Notation",
    "harmonisation": "Harmonisation",
    "closed": "Clôturée",
}
NEXT_STATUS = dict(itertools.pairwise(STATUSES))
"""A campaign only moves forward, one step at a time."""
PUBLISHED_LEVELS = ("epci", "commune", "qpv", "iris")
YEARS = range(2000, 2101)

CAMPAIGN_SQL = """
    SELECT ca.id, ca.epci_siren, e.name AS epci_name, ca.name, ca.year, ca.status,
           ca.scale_labels, ca.divergence_threshold, ca.published_level, ca.created_at,
           (SELECT p.id FROM campaign p
             WHERE p.epci_siren = ca.epci_siren AND (p.year, p.id) < (ca.year, ca.id)
             ORDER BY p.year DESC, p.id DESC LIMIT 1) AS previous_id
    FROM campaign ca JOIN epci e ON e.siren = ca.epci_siren
"""


@dataclass(frozen=True)
class Campaign:
    id: int
    epci_siren: str
    epci_name: str
    name: str
    year: int
    status: str
    scale_labels: dict
    divergence_threshold: int
    published_level: str | None
    created_at: datetime
    previous_id: int | None

    @property
    def scale(self) -> GradeScale:
        return GradeScale.from_json(self.scale_labels)

    def access(self, principal: Principal | None) -> CampaignAccess:
        """What `principal` may read of this campaign in its current phase (the gate's answer)."""
        return CampaignAccess(principal, self.epci_siren, self.status)

    def to_json(self, principal: Principal) -> dict:
        access = self.access(principal)
        return {
            "id": self.id,
            "epci": self.epci_siren,
            "epci_name": self.epci_name,
            "name": self.name,
            "year": self.year,
            "status": self.status,
            "status_label": STATUS_LABELS[self.status],
            "next_status": NEXT_STATUS.get(self.status),
            "scale_labels": {str(g): label for g, label in self.scale.labels.items()},
            "legend": self.scale.legend(),
            "divergence_threshold": self.divergence_threshold,
            "published_level": self.published_level,
            "created_at": self.created_at.isoformat(),
            "previous_campaign_id": self.previous_id,
            "permissions": {
                "administer": access.administers,
                "grade_sides": list(access.grading_sides),
                "visible_sides": list(access.sides),
                "joint_visible": access.joint,
            },
        }


def _campaign(row: Mapping) -> Campaign:
    return Campaign(**{k: row[k] for k in Campaign.__dataclass_fields__})


def load_campaign(conn: Connection, principal: Principal, campaign_id: int) -> Campaign:
    """The campaign if `principal` may see it (NotFound if it does not exist, else Forbidden)."""
    visible = Gate(principal).campaigns("ca")
    row = (
        conn.execute(
            text(
                f"SELECT ca.*, {visible.sql} AS visible FROM ({CAMPAIGN_SQL} WHERE ca.id = :id) ca"
            ),
            visible.bind({"id": campaign_id}),
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"Campagne {campaign_id} introuvable.")
    if not row["visible"]:
        raise Forbidden("Cette campagne ne concerne pas votre périmètre.")
    return _campaign(row)


def get_campaign(conn: Connection, campaign_id: int) -> Campaign:
    """The campaign whatever the caller (command line, imports): NotFound if it does not exist."""
    row = conn.execute(text(f"{CAMPAIGN_SQL} WHERE ca.id = :id"), {"id": campaign_id}).mappings()
    found = row.one_or_none()
    if found is None:
        raise NotFound(f"Campagne {campaign_id} introuvable.")
    return _campaign(found)


def find_campaign(conn: Connection, reference: str) -> Campaign:
    """A campaign named by its id or by its name (unique across EPCI, else give the id)."""
    reference = reference.strip()
    if reference.isdigit():
        return get_campaign(conn, int(reference))
    ids = (
        conn.execute(
            text("SELECT id FROM campaign WHERE lower(name) = lower(:name) ORDER BY id"),
            {"name": reference},
        )
        .scalars()
        .all()
    )
    if not ids:
        raise NotFound(f"Aucune campagne nommée « {reference} ».")
    if len(ids) > 1:
        raise InvalidParameter(
            f"Plusieurs campagnes se nomment « {reference} » (identifiants "
            f"{', '.join(map(str, ids))}) : indiquez l'identifiant."
        )
    return get_campaign(conn, ids[0])


def list_campaigns(conn: Connection, principal: Principal) -> list[Campaign]:
    """The campaigns `principal` may see, the latest first."""
    visible = Gate(principal).campaigns("ca")
    rows = conn.execute(
        text(
            f"SELECT * FROM ({CAMPAIGN_SQL}) ca WHERE {visible.sql}"
            " ORDER BY ca.year DESC, ca.id DESC"
        ),
        visible.bind(),
    ).mappings()
    return [_campaign(row) for row in rows]


def require_administrator(principal: Principal, epci_siren: str) -> None:
    if not administers(principal, epci_siren):
        raise Forbidden("Seul un administrateur de l'EPCI peut gérer ses campagnes.")


def create_campaign(
    conn: Connection, principal: Principal, epci: str, name: str, year: int
) -> Campaign:
    """A new campaign in preparation, created by an administrator of `epci`."""
    epci, name = epci.strip(), name.strip()
    if problem := siren_problem(epci):
        raise InvalidParameter(problem)
    if not conn.execute(text("SELECT 1 FROM epci WHERE siren = :s"), {"s": epci}).first():
        raise NotFound(f"EPCI {epci} inconnu du référentiel chargé.")
    require_administrator(principal, epci)
    if not name:
        raise InvalidParameter("Le nom de la campagne est obligatoire (ex. « MEL 2026 »).")
    if year not in YEARS:
        raise InvalidParameter(f"Année {year} invalide (attendu entre 2000 et 2100).")
    try:
        with conn.begin_nested():
            campaign_id = conn.execute(
                text(
                    "INSERT INTO campaign (epci_siren, name, year) VALUES (:epci, :name, :year)"
                    " RETURNING id"
                ),
                {"epci": epci, "name": name, "year": year},
            ).scalar_one()
    except IntegrityError:
        raise Conflict(f"Une campagne « {name} » existe déjà pour cet EPCI.") from None
    record(
        conn,
        "campagne.creation",
        actor_id=principal.id,
        actor_label=principal.label,
        epci_siren=epci,
        target=f"campagne {campaign_id} « {name} »",
        details={"annee": year},
    )
    return load_campaign(conn, principal, campaign_id)


@dataclass
class CampaignChanges:
    """What a PATCH may change; None leaves a field as it is (`published_level`: see `fields`)."""

    status: str | None = None
    scale_labels: dict[str, str] | None = None
    divergence_threshold: int | None = None
    published_level: str | None = None
    fields: frozenset[str] = frozenset()
    """The fields the caller sent (so that `published_level: null` unpublishes)."""


def update_campaign(
    conn: Connection, principal: Principal, campaign_id: int, changes: CampaignChanges
) -> Campaign:
    campaign = load_campaign(conn, principal, campaign_id)
    require_administrator(principal, campaign.epci_siren)
    updates: dict[str, object] = {}
    if changes.status is not None and changes.status != campaign.status:
        if changes.status not in STATUSES:
            raise InvalidParameter(f"Statut « {changes.status} » inconnu : {', '.join(STATUSES)}.")
        if NEXT_STATUS.get(campaign.status) != changes.status:
            raise Conflict(
                f"Passage de « {STATUS_LABELS[campaign.status]} » à "
                f"« {STATUS_LABELS[changes.status]} » impossible : une campagne avance d'une "
                "étape à la fois (préparation → notation → harmonisation → clôturée)."
            )
        updates["status"] = changes.status
    if changes.scale_labels is not None:
        try:
            scale = GradeScale.from_json(changes.scale_labels)
        except (GradeError, ValueError) as exc:
            raise InvalidParameter(f"Libellés de l'échelle invalides : {exc}.") from None
        updates["scale_labels"] = {str(g): label for g, label in scale.labels.items()}
    if changes.divergence_threshold is not None:
        if changes.divergence_threshold not in (1, 2, 3):
            raise InvalidParameter("Le seuil de divergence est un écart de 1, 2 ou 3 points.")
        updates["divergence_threshold"] = changes.divergence_threshold
    if "published_level" in changes.fields:
        if changes.published_level not in (None, *PUBLISHED_LEVELS):
            raise InvalidParameter(
                f"Niveau de publication « {changes.published_level} » inconnu : "
                f"{', '.join(PUBLISHED_LEVELS)} ou null (rien de publié)."
            )
        updates["published_level"] = changes.published_level
    if not updates:
        return campaign
    if "scale_labels" in updates:
        updates["scale_labels"] = json.dumps(updates["scale_labels"], ensure_ascii=False)
    assignments = ", ".join(
        f"{key} = CAST(:{key} AS json)" if key == "scale_labels" else f"{key} = :{key}"
        for key in updates
    )
    conn.execute(
        text(f"UPDATE campaign SET {assignments} WHERE id = :id"), {**updates, "id": campaign.id}
    )
    record(
        conn,
        "campagne.modification",
        actor_id=principal.id,
        actor_label=principal.label,
        epci_siren=campaign.epci_siren,
        target=f"campagne {campaign.id} « {campaign.name} »",
        details={"avant": {key: getattr(campaign, key) for key in updates}, "apres": updates},
    )
    if "status" in updates:
        events.publish(conn, campaign.id, {"type": "status", "status": updates["status"]})
    return load_campaign(conn, principal, campaign.id)
