"""Import IRIS contours, then re-place every residence in its IRIS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.placement import place_residences
from geo.iris import read_iris
from geo.report import ImportRejected

UPSERT_IRIS = text(
    """
    INSERT INTO iris (code, name, commune_insee, geom)
    VALUES (:code, :name, :commune_insee, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,
        commune_insee = EXCLUDED.commune_insee, geom = EXCLUDED.geom
    """
)


@dataclass
class IrisImportSummary:
    imported: int
    repaired: int
    residences_in_iris: int


def import_iris(conn: Connection, path: Path, *, crs: str | None = None) -> IrisImportSummary:
    """Upsert IRIS contours; raise `ImportRejected` (the caller rolls back) on any bad row."""
    iris_file = read_iris(path, crs=crs)
    if iris_file.errors:
        raise ImportRejected(iris_file.errors)
    conn.execute(
        UPSERT_IRIS,
        [
            {
                "code": r.code,
                "name": r.name,
                "commune_insee": r.commune_insee,
                "wkb": r.geometry.wkb,
            }
            for r in iris_file.records
        ],
    )
    place_residences(conn)
    placed = conn.execute(
        text("SELECT count(*) FROM residence WHERE iris_code IS NOT NULL")
    ).scalar_one()
    return IrisImportSummary(len(iris_file.records), iris_file.repaired, placed)
