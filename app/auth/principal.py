"""The signed-in account of a request and the residences it may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.roles import GRADING_SIDE, Role


@dataclass(frozen=True)
class Credential:
    """What signed the request in: a session or an API token (its row id), re-checked by the
    long-lived live stream so that revoking it ends the stream."""

    kind: Literal["session", "token"]
    id: int


@dataclass(frozen=True)
class Principal:
    id: int
    email: str
    role: Role
    display_name: str | None = None
    scopes: dict[str, frozenset[str]] = field(default_factory=dict)
    credential: Credential | None = None

    def scope(self, kind: str) -> frozenset[str]:
        return self.scopes.get(kind, frozenset())

    @property
    def grading_side(self) -> str | None:
        """`commune` or `bailleur` for the accounts that grade, else None."""
        return GRADING_SIDE.get(self.role)

    @property
    def label(self) -> str:
        """How the account is named in histories and the audit log."""
        return self.display_name or self.email

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def load_principal(
    conn: Connection, account_id: int, credential: Credential | None = None
) -> Principal | None:
    """The active account `account_id` with its scopes, or None (one query)."""
    rows = conn.execute(
        text(
            "SELECT a.id, a.email, a.role, a.display_name, s.kind, s.code FROM account a"
            " LEFT JOIN account_scope s ON s.account_id = a.id WHERE a.id = :id AND a.active"
        ),
        {"id": account_id},
    ).all()
    if not rows:
        return None
    scopes: dict[str, set[str]] = {}
    for row in rows:
        if row.kind is not None:
            scopes.setdefault(row.kind, set()).add(row.code)
    first = rows[0]
    return Principal(
        id=first.id,
        email=first.email,
        role=Role(first.role),
        display_name=first.display_name,
        scopes={kind: frozenset(codes) for kind, codes in scopes.items()},
        credential=credential,
    )
