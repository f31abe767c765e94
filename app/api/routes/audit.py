"""The audit log of an EPCI, read and exported by its administrators."""

import json
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.access.gate import Gate
from app.access.policy import ADMIN_NOTHING
from app.api.deps import DbConnection
from app.auth.deps import CurrentPrincipal
from app.core.audit import ACTIONS, COLUMNS, entries
from app.exports.formats import MEDIA_TYPES, to_csv

router = APIRouter(prefix="/api", tags=["audit"])

AuditAction = StrEnum("AuditAction", {name.replace(".", "_"): name for name in ACTIONS})
"""The actions the log knows (`app.core.audit.ACTIONS`), as the schema lists them."""
Action = Annotated[AuditAction | None, Query(description="Une action du journal, ex. notes.saisie")]
Limit = Annotated[int, Query(ge=1, le=100_000, description="Nombre d'entrées au plus")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Entrées à sauter")]


def _read(conn, principal, action, limit, offset) -> list[dict]:
    readable = Gate(principal).administered("l")
    name = action.value if action is not None else None
    return entries(conn, readable, action=name, limit=limit, offset=offset)


@router.get(
    "/audit",
    summary="Journal d'audit des EPCI administrés : qui, quand, quoi, d'où",
    dependencies=[ADMIN_NOTHING],
)
def audit_log(
    conn: DbConnection,
    principal: CurrentPrincipal,
    action: Action = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[dict]:
    return _read(conn, principal, action, limit, offset)


@router.get(
    "/audit.csv",
    summary="Journal d'audit (CSV)",
    response_class=Response,
    dependencies=[ADMIN_NOTHING],
)
def audit_csv(
    conn: DbConnection,
    principal: CurrentPrincipal,
    action: Action = None,
    limit: Limit = 100_000,
    offset: Offset = 0,
) -> Response:
    rows = [
        {**row, "details": json.dumps(row["details"], ensure_ascii=False)}
        for row in _read(conn, principal, action, limit, offset)
    ]
    return Response(
        to_csv(COLUMNS, rows),
        media_type=MEDIA_TYPES["csv"],
        headers={"Content-Disposition": 'attachment; filename="journal-audit-qualiparc.csv"'},
    )
