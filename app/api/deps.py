"""FastAPI dependencies: database access, query-parameter parsing, what grades a caller sees."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, UploadFile
from pydantic import StringConstraints
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.api.inputs import (
    BBOX,
    BBOX_MAX,
    GRADE_FILTER,
    campaign_query,
    insee_query,
    siren_query,
    text_query,
)
from app.auth.deps import DbConnection as DbConnection  # the request's one connection
from app.auth.deps import OptionalPrincipal
from app.auth.deps import get_connection as get_connection
from app.core.errors import InvalidParameter, NotFound
from app.core.limits import upload_limit_bytes, upload_too_large
from app.layers import ResidenceFilter


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """A bbox already of the `BBOX` pattern, as floats, if its corners are in order."""
    if not raw:
        return None
    xmin, ymin, xmax, ymax = (float(part) for part in raw.split(","))
    if not (-180 <= xmin < xmax <= 180 and -90 <= ymin < ymax <= 90):
        raise InvalidParameter(
            "bbox incohérente : il faut -180 ≤ minLon < maxLon ≤ 180 et -90 ≤ minLat < maxLat ≤ 90."
        )
    return xmin, ymin, xmax, ymax


def parse_grades(raw: list[str]) -> tuple[list[int], frozenset[str]]:
    """Grades 1–4, and the statuses asked: `none` (non qualifiée), `hidden` (note non visible);
    each item already of the `GRADE_FILTER` pattern."""
    parts = [part for item in raw for part in item.split(",") if part]
    grades = [int(part) for part in parts if part.isdigit()]
    return grades, frozenset(part for part in parts if not part.isdigit())


def residence_filter(
    epci: Annotated[str | None, siren_query()] = None,
    commune: Annotated[str | None, insee_query()] = None,
    bailleur: Annotated[str | None, text_query("Identifiant, nom ou SIREN du bailleur")] = None,
    grade: Annotated[
        list[Annotated[str, StringConstraints(pattern=GRADE_FILTER)]],
        Query(
            description="Note 1 à 4, « none » (non qualifiée) ou « hidden » (note non "
            "visible) ; répétable, ou séparées par des virgules"
        ),
    ] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    in_qpv: Annotated[
        bool | None, Query(description="true : dans un QPV ; false : hors QPV")
    ] = None,
    bbox: Annotated[
        str | None,
        Query(pattern=BBOX, max_length=BBOX_MAX, description="minLon,minLat,maxLon,maxLat (WGS84)"),
    ] = None,
    campaign: Annotated[
        int | None, campaign_query("Campagne (défaut : la dernière de l'EPCI)")
    ] = None,
) -> ResidenceFilter:
    grades, statuses = parse_grades(grade)
    return ResidenceFilter(
        epci=epci,
        commune=commune,
        bailleur=bailleur,
        grades=grades,
        statuses=statuses,
        in_qpv=in_qpv,
        bbox=parse_bbox(bbox),
        campaign=campaign,
    )


def caller_gate(principal: OptionalPrincipal) -> Gate:
    """The access gate of the caller (anonymous visitors included)."""
    return Gate(principal)


CallerGate = Annotated[Gate, Depends(caller_gate)]


def visible_residence_filter(
    conn: DbConnection,
    gate: CallerGate,
    flt: Annotated[ResidenceFilter, Depends(residence_filter)],
) -> ResidenceFilter:
    """The map filters, with the caller's gate; an unknown campaign is a 404."""
    if flt.campaign is not None:
        require_campaign_exists(conn, flt.campaign)
    flt.gate = gate
    return flt


def require_campaign_exists(conn: Connection, campaign_id: int) -> None:
    found = conn.execute(text("SELECT 1 FROM campaign WHERE id = :id"), {"id": campaign_id})
    if found.first() is None:
        raise NotFound(f"Campagne {campaign_id} introuvable.")


VisibleResidenceFilter = Annotated[ResidenceFilter, Depends(visible_residence_filter)]


def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes, refused past the size limit (the body limit middleware has
    already cut the request near that size, declared or not)."""
    limit = upload_limit_bytes()
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise upload_too_large()
    return data
