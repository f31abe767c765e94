"""Import residences: stream the file, checked chunk by chunk (geo), into a staging table with
COPY, check communes in PostGIS, upsert and place in set-based SQL, all in the caller's
transaction.

Memory stays that of one chunk whatever the file's length, and the heavy work is set-based SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.campaigns.service import Campaign, get_campaign
from app.campaigns.writer import GradeEntry, write_grades
from app.core.errors import QualiparcError
from app.core.progress import Progress, silent
from app.importers.territory import missing_territory
from app.placement import PLACED_COLUMNS, PLACEMENT_TABLE, place_points
from geo.grades import SIDES
from geo.report import (
    REPEATS_LISTED,
    ImportRejected,
    RowError,
    decimal,
    rows_left_out,
    sorted_errors,
    thousands,
)
from geo.residences import ResidenceFile, ResidenceRecord, open_residences

STEPS = (
    "Lecture et vérification du fichier",
    "Vérification des communes",
    "Placement (EPCI, QPV, IRIS, distances)",
    "Écriture des résidences",
    "Notes du fichier",
)
"""What `import_residences` announces to its `progress`, in order."""

COMMUNE_TOLERANCE_M = 1000
"""Commune polygons are simplified: a point this close to its declared commune is accepted."""

STAGING_COLUMNS = (
    "line", "code", "name", "bailleur", "bailleur_siren", "commune_insee", "nb_logements",
    "address", "lon", "lat", "note_commune", "note_bailleur",
)  # fmt: skip
"""The valid rows of the file, as `ResidenceRecord` holds them, streamed into the staging table."""

CREATE_STAGING = """
CREATE TEMP TABLE residence_staging (
    line int, code text, name text, bailleur text, bailleur_siren text, commune_insee text,
    nb_logements int, address text, lon float8, lat float8,
    note_commune smallint, note_bailleur smallint, resolved_insee text
) ON COMMIT DROP
"""

COPY_STAGING = f"COPY residence_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN"

CHECK_COMMUNES = text(
    f"""
    WITH s AS (
        SELECT s.*, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS pt,
               COALESCE(c.insee, a.insee) AS resolved, a.insee IS NOT NULL AS via_alias,
               a.old_name
        FROM residence_staging s
        LEFT JOIN commune c ON c.insee = s.commune_insee
        LEFT JOIN commune_alias a ON a.old_code = s.commune_insee AND c.insee IS NULL
    )
    SELECT s.line, s.commune_insee AS declared, s.resolved, s.via_alias, s.old_name,
           rc.name AS resolved_name,
           CASE WHEN rc.geom IS NULL OR ST_Intersects(rc.geom, s.pt) THEN 0
                ELSE ST_Distance(rc.geom::geography, s.pt::geography) END AS distance_m,
           (SELECT c2.insee || ' ' || c2.name FROM commune c2
             WHERE ST_Intersects(c2.geom, s.pt) LIMIT 1) AS containing
    FROM s LEFT JOIN commune rc ON rc.insee = s.resolved
    WHERE s.resolved IS NULL OR s.via_alias OR rc.geom IS NULL
       OR CASE WHEN ST_Intersects(rc.geom, s.pt) THEN false
               ELSE NOT ST_DWithin(rc.geom::geography, s.pt::geography, {COMMUNE_TOLERANCE_M})
          END
    ORDER BY s.line
    """
)
"""The staged rows whose commune is unknown, merged, or far from their point. A point inside its
commune's polygon (the planar test, cheap) is never measured on the sphere."""

RESOLVE_COMMUNES = text(
    """
    UPDATE residence_staging s SET resolved_insee = COALESCE(
        (SELECT c.insee FROM commune c WHERE c.insee = s.commune_insee),
        (SELECT a.insee FROM commune_alias a WHERE a.old_code = s.commune_insee))
    """
)

UPSERT_BAILLEURS = text(
    """
    INSERT INTO bailleur (name, siren)
    SELECT DISTINCT ON (bailleur) bailleur, bailleur_siren FROM residence_staging
    ORDER BY bailleur, bailleur_siren NULLS LAST
    ON CONFLICT (name) DO UPDATE SET siren = COALESCE(EXCLUDED.siren, bailleur.siren)
    """
)

STAGED_POINTS = (
    "SELECT code AS key, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom,"
    " resolved_insee AS commune_insee FROM residence_staging"
)
"""The staged rows as `place_points` reads them: placed before they are written, once."""

