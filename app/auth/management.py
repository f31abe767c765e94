"""What an EPCI administrator manages: the accounts of its EPCI, their sessions and tokens.

An account is of the administrator's EPCI when every one of its scopes lies there: its EPCI, a
commune of it, or a landlord all of whose residences are there. A landlord also working in
another EPCI, or an account without scope, is managed from the command line only, so that no
EPCI can lock out another's partners. An administrator of every EPCI (`*`) manages every account.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate, administers
from app.access.sql import Condition
from app.auth.accounts import revoke_token, set_active
from app.auth.principal import Principal
from app.auth.roles import ALL_EPCI, ROLE_LABELS, Role
from app.auth.sessions import LIVE_SESSION, session_lifetimes
from app.core.errors import InvalidParameter, NotFound


def managed(principal: Principal, a: str = "a") -> Condition:
    """Accounts `a` that `principal` manages."""
    if administers(principal, ALL_EPCI):
        return Condition.true()
    gate = Gate(principal)
    epci = gate.administered_epci("s.code")
    commune = gate.administered_epci("c.epci_siren")
    residence = gate.administered_epci("r.epci_siren")
    landlord = "(b.name = s.code OR b.siren = s.code)"
    within = f"""(
        (s.kind = 'epci' AND {epci.sql})
        OR (s.kind = 'commune' AND EXISTS (
            SELECT 1 FROM commune c WHERE c.insee = s.code AND {commune.sql}))
        OR (s.kind = 'bailleur'
            AND EXISTS (SELECT 1 FROM residence r JOIN bailleur b ON b.id = r.bailleur_id
                        WHERE {landlord})
            AND NOT EXISTS (SELECT 1 FROM residence r JOIN bailleur b ON b.id = r.bailleur_id
                            WHERE {landlord} AND NOT {residence.sql}))
    )"""
    sql = (
        f"(EXISTS (SELECT 1 FROM account_scope s WHERE s.account_id = {a}.id)"
        f" AND NOT EXISTS (SELECT 1 FROM account_scope s WHERE s.account_id = {a}.id"
        f" AND NOT {within}))"
    )
    return Condition(sql, epci.bind(commune.bind(residence.params)))


ACCOUNTS_SQL = """
    SELECT a.id, a.email, a.display_name, a.role, a.active, a.created_at,
           coalesce((SELECT json_object_agg(kind, codes) FROM (
               SELECT s.kind, json_agg(s.code ORDER BY s.code) AS codes FROM account_scope s
               WHERE s.account_id = a.id GROUP BY s.kind) k), '{{}}') AS scopes,
           (SELECT count(*) FROM session s WHERE s.account_id = a.id AND {live}) AS sessions,
           (SELECT max(s.last_seen_at) FROM session s WHERE s.account_id = a.id) AS last_seen_at
    FROM account a
    WHERE {condition}
    ORDER BY a.email
"""


def list_accounts(conn: Connection, principal: Principal) -> list[dict]:
    """The accounts `principal` manages, with their scopes and sign-in activity."""
    condition = managed(principal)
    sql = ACCOUNTS_SQL.format(condition=condition.sql, live=LIVE_SESSION)
    rows = conn.execute(text(sql), condition.bind(session_lifetimes())).mappings()
    return [{**row, "role_label": ROLE_LABELS[Role(row["role"])]} for row in rows]


def _managed_account(conn: Connection, principal: Principal, account_id: int) -> int:
    condition = managed(principal)
    found = conn.execute(
        text(f"SELECT a.id FROM account a WHERE a.id = :id AND {condition.sql}"),
        condition.bind({"id": account_id}),
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Compte {account_id} introuvable parmi les comptes de votre EPCI.")
    return found


def set_managed_active(
    conn: Connection, principal: Principal, account_id: int, active: bool
) -> None:
    """Disable or enable an account of the administrator's EPCI (never its own)."""
    _managed_account(conn, principal, account_id)
    if account_id == principal.id and not active:
        raise InvalidParameter("Vous ne pouvez pas désactiver votre propre compte.")
    set_active(conn, account_id, active, actor=principal)


def list_managed_tokens(conn: Connection, principal: Principal) -> list[dict]:
    """The API tokens of the accounts `principal` manages, newest first."""
    condition = managed(principal)
    rows = conn.execute(
        text(
            "SELECT t.id, t.account_id, a.email, t.created_at, t.last_used_at, t.revoked_at"
            " FROM api_token t JOIN account a ON a.id = t.account_id"
            f" WHERE {condition.sql} ORDER BY t.id DESC"
        ),
        condition.bind(),
    ).mappings()
    return [dict(row) for row in rows]


def revoke_managed_token(conn: Connection, principal: Principal, token_id: int) -> None:
    condition = managed(principal)
    found = conn.execute(
        text(
            "SELECT t.id FROM api_token t JOIN account a ON a.id = t.account_id"
            f" WHERE t.id = :id AND {condition.sql}"
        ),
        condition.bind({"id": token_id}),
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Jeton {token_id} introuvable parmi ceux des comptes de votre EPCI.")
    revoke_token(conn, token_id, actor=principal)
