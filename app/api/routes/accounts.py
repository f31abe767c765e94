"""The accounts of an EPCI for its administrator: list, disable and enable, list and revoke API
tokens. Which accounts an administrator manages is decided in app/auth/management.py."""

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import StrictBool

from app.access.policy import ADMIN_NOTHING
from app.api.deps import DbConnection
from app.api.inputs import StrictBody
from app.auth.deps import CurrentPrincipal
from app.auth.management import (
    list_accounts,
    list_managed_tokens,
    revoke_managed_token,
    set_managed_active,
)

router = APIRouter(prefix="/api", tags=["comptes"])

RowId = Annotated[int, Path(ge=1, le=2_147_483_647, description="Identifiant")]


class AccountPatch(StrictBody):
    active: StrictBool
    """false : désactiver le compte (ses sessions prennent fin, ses jetons sont révoqués)."""


@router.get(
    "/accounts",
    summary="Les comptes de l'EPCI de l'administrateur (périmètre, activité)",
    dependencies=[ADMIN_NOTHING],
)
def accounts(conn: DbConnection, principal: CurrentPrincipal) -> list[dict]:
    return list_accounts(conn, principal)


@router.patch(
    "/accounts/{account_id}",
    summary="Désactiver ou réactiver un compte de l'EPCI",
    dependencies=[ADMIN_NOTHING],
)
def patch_account(
    account_id: RowId, body: AccountPatch, conn: DbConnection, principal: CurrentPrincipal
) -> dict:
    set_managed_active(conn, principal, account_id, body.active)
    conn.commit()
    return {"id": account_id, "active": body.active}


@router.get(
    "/tokens",
    summary="Les jetons d'API des comptes de l'EPCI (jamais les jetons eux-mêmes)",
    dependencies=[ADMIN_NOTHING],
)
def tokens(conn: DbConnection, principal: CurrentPrincipal) -> list[dict]:
    return list_managed_tokens(conn, principal)


@router.delete(
    "/tokens/{token_id}",
    summary="Révoquer un jeton d'API d'un compte de l'EPCI",
    dependencies=[ADMIN_NOTHING],
)
def revoke(token_id: RowId, conn: DbConnection, principal: CurrentPrincipal) -> dict:
    revoke_managed_token(conn, principal, token_id)
    conn.commit()
    return {"id": token_id, "revoked": True}
