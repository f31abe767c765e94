"""Sign in and out (server-side session, cookie), and who am I."""

from fastapi import APIRouter, Request, Response

from app.access.policy import ANYONE_NOTHING, SIGNED_IN_NOTHING
from app.api.deps import DbConnection
from app.api.inputs import Email, Password, StrictBody
from app.auth.deps import CurrentPrincipal, OptionalPrincipal
from app.auth.login import sign_in
from app.auth.roles import ROLE_LABELS
from app.auth.sessions import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    close_session,
    cookie_max_age,
    csrf_token,
)
from app.core.settings import get_settings

router = APIRouter(prefix="/api/auth", tags=["comptes"])


class Credentials(StrictBody):
    email: Email
    password: Password


def describe(principal) -> dict:
    return {
        "id": principal.id,
        "email": principal.email,
        "role": principal.role.value,
        "role_label": ROLE_LABELS[principal.role],
        "display_name": principal.display_name,
        "scopes": {kind: sorted(codes) for kind, codes in principal.scopes.items()},
    }


def client_address(request: Request) -> str | None:
    """The caller's address (behind a proxy: the one uvicorn's proxy headers give)."""
    return request.client.host if request.client else None


def cookie_options(request: Request) -> dict:
    """Strict same-site cookies, sent over HTTPS only when the site is served over HTTPS."""
    secure = get_settings().secure_cookies or request.url.scheme == "https"
    return {"secure": secure, "samesite": "strict", "path": "/"}


@router.post(
    "/login",
    summary="Connexion (cookie de session) ; limitée après plusieurs échecs (429)",
    dependencies=[ANYONE_NOTHING],
)
def login(
    credentials: Credentials, request: Request, conn: DbConnection, response: Response
) -> dict:
    token = sign_in(
        conn,
        credentials.email,
        credentials.password,
        client_address(request),
        replacing=request.cookies.get(SESSION_COOKIE),
    )
    csrf = csrf_token(token)
    options = cookie_options(request)
    max_age = cookie_max_age()
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, **options)
    response.set_cookie(CSRF_COOKIE, csrf, max_age=max_age, httponly=False, **options)
    return {"status": "ok", "csrf_token": csrf}


@router.post("/logout", summary="Déconnexion (la session prend fin)", dependencies=[ANYONE_NOTHING])
def logout(request: Request, conn: DbConnection, response: Response) -> dict:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(conn, token)
        conn.commit()
    options = cookie_options(request)
    response.delete_cookie(SESSION_COOKIE, httponly=True, **options)
    response.delete_cookie(CSRF_COOKIE, **options)
    return {"status": "ok"}


@router.get(
    "/session",
    summary="Le compte connecté, ou null pour un visiteur anonyme",
    dependencies=[ANYONE_NOTHING],
)
def session(principal: OptionalPrincipal) -> dict:
    return {"account": describe(principal) if principal else None}


@router.get("/me", summary="Le compte connecté", dependencies=[SIGNED_IN_NOTHING])
def me(principal: CurrentPrincipal) -> dict:
    return describe(principal)
