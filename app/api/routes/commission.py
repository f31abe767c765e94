"""The allocation commission: vacancies, the view of one residence, the reverse search, decisions.

Signed-in accounts read within their scope (élus and readers read only); the EPCI administrator,
communes and landlords record vacancies and decisions of the residences they manage.
"""

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi import Path as PathParameter
from pydantic import Field

from app.access.policy import GRADERS_NOTHING, SIGNED_IN_GRADES
from app.api.deps import DbConnection, read_upload
from app.api.inputs import (
    INT4_MAX,
    YEAR_MAX,
    YEAR_MIN,
    Day,
    ResidenceCode,
    StrictBody,
    insee_query,
    siren_query,
    upload_name,
    upload_suffix,
)
from app.api.responses import GeoJSONResponse
from app.auth.deps import CurrentPrincipal
from app.commission.decisions import cancel_decision, record_decision
from app.commission.vacancies import save_vacancy, upload_vacancies
from app.commission.view import residence_view, vacancies_geojson
from app.core.errors import ImportFailed
from app.core.settings import get_settings
from geo.commission import CATEGORIES, QUARTILE_CATEGORIES
from geo.readers import TimeBudget
from geo.report import ImportRejected
from geo.vacancy_sheet import MAX_DWELLINGS

router = APIRouter(prefix="/api/commission", tags=["commission d'attribution"])

Category = Literal[CATEGORIES]  # type: ignore[valid-type]
QuartileCategory = Literal[QUARTILE_CATEGORIES]  # type: ignore[valid-type]
YearQuery = Annotated[
    int | None,
    Query(description="Année des taux (défaut : l'année en cours)", ge=YEAR_MIN, le=YEAR_MAX),
]


class VacancyBody(StrictBody):
    dwellings: Annotated[
        int, Field(ge=0, le=MAX_DWELLINGS, description="Logements vacants (0 : plus aucun)")
    ]
    declared_on: Day = Field(description="Date de la vacance (AAAA-MM-JJ)")


class DecisionBody(StrictBody):
    category: QuartileCategory = Field(
        description="q1 (premier quartile), pru (relogement du renouvellement urbain hors "
        "premier quartile) ou other (autres quartiles)"
    )
    priority: bool = Field(False, description="Ménage DALO ou prioritaire")
    decided_on: Day = Field(description="Date de la décision (AAAA-MM-JJ), pas dans le futur")


@router.get(
    "/vacancies",
    summary="Résidences avec des logements vacants, classées pour une catégorie (GeoJSON)",
    response_class=GeoJSONResponse,
    dependencies=[SIGNED_IN_GRADES],
)
def vacancies(
    conn: DbConnection,
    principal: CurrentPrincipal,
    category: Annotated[
        Category | None,
        Query(description="Catégorie de demandeurs : q1, pru, priority ou other"),
    ] = None,
    epci: Annotated[str | None, siren_query()] = None,
    commune: Annotated[str | None, insee_query()] = None,
    year: YearQuery = None,
) -> Response:
    return GeoJSONResponse(
        vacancies_geojson(conn, principal, category=category, epci=epci, commune=commune, year=year)
    )


@router.post(
    "/vacancies/import",
    summary="Importer une liste de logements vacants (CSV, XLSX : code, vacants, date)",
    dependencies=[GRADERS_NOTHING],
)
def import_vacancies(
    file: Annotated[UploadFile, File(description="Tableau CSV ou XLSX")],
    conn: DbConnection,
    principal: CurrentPrincipal,
) -> dict:
    name = upload_name(file.filename, "vacances.csv")
    budget = TimeBudget(get_settings().max_parse_seconds)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"vacances{upload_suffix(name)}"
        path.write_bytes(read_upload(file))
        try:
            summary = upload_vacancies(conn, principal, path, name, budget)
        except ImportRejected as rejected:
            conn.rollback()
            raise ImportFailed.of(rejected) from None
    conn.commit()
    return {
        "declared": summary.declared,
        "cleared": summary.cleared,
        "dwellings": summary.dwellings,
        "columns": summary.columns,
    }


@router.get(
    "/residences/{code}",
    summary="Une résidence pour la commission : note, historique, orientation, effet sur les taux",
    dependencies=[SIGNED_IN_GRADES],
)
def residence(
    code: ResidenceCode, conn: DbConnection, principal: CurrentPrincipal, year: YearQuery = None
) -> dict:
    return residence_view(conn, principal, code, year)


@router.put(
    "/residences/{code}/vacancy",
    summary="Déclarer les logements vacants d'une résidence (0 : plus aucun)",
    dependencies=[GRADERS_NOTHING],
)
def put_vacancy(
    code: ResidenceCode, body: VacancyBody, conn: DbConnection, principal: CurrentPrincipal
) -> dict:
    saved = save_vacancy(conn, principal, code, body.dwellings, body.declared_on)
    conn.commit()
    return saved


@router.post(
    "/residences/{code}/decisions",
    summary="Enregistrer une attribution décidée (catégorie et date, sans donnée personnelle)",
    dependencies=[GRADERS_NOTHING],
)
def post_decision(
    code: ResidenceCode, body: DecisionBody, conn: DbConnection, principal: CurrentPrincipal
) -> dict:
    saved = record_decision(conn, principal, code, body.category, body.priority, body.decided_on)
    conn.commit()
    return saved


@router.delete(
    "/decisions/{decision_id}",
    summary="Annuler une décision enregistrée",
    dependencies=[GRADERS_NOTHING],
)
def delete_decision(
    decision_id: Annotated[
        int, PathParameter(ge=1, le=INT4_MAX, description="Identifiant de la décision")
    ],
    conn: DbConnection,
    principal: CurrentPrincipal,
) -> dict:
    cancelled = cancel_decision(conn, principal, decision_id)
    conn.commit()
    return cancelled
