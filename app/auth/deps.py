"""FastAPI dependencies: the request's one database connection, and who is calling, from the
session cookie or an API token, loaded on that same connection."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from app.auth.principal import Principal, load_principal
from app.auth.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Signed,
    csrf_matches,
    session_of,
    token_of,
)
from app.core.database import RequestDatabase, request_database
from app.core.errors import Forbidden, NotAuthenticated

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

RequestDb = Annotated[RequestDatabase, Depends(request_database, scope="function")]
"""Cached for the request and closed when its handler returns (a stream holds no connection)."""


async def get_connection(database: RequestDb) -> Connection:
    """The request's connection (one per request, shared by every dependency and the handler)."""
    return await database.acquire()


DbConnection = Annotated[Connection, Depends(get_connection)]


def _signed_in(
    conn: Connection, lookup: Callable[[Connection, str], Signed | None], secret: str
) -> Principal | None:
    signed = lookup(conn, secret)
    principal = load_principal(conn, signed.account_id, signed.credential) if signed else None
    conn.commit()
    return principal


def api_token(authorization: str) -> str | None:
    """The API token an `Authorization` header carries (None: no token): `Bearer TOKEN`, or HTTP
    Basic with the token as the password, the user name unread, for the GIS clients that set no
    other header (QGIS 3.22's basic authentication)."""
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


@dataclass(frozen=True)
class Presented:
    """The credential a request presents: an API token, or else a session cookie."""

    token: bool
    secret: str

    def principal(self, conn: Connection) -> Principal | None:
        """Its live account (None: unknown, ended or revoked; an unknown token is refused by
        `optional_principal`, an ended session is a visitor)."""
        return _signed_in(conn, token_of if self.token else session_of, self.secret)


def presented(request: Request) -> Presented | None:
    """The credential of `request` (None: a visitor)."""
    token = api_token(request.headers.get("authorization", ""))
    if token is not None:
        return Presented(True, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    return Presented(False, cookie) if cookie else None


async def optional_principal(request: Request, database: RequestDb) -> Principal | None:
    """The caller's account, or None when anonymous (no credential, or an ended session).
    Cookie writes must carry the session's CSRF token."""
    credential = presented(request)
    if credential is None:
        return None
    conn = await database.acquire()
    principal = await run_in_threadpool(credential.principal, conn)
    if credential.token:
        if principal is None:
            raise NotAuthenticated("Jeton d'API invalide ou révoqué.")
        return principal
    if principal is None:
        return None
    if request.method not in SAFE_METHODS and not csrf_matches(
        credential.secret, request.headers.get(CSRF_HEADER, "")
    ):
        raise Forbidden("Jeton CSRF manquant ou invalide : rechargez la page.")
    return principal


def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise NotAuthenticated("Connexion requise.")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
