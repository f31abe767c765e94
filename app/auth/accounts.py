"""Accounts and API tokens: create, disable and enable, change a password, list and revoke
(CLI, demo, and the administrators' API through app/auth/management.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.passwords import hash_password, new_token, token_digest
from app.auth.principal import Principal
from app.auth.roles import ALL_EPCI, Role
from app.auth.sessions import close_sessions
from app.core.audit import COMMAND_LINE, record
from app.core.errors import InvalidParameter, NotFound
from app.core.events import publish_revocation
from geo.missing import is_missing

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


ACCOUNT_EPCI_SQL = """
    SELECT DISTINCT e FROM (
        SELECT CASE s.kind WHEN 'epci' THEN s.code
                           WHEN 'commune' THEN (SELECT c.epci_siren FROM commune c
                                                WHERE c.insee = s.code) END AS e
        FROM account_scope s WHERE s.account_id = :id AND s.kind <> 'bailleur'
        UNION ALL
        SELECT r.epci_siren FROM account_scope s
        JOIN bailleur b ON b.name = s.code OR b.siren = s.code
        JOIN residence r ON r.bailleur_id = b.id
        WHERE s.account_id = :id AND s.kind = 'bailleur'
    ) scopes
"""


def audit_account(
    conn: Connection,
    action: str,
    account_id: int,
    actor: Principal | None,
    details: dict[str, object] | None = None,
) -> None:
    """Log a change to an account in its EPCI's journal, by `actor` (None: the command line).
    An account whose scopes span several EPCI, or none, is logged without EPCI: only an
    administrator of every EPCI reads it."""
    email = conn.execute(
        text("SELECT email FROM account WHERE id = :id"), {"id": account_id}
    ).scalar_one()
    epcis = conn.execute(text(ACCOUNT_EPCI_SQL), {"id": account_id}).scalars().all()
    record(
        conn,
        action,
        actor_id=actor.id if actor else None,
        actor_label=actor.label if actor else COMMAND_LINE,
        epci_siren=epcis[0] if len(epcis) == 1 and epcis[0] != ALL_EPCI else None,
        target=f"compte {account_id} {email}",
        details=details,
    )


def resolve_scope(conn: Connection, code: str) -> tuple[str, str]:
    """Name the kind of a scope code: an EPCI SIREN, a commune INSEE code or a landlord; a
    placeholder such as « (vide) » is no scope, even if a file once made it a landlord's name."""
    if is_missing(code):
        raise InvalidParameter(
            f"Périmètre « {code.strip()} » vide : donnez un SIREN d'EPCI, un code INSEE de "
            "commune, ou le nom ou le SIREN d'un bailleur."
        )
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
    actor: Principal | None = None,
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
    if ALL_EPCI in (code.strip() for code in scopes):
        if role is not Role.ADMIN or len(scopes) > 1:
            raise InvalidParameter(
                f"Le périmètre « {ALL_EPCI} » (tous les EPCI) est réservé aux administrateurs, "
                "et seul."
            )
        resolved = [("epci", ALL_EPCI)]
    else:
        resolved = [resolve_scope(conn, code) for code in scopes]
    if role is Role.ADMIN and not any(kind == "epci" for kind, _ in resolved):
        raise InvalidParameter(
            "Un compte administrateur doit avoir son EPCI (--scope SIREN) ou, explicitement, "
            f"tous les EPCI (--scope '{ALL_EPCI}')."
        )
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
    audit_account(
        conn,
        "compte.creation",
        account_id,
        actor,
        {"role": role.value, "perimetre": sorted(code for _, code in set(resolved))},
    )
    return account_id


def create_token(conn: Connection, email: str, actor: Principal | None = None) -> str:
    """A new API token for `email`; only its digest is stored."""
    account_id = conn.execute(
        text("SELECT id FROM account WHERE email = :e AND active"), {"e": email.strip().lower()}
    ).scalar_one_or_none()
    if account_id is None:
        raise NotFound(f"Aucun compte actif pour {email}.")
    token = new_token()
    token_id = conn.execute(
        text("INSERT INTO api_token (account_id, token_hash) VALUES (:id, :digest) RETURNING id"),
        {"id": account_id, "digest": token_digest(token)},
    ).scalar_one()
    audit_account(conn, "jeton.creation", account_id, actor, {"jeton": token_id})
    return token


def account_id_of(conn: Connection, email: str) -> int:
    found = conn.execute(
        text("SELECT id FROM account WHERE email = :e"), {"e": email.strip().lower()}
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Aucun compte pour {email}.")
    return found


def set_password(
    conn: Connection, email: str, password: str, actor: Principal | None = None
) -> None:
    """Change the password; the account's open sessions end (its API tokens stay)."""
    account_id = account_id_of(conn, email)
    conn.execute(
        text("UPDATE account SET password_hash = :h WHERE id = :id"),
        {"h": hash_password(password), "id": account_id},
    )
    close_sessions(conn, account_id)
    audit_account(conn, "compte.mot_de_passe", account_id, actor)


def set_active(
    conn: Connection, account_id: int, active: bool, actor: Principal | None = None
) -> None:
    """Enable or disable an account. Disabling ends its sessions and revokes its API tokens:
    once enabled again, it signs in anew and asks for new tokens."""
    conn.execute(
        text("UPDATE account SET active = :active WHERE id = :id"),
        {"active": active, "id": account_id},
    )
    if not active:
        close_sessions(conn, account_id)
        conn.execute(
            text(
                "UPDATE api_token SET revoked_at = now() WHERE account_id = :id"
                " AND revoked_at IS NULL"
            ),
            {"id": account_id},
        )
    action = "compte.reactivation" if active else "compte.desactivation"
    audit_account(conn, action, account_id, actor)


TOKENS_SQL = """
    SELECT t.id, a.email, t.created_at, t.last_used_at, t.revoked_at
    FROM api_token t JOIN account a ON a.id = t.account_id
"""


def list_tokens(conn: Connection, email: str | None = None) -> list[dict]:
    """The API tokens of `email` (default: of every account), newest first; never the tokens
    themselves, which are not kept."""
    where, params = "", {}
    if email is not None:
        where, params = " WHERE a.id = :id", {"id": account_id_of(conn, email)}
    rows = conn.execute(text(f"{TOKENS_SQL}{where} ORDER BY t.id DESC"), params).mappings()
    return [dict(row) for row in rows]


def revoke_token(conn: Connection, token_id: int, actor: Principal | None = None) -> None:
    account_id = conn.execute(
        text(
            "UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = :id"
            " RETURNING account_id"
        ),
        {"id": token_id},
    ).scalar_one_or_none()
    if account_id is None:
        raise NotFound(f"Jeton {token_id} introuvable.")
    publish_revocation(conn, account_id)
    audit_account(conn, "jeton.revocation", account_id, actor, {"jeton": token_id})
