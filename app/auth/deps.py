"""FastAPI dependencies: who is calling, from the session cookie or a Bearer token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text

from app.auth.passwords import token_digest
from app.auth.principal import Principal, load_principal
from app.auth.sessions import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, read_session
from app.core.database import get_engine
from app.core.errors import Forbidden, NotAuthenticated

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def optional_principal(request: Request) -> Principal | None:
    """The caller's account, or None when anonymous. Cookie writes must carry the CSRF token."""
    authorization = request.headers.get("authorization", "")
    engine = get_engine()
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        with engine.begin() as conn:
            account_id = conn.execute(
                text(
                    "UPDATE api_token SET last_used_at = now() WHERE token_hash = :digest "
                    "RETURNING account_id"
                ),
                {"digest": token_digest(token)},
            ).scalar_one_or_none()
            principal = load_principal(conn, account_id) if account_id else None
        if principal is None:
            raise NotAuthenticated("Jeton d'API invalide ou révoqué.")
        return principal
    account_id = read_session(request.cookies.get(SESSION_COOKIE))
    if account_id is None:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = request.cookies.get(CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(sent, expected):
            raise Forbidden("Jeton CSRF manquant ou invalide : rechargez la page.")
    with engine.connect() as conn:
        return load_principal(conn, account_id)


def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise NotAuthenticated("Connexion requise.")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
