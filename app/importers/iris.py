"""Import IRIS contours, then re-place every residence in its IRIS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.placement import place_residences
from geo.iris import read_iris
from geo.report import RowError, rows_left_out

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
    rejected: list[RowError] = field(default_factory=list)
    """The rows a partial import left out, with their errors."""


def import_iris(
    conn: Connection,
    path: Path,
    *,
    crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    partial: bool = False,
) -> IrisImportSummary:
    """Upsert IRIS contours, then place every residence again; raise `ImportRejected` (the
    caller rolls back) on any bad row, or, when `partial`, write the valid ones and return the
    others in `rejected`. `columns` maps the fields `code` and `name` to the file's columns."""
    iris_file = read_iris(path, crs=crs, columns=columns)
    rejected = rows_left_out(iris_file.errors, partial=partial, valid=len(iris_file.records))
    if not iris_file.records:
        return IrisImportSummary(0, 0, 0)
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
    return IrisImportSummary(len(iris_file.records), iris_file.repaired, placed, rejected)
