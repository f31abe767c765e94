"""Import official QPV perimeters (ANCT files as published), then re-place every residence."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.progress import Progress, silent
from app.core.settings import get_settings
from app.placement import place_residences
from geo.qpv import QpvRecord, check_against_list, read_qpv
from geo.report import ImportRejected

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


STEPS = (
    "Lecture, réparation et reprojection des périmètres",
    "Écriture des QPV",
    "Nouveau placement des résidences",
)
"""What `import_qpv` announces to its `progress`, in order."""


def import_qpv(
    conn: Connection, path: Path, *, crs: str | None = None, progress: Progress = silent
) -> QpvImportSummary:
    """Upsert official QPV; demonstration QPV are removed once official ones exist.

    The caller owns the transaction: roll it back when this raises `ImportRejected`.
    """
    progress(STEPS[0])
    qpv_file = read_qpv(path, crs=crs)
    if qpv_file.errors:
        raise ImportRejected(qpv_file.errors)
    summary = QpvImportSummary(
        imported=len(qpv_file.records), repaired=qpv_file.repaired, vintage=qpv_file.vintage
    )
    reference = get_settings().data_dir / "qpv" / "qpv-2024-liste-hauts-de-france.csv"
    if qpv_file.vintage == "2024" and reference.exists():
        summary.warnings = check_against_list(qpv_file.records, reference)
    progress(STEPS[1])
    summary.demo_removed = conn.execute(text("DELETE FROM qpv WHERE source = 'demo'")).rowcount
    store_qpv(conn, qpv_file.records, source="official", vintage=qpv_file.vintage)
    progress(STEPS[2])
    place_residences(conn)
    summary.residences_in_qpv = conn.execute(
        text("SELECT count(*) FROM residence WHERE qpv_code IS NOT NULL")
    ).scalar_one()
    return summary
