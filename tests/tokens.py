"""Accounts made on a shared database for a test, signed in by API token."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url


def bearer(url: str, email: str, role: str, scopes: list[str]) -> dict[str, str]:
    """The `Authorization` header of a new token of `email`, the account made if missing (so
    that a module fixture may run again on the shared demo)."""
    from app.auth.accounts import create_account, create_token

    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        if not conn.execute(text("SELECT 1 FROM account WHERE email = :e"), {"e": email}).first():
            create_account(conn, email, role, scopes)
        token = create_token(conn, email)
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}
