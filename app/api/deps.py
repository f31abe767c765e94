"""FastAPI dependencies: database access, query-parameter parsing, what grades a caller sees."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, UploadFile
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.deps import DbConnection as DbConnection  # the request's one connection
from app.auth.deps import OptionalPrincipal
from app.auth.deps import get_connection as get_connection
from app.core.errors import InvalidParameter, NotFound, PayloadTooLarge
from app.core.settings import get_settings
from app.layers import ResidenceFilter
from geo.codes import is_insee, siren_problem
from geo.grades import GRADES


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise InvalidParameter(
            "bbox doit être « minLon,minLat,maxLon,maxLat » "
            "(quatre nombres séparés par des virgules)."
        )
    xmin, ymin, xmax, ymax = values
    if not (-180 <= xmin < xmax <= 180 and -90 <= ymin < ymax <= 90):
        raise InvalidParameter(
            "bbox incohérente : il faut -180 ≤ minLon < maxLon ≤ 180 et -90 ≤ minLat < maxLat ≤ 90."
        )
    return values  # type: ignore[return-value]


def parse_grades(raw: list[str]) -> tuple[list[int], frozenset[str]]:
    """Grades 1–4, and the statuses asked: `none` (non qualifiée), `hidden` (note non visible)."""
    grades: list[int] = []
    statuses: set[str] = set()
    for item in raw:
        for part in item.split(","):
            part = part.strip().lower()
            if part in ("none", "aucune", "nc", "0"):
                statuses.add("none")
            elif part in ("hidden", "masquee", "masquée"):
                statuses.add("hidden")
            elif part.isdigit() and int(part) in GRADES:
                grades.append(int(part))
            elif part:
                raise InvalidParameter(
                    f"grade « {part} » invalide : attendu 1, 2, 3, 4, « none » (non qualifiée) "
                    "ou « hidden » (note non visible)."
                )
    return grades, frozenset(statuses)


def residence_filter(
    epci: Annotated[str | None, Query(description="SIREN de l'EPCI (9 chiffres)")] = None,
    commune: Annotated[str | None, Query(description="Code INSEE de la commune")] = None,
    bailleur: Annotated[
        str | None, Query(description="Identifiant, nom ou SIREN du bailleur")
    ] = None,
    grade: Annotated[
        list[str],
        Query(
            description="Note 1 à 4, « none » (non qualifiée) ou « hidden » (note non "
            "visible) ; répétable"
        ),
    ] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    in_qpv: Annotated[
        bool | None, Query(description="true : dans un QPV ; false : hors QPV")
    ] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (WGS84)")] = None,
    campaign: Annotated[
        int | None, Query(description="Campagne (défaut : la dernière de l'EPCI)")
    ] = None,
) -> ResidenceFilter:
    if epci and (problem := siren_problem(epci)):
        raise InvalidParameter(problem)
    if commune and not is_insee(commune):
        raise InvalidParameter(f"commune « {commune} » invalide : un code INSEE a 5 caractères.")
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


def upload_limit_bytes() -> int:
    return get_settings().max_upload_mb * 1024 * 1024


def upload_too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"Fichier trop volumineux : {get_settings().max_upload_mb} Mo au plus. "
        "Découpez-le, ou demandez à l'administrateur de relever la limite."
    )


def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes, refused past the size limit even when the request declared no
    Content-Length (the middleware refuses the others before reading them)."""
    limit = upload_limit_bytes()
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise upload_too_large()
    return data
