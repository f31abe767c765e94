"""Import official QPV perimeters (ANCT files as published), then re-place every residence."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.progress import Progress, silent
from app.core.settings import get_settings
from app.importers.territory import LOAD_THE_TERRITORY, missing_territory
from app.placement import place_residences
from geo.qpv import QpvRecord, check_against_list, read_qpv
from geo.report import ImportRejected, thousands

UPSERT_QPV = text(
    """
    INSERT INTO qpv (code, name, communes, source, vintage, geom)
    VALUES (:code, :name, :communes, :source, :vintage, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, communes = EXCLUDED.communes,
        source = EXCLUDED.source, vintage = EXCLUDED.vintage, geom = EXCLUDED.geom,
        imported_at = now()
    """
)


@dataclass
class QpvImportSummary:
    imported: int = 0
    repaired: int = 0
    vintage: str | None = None
    demo_removed: int = 0
    residences_in_qpv: int = 0
    warnings: list[str] = field(default_factory=list)


def store_qpv(conn: Connection, records: list[QpvRecord], *, source: str, vintage: str | None):
    conn.execute(
        UPSERT_QPV,
        [
            {
                "code": r.code,
                "name": r.name,
                "communes": r.communes,
                "source": source,
                "vintage": vintage,
                "wkb": r.geometry.wkb,
            }
            for r in records
        ],
    )


LOADED_CODES = text("SELECT insee FROM commune UNION SELECT old_code FROM commune_alias")
ON_LOADED_POLYGONS = text(
    """
    SELECT t.i FROM unnest(CAST(:wkbs AS bytea[])) WITH ORDINALITY AS t(wkb, i)
    WHERE EXISTS (SELECT 1 FROM commune c
                  WHERE ST_Intersects(c.geom, ST_GeomFromWKB(t.wkb, 4326)))
    """
)


def in_territory(conn: Connection, records: list[QpvRecord]) -> list[QpvRecord]:
    """The QPV of the loaded territory: one of their communes is loaded (directly or as an old
    code) or, for a file that names no commune code, their perimeter meets a loaded commune."""
    loaded = set(conn.execute(LOADED_CODES).scalars())
    by_code = [r for r in records if r.communes and loaded.intersection(r.communes)]
    uncoded = [r for r in records if not r.communes]
    if not uncoded:
        return by_code
    meeting = set(
        conn.execute(ON_LOADED_POLYGONS, {"wkbs": [r.geometry.wkb for r in uncoded]}).scalars()
    )
    kept = {id(r) for r in by_code} | {id(r) for i, r in enumerate(uncoded, 1) if i in meeting}
    return [r for r in records if id(r) in kept]


STEPS = (
    "Lecture, réparation et reprojection des périmètres",
    "Écriture des QPV",
    "Nouveau placement des résidences",
)
"""What `import_qpv` announces to its `progress`, in order."""


def import_qpv(
    conn: Connection, path: Path, *, crs: str | None = None, progress: Progress = silent
) -> QpvImportSummary:
    """Upsert the official QPV of the loaded territory (a national file is filtered, the QPV
    outside counted in one warning); demonstration QPV are removed once official ones exist.

    The caller owns the transaction: roll it back when this raises `ImportRejected`.
    """
    progress(STEPS[0])
    qpv_file = read_qpv(path, crs=crs)
    if qpv_file.errors:
        raise ImportRejected(qpv_file.errors)
    if problem := missing_territory(conn):
        raise ValueError(problem)
    records = in_territory(conn, qpv_file.records)
    if not records:
        raise ValueError(
            f"aucun des {thousands(len(qpv_file.records))} QPV du fichier n'est dans le "
            f"territoire chargé : {LOAD_THE_TERRITORY}"
        )
    summary = QpvImportSummary(
        imported=len(records),
        repaired=sum(r.repaired for r in records),
        vintage=qpv_file.vintage,
    )
    reference = get_settings().data_dir / "qpv" / "qpv-2024-liste-hauts-de-france.csv"
    if qpv_file.vintage == "2024" and reference.exists():
        summary.warnings = check_against_list(records, reference)
    if outside := len(qpv_file.records) - len(records):
        summary.warnings.append(
            f"{thousands(outside)} QPV hors du territoire chargé, "
            f"ignoré{'s' if outside > 1 else ''}"
        )
    progress(STEPS[1])
    summary.demo_removed = conn.execute(text("DELETE FROM qpv WHERE source = 'demo'")).rowcount
    store_qpv(conn, records, source="official", vintage=qpv_file.vintage)
    progress(STEPS[2])
    place_residences(conn)
    summary.residences_in_qpv = conn.execute(
        text("SELECT count(*) FROM residence WHERE qpv_code IS NOT NULL")
    ).scalar_one()
    return summary
