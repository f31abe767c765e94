"""FastAPI dependencies: the request's one database connection, and who is calling, from the
session cookie or a Bearer token, loaded on that same connection."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from app.auth.passwords import token_digest
from app.auth.principal import Principal, load_principal
from app.auth.sessions import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, read_session
from app.core.database import RequestDatabase, request_database
from app.core.errors import Forbidden, NotAuthenticated

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

RequestDb = Annotated[RequestDatabase, Depends(request_database, scope="function")]
"""Cached for the request and closed when its handler returns (a stream holds no connection)."""


async def get_connection(database: RequestDb) -> Connection:
    """The request's connection (one per request, shared by every dependency and the handler)."""
    return await database.acquire()


DbConnection = Annotated[Connection, Depends(get_connection)]


def _token_principal(conn: Connection, token: str) -> Principal | None:
    account_id = conn.execute(
        text(
            "UPDATE api_token SET last_used_at = now() WHERE token_hash = :digest "
            "RETURNING account_id"
        ),
        {"digest": token_digest(token)},
    ).scalar_one_or_none()
    principal = load_principal(conn, account_id) if account_id else None
    conn.commit()
    return principal


async def optional_principal(request: Request, database: RequestDb) -> Principal | None:
    """The caller's account, or None when anonymous. Cookie writes must carry the CSRF token."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        conn = await database.acquire()
        principal = await run_in_threadpool(_token_principal, conn, authorization[7:].strip())
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
    conn = await database.acquire()
    return await run_in_threadpool(load_principal, conn, account_id)


def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise NotAuthenticated("Connexion requise.")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
