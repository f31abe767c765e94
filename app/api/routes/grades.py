"""Grades of each side, grade sheets, harmonisations, and the history of a residence."""

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile

from app.access.policy import ADMIN_GRADES, GRADERS_GRADES, SIGNED_IN_GRADES
from app.api.deps import DbConnection, read_upload
from app.api.inputs import (
    CampaignId,
    Grade,
    LongText,
    ResidenceCode,
    ShortText,
    StrictBody,
    Version,
    campaign_query,
    upload_name,
    upload_suffix,
)
from app.api.responses import GeoJSONResponse
from app.auth.deps import CurrentPrincipal
from app.campaigns.grading import grades_geojson, record_grade, residence_grades
from app.campaigns.harmonisation import conflict_error, harmonise, read_harmonisation
from app.campaigns.history import residence_history
from app.campaigns.service import load_campaign
from app.core.errors import Forbidden, ImportFailed
from app.core.settings import get_settings
from app.importers.grades import import_grades
from geo.grades import SIDES
from geo.readers import TimeBudget
from geo.report import ImportRejected, listed_report

router = APIRouter(tags=["notes"])

CAMPAIGN = "/api/campaigns/{campaign_id}"


Side = Literal[SIDES]  # type: ignore[valid-type]


class GradeBody(StrictBody):
    side: Side
    value: Grade
    comment: LongText | None = None
    expected_version: Version | None = None
    """The version read (0: no grade yet); a stale one gets a 409. Omitted: last save wins."""


class HarmonisationBody(StrictBody):
    value: Grade
    rationale: LongText | None = None
    expected_version: Version
    meeting: ShortText | None = None


@router.get(
    CAMPAIGN + "/grades",
    summary="Résidences du périmètre avec les notes lisibles par le compte (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[SIGNED_IN_GRADES],
)
def grades(campaign_id: CampaignId, conn: DbConnection, principal: CurrentPrincipal) -> Response:
    campaign = load_campaign(conn, principal, campaign_id)
    return GeoJSONResponse(grades_geojson(conn, principal, campaign))


@router.get(
    CAMPAIGN + "/grades/{residence_code}",
    summary="Les notes d'une résidence",
    dependencies=[SIGNED_IN_GRADES],
)
def grade(
    campaign_id: CampaignId,
    residence_code: ResidenceCode,
    conn: DbConnection,
    principal: CurrentPrincipal,
) -> dict:
    campaign = load_campaign(conn, principal, campaign_id)
    return residence_grades(conn, principal, campaign, residence_code)


@router.put(
    CAMPAIGN + "/grades/{residence_code}",
    summary="Saisir la note d'un côté",
    dependencies=[GRADERS_GRADES],
)
def put_grade(
    campaign_id: CampaignId,
    residence_code: ResidenceCode,
    body: GradeBody,
    conn: DbConnection,
    principal: CurrentPrincipal,
) -> dict:
    campaign = load_campaign(conn, principal, campaign_id)
    saved = record_grade(
        conn,
        principal,
        campaign,
        residence_code,
        body.side,
        body.value,
        body.comment,
        body.expected_version,
    )
    conn.commit()
    return saved


@router.post(
    CAMPAIGN + "/grades/import",
    summary="Importer un tableau de notes (CSV, XLSX)",
    dependencies=[GRADERS_GRADES],
)
def import_sheet(
    campaign_id: CampaignId,
    file: Annotated[UploadFile, File(description="Tableau CSV ou XLSX")],
    side: Annotated[Side, Form(description="commune ou bailleur")],
    conn: DbConnection,
    principal: CurrentPrincipal,
    partial: Annotated[
        bool,
        Form(
            description="true : enregistrer les lignes valides et rendre les autres dans "
            "`rejected` ; false (défaut) : tout ou rien"
        ),
    ] = False,
) -> dict:
    campaign = load_campaign(conn, principal, campaign_id)
    if side not in campaign.access(principal).grading_sides:
        raise Forbidden(f"Votre compte ne peut pas importer les notes du côté « {side} ».")
    name = upload_name(file.filename, "notes.csv")
    budget = TimeBudget(get_settings().max_parse_seconds)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"tableau{upload_suffix(name)}"
        path.write_bytes(read_upload(file))
        try:
            summary = import_grades(
                conn,
                path,
                campaign,
                side,
                principal=principal,
                source_name=name,
                budget=budget,
                partial=partial,
            )
        except ImportRejected as rejected:
            conn.rollback()
            raise ImportFailed.of(rejected) from None
    conn.commit()
    return {
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "blank": summary.blank,
        "columns": summary.columns,
        "rejected_lines": len({error.line for error in summary.rejected}),
        "rejected": listed_report(summary.rejected),
    }


@router.get(
    CAMPAIGN + "/harmonisations/{residence_code}",
    summary="La note harmonisée d'une résidence et sa version",
    dependencies=[SIGNED_IN_GRADES],
)
def harmonisation(
    campaign_id: CampaignId,
    residence_code: ResidenceCode,
    conn: DbConnection,
    principal: CurrentPrincipal,
) -> dict:
    campaign = load_campaign(conn, principal, campaign_id)
    return read_harmonisation(conn, principal, campaign, residence_code)


@router.put(
    CAMPAIGN + "/harmonisations/{residence_code}",
    summary="Enregistrer la note harmonisée (409 si expected_version est dépassée)",
    dependencies=[ADMIN_GRADES],
)
def put_harmonisation(
    campaign_id: CampaignId,
    residence_code: ResidenceCode,
    body: HarmonisationBody,
    conn: DbConnection,
    principal: CurrentPrincipal,
) -> dict:
    campaign = load_campaign(conn, principal, campaign_id)
    outcome = harmonise(
        conn,
        principal,
        campaign,
        residence_code,
        value=body.value,
        rationale=body.rationale,
        expected_version=body.expected_version,
        meeting=body.meeting,
    )
    conn.commit()
    if not outcome.applied:
        raise conflict_error(residence_code, outcome)
    return {"residence_code": residence_code, **outcome.current}


@router.get(
    "/api/residences/{residence_code}/history",
    summary="Historique des notes d'une résidence (qui, quand, avant, après)",
    dependencies=[SIGNED_IN_GRADES],
)
def history(
    residence_code: ResidenceCode,
    conn: DbConnection,
    principal: CurrentPrincipal,
    campaign: Annotated[int | None, campaign_query("Une seule campagne")] = None,
) -> dict:
    return residence_history(conn, principal, residence_code, campaign)
