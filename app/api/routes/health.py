"""Liveness and readiness probes."""

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.access.policy import ANYONE_NOTHING
from app.core.database import get_engine
from app.core.migrate import is_up_to_date

router = APIRouter(tags=["santé"])
log = logging.getLogger(__name__)


class Readiness(BaseModel):
    status: str
    message: str | None = None


@router.get("/healthz", summary="Le processus répond", dependencies=[ANYONE_NOTHING])
def healthz() -> dict:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Base joignable et migrations appliquées",
    dependencies=[ANYONE_NOTHING],
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Base injoignable ou non migrée"}},
)
def readyz() -> JSONResponse:
    """Ready or not, in words that name nothing of the infrastructure (the detail is logged)."""
    try:
        engine = get_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        migrated = is_up_to_date(engine)
    except Exception:  # any failure means "not ready"; its detail goes to the server log only
        log.exception("readyz : base de données injoignable")
        return JSONResponse(
            {"status": "indisponible", "message": "Base de données injoignable."},
            status_code=503,
        )
    if not migrated:
        return JSONResponse(
            {"status": "indisponible", "message": "Migrations non appliquées (qualiparc migrate)."},
            status_code=503,
        )
    return JSONResponse({"status": "ok"})