UPSERT_RESIDENCES = text(
    f"""
    WITH upserted AS (
        INSERT INTO residence (code, name, bailleur_id, commune_insee, nb_logements, address,
                               is_demo, geom, {", ".join(PLACED_COLUMNS)})
        SELECT s.code, s.name, b.id, s.resolved_insee, s.nb_logements, s.address, :is_demo,
               ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),
               {", ".join(f"p.{c}" for c in PLACED_COLUMNS)}
        FROM residence_staging s JOIN bailleur b ON b.name = s.bailleur
        JOIN {PLACEMENT_TABLE} p ON p.key = s.code
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,
            bailleur_id = EXCLUDED.bailleur_id, commune_insee = EXCLUDED.commune_insee,
            nb_logements = EXCLUDED.nb_logements, address = EXCLUDED.address,
            geom = EXCLUDED.geom, is_demo = EXCLUDED.is_demo,
            {", ".join(f"{c} = EXCLUDED.{c}" for c in PLACED_COLUMNS)}, updated_at = now()
        RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted) AS inserted,
           count(*) FILTER (WHERE NOT inserted) AS updated
    FROM upserted
    """
)
"""Insert or update the staged residences with their placement; count both."""

PLACED_IN_QPV = text(f"SELECT count(*) FROM {PLACEMENT_TABLE} WHERE qpv_code IS NOT NULL")


UNKNOWN_COMMUNE = "commune inconnue du référentiel des communes chargé"


@dataclass
class ResidenceImportSummary:
    inserted: int = 0
    updated: int = 0
    in_qpv: int = 0
    grades: int = 0
    warnings: list[str] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    """The rows a partial import left out, with their errors."""


def _staging_row(record: ResidenceRecord) -> tuple[object, ...]:
    return tuple(getattr(record, column) for column in STAGING_COLUMNS)


def stage_residences(conn: Connection, opened: ResidenceFile) -> tuple[int, list[RowError]]:
    """Stream the file's valid rows into the staging table with COPY, chunk by chunk as they are
    checked; return how many were staged, and every error found."""
    conn.execute(text(CREATE_STAGING))
    staged = 0
    errors: list[RowError] = []
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(COPY_STAGING) as copy:
        for records, chunk_errors in opened.chunks():
            errors += chunk_errors
            for record in records:
                copy.write_row(_staging_row(record))
            staged += len(records)
    conn.execute(text("ANALYZE residence_staging"))
    return staged, errors


def check_communes(conn: Connection, column: str) -> tuple[list[RowError], list[str]]:
    """Errors for unknown communes and points far from their commune; one warning for each old
    code of a merged commune, with the rows that use it."""
    if problem := missing_territory(conn):
        return [RowError(None, None, None, problem)], []
    errors: list[RowError] = []
    aliases: dict[tuple[str, str, str, str], list[int]] = {}
    for row in conn.execute(CHECK_COMMUNES).mappings():
        if row["resolved"] is None:
            errors.append(RowError(row["line"], column, row["declared"], UNKNOWN_COMMUNE))
            continue
        if row["via_alias"]:
            key = (row["declared"], row["old_name"], row["resolved"], row["resolved_name"])
            aliases.setdefault(key, []).append(row["line"])
        if row["distance_m"] > COMMUNE_TOLERANCE_M:
            where = (
                f"dans la commune {row['containing']}"
                if row["containing"]
                else "hors de toute commune chargée"
            )
            errors.append(
                RowError(
                    row["line"],
                    column,
                    row["declared"],
                    f"point {where}, à {decimal(row['distance_m'] / 1000)} km de la commune "
                    f"déclarée {row['resolved']} {row['resolved_name']}",
                )
            )
    return errors, [_alias_warning(key, lines) for key, lines in aliases.items()]


def _alias_warning(alias: tuple[str, str, str, str], lines: list[int]) -> str:
    """One warning for the rows that use an old code: « lignes 2, 5, … (12 lignes) : … »."""
    old_code, old_name, insee, name = alias
    shown = ", ".join(str(line) for line in lines[:REPEATS_LISTED])
    where = (
        f"ligne {shown}"
        if len(lines) == 1
        else f"lignes {shown}{', …' if len(lines) > REPEATS_LISTED else ''} "
        f"({thousands(len(lines))} lignes)"
    )
    return (
        f"{where} : le code {old_code} ({old_name}, commune fusionnée) est rattaché à la "
        f"commune actuelle {insee} {name}"
    )


