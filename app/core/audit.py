"""The audit log: who did what, when and from where, for every write.

Services call `record` in the writer's transaction, so an entry exists exactly when its write
does. Where the request came from is set once per request by the application's middleware
(`origin_of_request`); outside a request (command line, demo) it is « ligne de commande ».
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.sql import Condition

COMMAND_LINE = "ligne de commande"
_origin: ContextVar[str] = ContextVar("qualiparc_audit_origin", default=COMMAND_LINE)

ACTIONS = {
    "notes.saisie": "Notes d'un côté",
    "notes.harmonisation": "Notes harmonisées",
    "campagne.creation": "Création de campagne",
    "campagne.modification": "Modification de campagne",
    "reglages.modification": "Réglages de l'EPCI",
    "journee.plan": "Plan de la journée d'harmonisation",
    "journee.signature": "Signature du bilan de la journée d'harmonisation",
    "compte.creation": "Création de compte",
    "compte.mot_de_passe": "Changement de mot de passe",
    "compte.desactivation": "Désactivation de compte",
    "compte.reactivation": "Réactivation de compte",
    "jeton.creation": "Création de jeton d'API",
    "jeton.revocation": "Révocation de jeton d'API",
    "import.residences": "Import de résidences",
    "import.qpv": "Import de périmètres QPV",
    "import.iris": "Import de contours IRIS",
    "import.communes": "Import de communes",
    "import.territoire": "Import du référentiel",
    "import.epci": "Import d'EPCI",
    "import.attributions": "Import d'attributions",
    "import.vacances": "Import de logements vacants",
    "commission.vacance": "Logements vacants déclarés",
    "commission.decision": "Décision de la commission d'attribution",
    "commission.decision_annulee": "Décision de la commission annulée",
    "demonstration": "Chargement de la démonstration",
}
"""Every action the log knows, with its French label."""

INSERT = text(
    """
    INSERT INTO audit_log (actor_id, actor_label, origin, epci_siren, action, target, details)
    VALUES (:actor_id, :actor_label, :origin, :epci, :action, :target, CAST(:details AS jsonb))
    """
)


class AuditOriginMiddleware:
    """ASGI middleware: audit entries written while serving a request name its client's
    address."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        with origin_of_request(client[0] if client else "inconnue"):
            await self.app(scope, receive, send)


@contextmanager
def origin_of_request(origin: str) -> Iterator[None]:
    """Within the block, entries say they come from `origin` (a client address)."""
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)


def record(
    conn: Connection,
    action: str,
    *,
    actor_id: int | None,
    actor_label: str,
    epci_siren: str | None = None,
    target: str | None = None,
    details: Mapping[str, object] | None = None,
) -> None:
    """Append one entry to the log, in the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    conn.execute(
        INSERT,
        {
            "actor_id": actor_id,
            "actor_label": actor_label,
            "origin": _origin.get(),
            "epci": epci_siren,
            "action": action,
            "target": target,
            "details": json.dumps(dict(details or {}), ensure_ascii=False, default=str),
        },
    )


COLUMNS = (
    "id",
    "at",
    "actor",
    "origin",
    "epci_siren",
    "action",
    "action_label",
    "target",
    "details",
)

ENTRIES_SQL = """
    SELECT l.id, l.at, COALESCE(a.display_name, a.email, l.actor_label) AS actor, l.origin,
           l.epci_siren, l.action, l.target, l.details
    FROM audit_log l LEFT JOIN account a ON a.id = l.actor_id
    WHERE {readable}
      AND (CAST(:action AS text) IS NULL OR l.action = :action)
    ORDER BY l.id DESC
    LIMIT :limit OFFSET :offset
"""


def entries(
    conn: Connection,
    readable: Condition,
    *,
    action: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, object]]:
    """The newest entries the caller may read (`readable`, a condition on entry `l`)."""
    rows = conn.execute(
        text(ENTRIES_SQL.format(readable=readable.sql)),
        readable.bind({"action": action, "limit": limit, "offset": offset}),
    ).mappings()
    return [
        {**row, "at": row["at"].isoformat(), "action_label": ACTIONS.get(row["action"])}
        for row in rows
    ]
