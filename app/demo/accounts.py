"""One demo account per role, scoped to the demo territory, with generated passwords."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.accounts import create_account
from app.auth.passwords import new_password

PREFERRED_EPCI = "200093201"
"""The Métropole Européenne de Lille, when its demo is loaded."""
EMAIL_DOMAIN = "qualiparc.example"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    scope: str
    """The scope in words, for the table the demo command prints."""
    password: str | None
    """None when the account already existed (its password is left alone)."""


def _demo_territory(conn: Connection) -> dict | None:
    """The EPCI, its three most populous communes with residences, and its largest landlord."""
    epci = conn.execute(
        text(
            "SELECT e.siren, e.name FROM epci e JOIN residence r ON r.epci_siren = e.siren"
            " GROUP BY e.siren, e.name ORDER BY (e.siren = :preferred) DESC, count(*) DESC"
            " LIMIT 1"
        ),
        {"preferred": PREFERRED_EPCI},
    ).one_or_none()
    if epci is None:
        return None
    communes = conn.execute(
        text(
            "SELECT c.insee, c.name FROM commune c WHERE c.epci_siren = :epci"
            " AND EXISTS (SELECT 1 FROM residence r WHERE r.commune_insee = c.insee)"
            " ORDER BY c.population DESC NULLS LAST, c.insee LIMIT 3"
        ),
        {"epci": epci.siren},
    ).all()
    landlord = conn.execute(
        text(
            "SELECT b.name FROM bailleur b JOIN residence r ON r.bailleur_id = b.id"
            " WHERE r.epci_siren = :epci GROUP BY b.id, b.name ORDER BY count(*) DESC, b.name"
            " LIMIT 1"
        ),
        {"epci": epci.siren},
    ).scalar_one()
    return {"epci": epci, "communes": communes, "landlord": landlord}


def create_demo_accounts(conn: Connection) -> list[DemoAccount]:
    """Create the demo accounts (admin, commune, several communes, landlord, élu, reader)."""
    territory = _demo_territory(conn)
    if territory is None:
        return []
    epci, communes, landlord = territory["epci"], territory["communes"], territory["landlord"]
    main, others = communes[0], communes[1:] or communes[:1]
    plans = [
        ("admin", "admin", [epci.siren], f"EPCI {epci.name}", f"Administrateur {epci.name}"),
        ("commune", "commune", [main.insee], f"Commune {main.name}", f"Commune de {main.name}"),
        (
            "communes",
            "commune",
            [c.insee for c in others],
            "Communes " + ", ".join(c.name for c in others),
            "Communes " + " et ".join(c.name for c in others),
        ),
        ("bailleur", "bailleur", [landlord], f"Bailleur {landlord}", landlord),
        ("elu", "elu", [main.insee], f"Commune {main.name}", f"Élu de {main.name}"),
        ("lecteur", "reader", [epci.siren], f"EPCI {epci.name}", f"Lecteur {epci.name}"),
    ]
    accounts = []
    for local, role, scopes, scope_label, name in plans:
        email = f"{local}@{EMAIL_DOMAIN}"
        exists = conn.execute(text("SELECT 1 FROM account WHERE email = :e"), {"e": email}).first()
        password = None
        if not exists:
            password = new_password()
            create_account(
                conn, email, role, scopes, password=password, display_name=f"{name} (démo)"
            )
        accounts.append(DemoAccount(email, role, scope_label, password))
    return accounts