def import_residences(
    conn: Connection,
    path: Path,
    *,
    crs: str | None = None,
    columns: dict[str, str] | None = None,
    is_demo: bool = False,
    partial: bool = False,
    progress: Progress = silent,
) -> ResidenceImportSummary:
    """Validate then upsert residences by code; raise `ImportRejected` and write nothing on error,
    or, when `partial`, write the valid rows and return the others in `rejected`.

    The caller owns the transaction: roll it back when this raises.
    """
    progress(STEPS[0])
    opened = open_residences(path, crs=crs, columns=columns)
    if opened.errors:
        raise ImportRejected(opened.errors)
    staged, errors = stage_residences(conn, opened)
    if any(error.line is None for error in errors):
        raise ImportRejected(sorted_errors(errors))
    summary = ResidenceImportSummary()
    progress(STEPS[1])
    commune_errors, summary.warnings = check_communes(conn, opened.commune_column)
    errors += commune_errors
    refused = {error.line for error in commune_errors if error.line is not None}
    summary.rejected = rows_left_out(errors, partial=partial, valid=staged - len(refused))
    if staged == len(refused):
        return summary
    if refused:
        conn.execute(
            text("DELETE FROM residence_staging WHERE line = ANY(:lines)"),
            {"lines": sorted(refused)},
        )
    conn.execute(RESOLVE_COMMUNES)
    progress(STEPS[2])
    place_points(conn, STAGED_POINTS)
    summary.in_qpv = conn.execute(PLACED_IN_QPV).scalar_one()
    progress(STEPS[3])
    conn.execute(UPSERT_BAILLEURS)
    counts = conn.execute(UPSERT_RESIDENCES, {"is_demo": is_demo}).one()
    summary.inserted, summary.updated = counts.inserted, counts.updated
    conn.execute(text(f"DROP TABLE {PLACEMENT_TABLE}"))
    # Statistics now, as the demo loader does: the planner sizes its joins by them, and the
    # full layer is split at their middle code (app/layers.py).
    conn.execute(text("ANALYZE residence"))
    progress(STEPS[4])
    summary.grades = _store_file_grades(conn)
    return summary


FILE_GRADES = text(
    """
    SELECT s.line, s.code, s.note_commune, s.note_bailleur, r.epci_siren
    FROM residence_staging s JOIN residence r ON r.code = s.code
    WHERE s.note_commune IS NOT NULL OR s.note_bailleur IS NOT NULL
    ORDER BY s.line
    """
)

LATEST_CAMPAIGN = text(
    "SELECT id FROM campaign WHERE epci_siren = :epci ORDER BY year DESC, id DESC LIMIT 1"
)


def _file_campaign(conn: Connection, epci_siren: str) -> Campaign:
    """The EPCI's latest campaign, or a new one in the grading phase when it has none."""
    campaign_id = conn.execute(LATEST_CAMPAIGN, {"epci": epci_siren}).scalar_one_or_none()
    if campaign_id is None:
        year = date.today().year
        campaign_id = conn.execute(
            text(
                "INSERT INTO campaign (epci_siren, name, year, status) "
                "VALUES (:epci, :name, :year, 'grading') RETURNING id"
            ),
            {"epci": epci_siren, "name": f"Qualification {year}", "year": year},
        ).scalar_one()
    return get_campaign(conn, campaign_id)


def _store_file_grades(conn: Connection) -> int:
    """Grades given in the residence file go, through the grade writer, to the latest campaign
    of each residence's EPCI; one that is not grading refuses the whole file."""
    by_epci: dict[str, list] = {}
    for row in conn.execute(FILE_GRADES).mappings():
        if row["epci_siren"] is not None:
            by_epci.setdefault(row["epci_siren"], []).append(row)
    stored = 0
    for epci_siren, rows in sorted(by_epci.items()):
        campaign = _file_campaign(conn, epci_siren)
        for side in SIDES:
            column = f"note_{side}"
            entries = [
                GradeEntry(row["code"], row[column], line=row["line"])
                for row in rows
                if row[column] is not None
            ]
            try:
                written = write_grades(
                    conn,
                    None,
                    campaign,
                    side,
                    entries,
                    label="import de fichier",
                    source="import des résidences",
                )
            except QualiparcError as exc:
                line = entries[0].line if entries else None
                raise ImportRejected(
                    [RowError(line, column, None, exc.message.rstrip("."))]
                ) from None
            stored += written.inserted + written.updated
    return stored
