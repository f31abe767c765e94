"""Sign in and out (session cookie), and who am I."""

from fastapi import APIRouter, Response
from sqlalchemy import text

from app.access.policy import ANYONE_NOTHING, SIGNED_IN_NOTHING
from app.api.deps import DbConnection
from app.api.inputs import Email, Password, StrictBody
from app.auth.deps import CurrentPrincipal, OptionalPrincipal
from app.auth.passwords import verify_password
from app.auth.roles import ROLE_LABELS
from app.auth.sessions import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    make_session,
    new_csrf_token,
)
from app.core.errors import NotAuthenticated
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


@router.post("/login", summary="Connexion (cookie de session)", dependencies=[ANYONE_NOTHING])
def login(credentials: Credentials, conn: DbConnection, response: Response) -> dict:
    row = conn.execute(
        text("SELECT id, password_hash FROM account WHERE email = :e AND active"),
        {"e": credentials.email.strip().lower()},
    ).one_or_none()
    if row is None or not verify_password(row.password_hash, credentials.password):
        raise NotAuthenticated("Adresse e-mail ou mot de passe incorrect.")
    secure = get_settings().secure_cookies
    response.set_cookie(
        SESSION_COOKIE,
        make_session(row.id),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        secure=secure,
        samesite="strict",
    )
    csrf = new_csrf_token()
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=SESSION_MAX_AGE,
        httponly=False,
        secure=secure,
        samesite="strict",
    )
    return {"status": "ok", "csrf_token": csrf}


@router.post("/logout", summary="Déconnexion", dependencies=[ANYONE_NOTHING])
def logout(response: Response) -> dict:
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
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
