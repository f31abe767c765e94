"""FastAPI dependencies: the request's one database connection, and who is calling, from the
session cookie or an API token, loaded on that same connection."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from app.auth.checked import CheckedCredentials
from app.auth.passwords import token_digest
from app.auth.principal import Principal, load_principal
from app.auth.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_matches,
    session_of,
    token_of,
)
from app.core.database import RequestDatabase, request_database
from app.core.errors import Forbidden, NotAuthenticated
from app.core.versions import access_version

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

RequestDb = Annotated[RequestDatabase, Depends(request_database, scope="function")]
"""Cached for the request and closed when its handler returns (a stream holds no connection)."""


async def get_connection(database: RequestDb) -> Connection:
    """The request's connection (one per request, shared by every dependency and the handler)."""
    return await database.acquire()


DbConnection = Annotated[Connection, Depends(get_connection)]


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

    @property
    def key(self) -> tuple[str, str]:
        """What `CheckedCredentials` keeps it by (a digest, never the secret)."""
        return ("jeton" if self.token else "session", token_digest(self.secret))

    def known(self, checked: CheckedCredentials, access: int) -> Principal | None:
        """Its account if checked lately and nobody's access changed since (`access`: the
        access version, read after the request arrived); None: to be checked."""
        return checked.get(self.key, access)

    def principal(
        self, conn: Connection, checked: CheckedCredentials, access: int | None = None
    ) -> Principal | None:
        """Its live account (None: unknown, ended or revoked; an unknown token is refused by
        `optional_principal`, an ended session is a visitor), kept in `checked`. `access`: the
        access version if read already since the request arrived, else read here first."""
        if access is None:
            access = access_version(conn)
        principal = self.known(checked, access)
        if principal is None:
            lookup = token_of if self.token else session_of
            signed = lookup(conn, self.secret)
            if signed is not None:
                principal = load_principal(conn, signed.account_id, signed.credential)
            if principal is not None and signed is not None:
                checked.keep(self.key, principal, access, signed.lifetime_s)
        conn.commit()
        return principal


def checked_credentials(request: Request) -> CheckedCredentials:
    """This worker's credentials checked lately (app/auth/checked.py), made on first use."""
    state = request.app.state
    checked = getattr(state, "checked_credentials", None)
    if checked is None:
        checked = state.checked_credentials = CheckedCredentials()
    return checked


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
    principal = await run_in_threadpool(credential.principal, conn, checked_credentials(request))
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
