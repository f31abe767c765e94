"""Create accounts and API tokens (CLI, demo, admin API)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.passwords import hash_password, new_token, token_digest
from app.auth.roles import Role
from app.core.errors import InvalidParameter, NotFound

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def resolve_scope(conn: Connection, code: str) -> tuple[str, str]:
    """Name the kind of a scope code: an EPCI SIREN, a commune INSEE code or a landlord."""
    code = code.strip()
    if conn.execute(text("SELECT 1 FROM epci WHERE siren = :c"), {"c": code}).first():
        return "epci", code
    if conn.execute(text("SELECT 1 FROM commune WHERE insee = :c"), {"c": code}).first():
        return "commune", code
    landlord = conn.execute(
        text("SELECT name FROM bailleur WHERE name = :c OR siren = :c"), {"c": code}
    ).first()
    if landlord:
        return "bailleur", code
    raise InvalidParameter(
        f"Périmètre « {code} » inconnu : ni SIREN d'EPCI, ni code INSEE de commune, "
        "ni nom ou SIREN de bailleur chargé."
    )


def create_account(
    conn: Connection,
    email: str,
    role: str,
    scopes: Sequence[str] = (),
    *,
    password: str | None = None,
    display_name: str | None = None,
) -> int:
    """Create an account with its scopes; return its id."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise InvalidParameter(f"Adresse e-mail invalide : « {email} ».")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidParameter(
            f"Rôle « {role} » inconnu : admin, commune, bailleur, elu ou reader."
        ) from None
    if conn.execute(text("SELECT 1 FROM account WHERE email = :e"), {"e": email}).first():
        raise InvalidParameter(f"Le compte {email} existe déjà.")
    resolved = [resolve_scope(conn, code) for code in scopes]
    if role is Role.COMMUNE and not any(kind == "commune" for kind, _ in resolved):
        raise InvalidParameter("Un compte commune doit avoir au moins une commune (--scope INSEE).")
    if role is Role.BAILLEUR and not any(kind == "bailleur" for kind, _ in resolved):
        raise InvalidParameter("Un compte bailleur doit avoir son bailleur (--scope nom ou SIREN).")
    account_id = conn.execute(
        text(
            "INSERT INTO account (email, role, password_hash, display_name) "
            "VALUES (:email, :role, :hash, :name) RETURNING id"
        ),
        {
            "email": email,
            "role": role.value,
            "hash": hash_password(password) if password else None,
            "name": display_name,
        },
    ).scalar_one()
    if resolved:
        conn.execute(
            text("INSERT INTO account_scope (account_id, kind, code) VALUES (:id, :kind, :code)"),
            [{"id": account_id, "kind": kind, "code": code} for kind, code in set(resolved)],
        )
    return account_id


def create_token(conn: Connection, email: str) -> str:
    """A new API token for `email`; only its digest is stored."""
    account_id = conn.execute(
        text("SELECT id FROM account WHERE email = :e AND active"), {"e": email.strip().lower()}
    ).scalar_one_or_none()
    if account_id is None:
        raise NotFound(f"Aucun compte actif pour {email}.")
    token = new_token()
    conn.execute(
        text("INSERT INTO api_token (account_id, token_hash) VALUES (:id, :digest)"),
        {"id": account_id, "digest": token_digest(token)},
    )
    return token


def set_password(conn: Connection, email: str, password: str) -> None:
    updated = conn.execute(
        text("UPDATE account SET password_hash = :h WHERE email = :e"),
        {"h": hash_password(password), "e": email.strip().lower()},
    ).rowcount
    if not updated:
        raise NotFound(f"Aucun compte pour {email}.")
