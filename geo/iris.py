"""Read IRIS contours (INSEE CONTOURS-IRIS or any file with an IRIS code and name)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pyproj.exceptions import ProjError
from shapely.geometry import MultiPolygon

from geo.codes import normalise_iris
from geo.crs import crs_label, parse_crs
from geo.fields import IRIS_FIELDS
from geo.polygons import GEOMETRY_COLUMN, geometry_problem, guess_source, to_wgs84_polygons
from geo.readers import FileFormatError, listed_columns, match_columns, read_table
from geo.report import RowError, sorted_errors

FIELD_LABELS = {"code": "code IRIS", "name": "nom de l'IRIS"}


@dataclass
class IrisRecord:
    line: int
    code: str
    name: str
    commune_insee: str
    geometry: MultiPolygon


@dataclass
class IrisFile:
    records: list[IrisRecord]
    errors: list[RowError]
    """Every problem; file-level ones (line None) mean that no row was read."""
    repaired: int


def _file_error(*messages: str) -> IrisFile:
    return IrisFile([], [RowError(None, None, None, message) for message in messages], 0)


def _missing_column(field: str) -> str:
    accepted = ", ".join(IRIS_FIELDS[field])
    return (
        f"colonne du {FIELD_LABELS[field]} absente (noms acceptés : {accepted} ; "
        f"ou --column {field}=COLONNE)"
    )


def read_iris(
    path: Path, *, crs: str | None = None, columns: Mapping[str, str] | None = None
) -> IrisFile:
    """Read IRIS polygons into WGS84; `columns` maps the fields `code` and `name` to the user's
    columns. Codes written as numbers get their leading zero back (départements 01 to 09)."""
    try:
        declared = parse_crs(crs) if crs else None
        table = read_table(path)
    except (FileFormatError, ValueError) as exc:
        return _file_error(str(exc))
    if table.geometry is None:
        return _file_error(
            "le fichier ne contient pas de contours : GeoJSON, GeoPackage ou Shapefile attendu"
        )
    names = list(table.frame.columns)
    mapping, errors = match_columns(names, IRIS_FIELDS, columns)
    missing = [_missing_column(field) for field in IRIS_FIELDS if field not in mapping]
    if missing:
        missing.append(f"colonnes trouvées : {listed_columns(names)}")
    if errors or missing:
        return IrisFile([], errors + [RowError(None, None, None, m) for m in missing], 0)
    source = declared or table.crs or guess_source(table.geometry)
    if source is None:
        return _file_error("système de coordonnées inconnu : précisez EPSG:2154 ou EPSG:4326")
    try:
        repaired_flags, geometries = to_wgs84_polygons(table.geometry, source)
    except ProjError as exc:
        return _file_error(f"reprojection impossible depuis {crs_label(source)} ({exc})")

    code_column, name_column = mapping["code"], mapping["name"]
    errors = list(table.errors)
    records: list[IrisRecord] = []
    seen: dict[str, int] = {}
    repaired = 0
    rows = table.rows()
    for position, (line, row) in enumerate(zip(table.line_numbers, rows, strict=True)):
        row_errors = []
        raw_code = row[code_column]
        code = normalise_iris(raw_code)
        if raw_code is None:
            row_errors.append(RowError(line, code_column, None, "code IRIS manquant"))
        elif code is None:
            row_errors.append(
                RowError(line, code_column, raw_code, "code IRIS invalide (9 caractères)")
            )
        elif code in seen:
            row_errors.append(
                RowError(line, code_column, code, f"code en double (déjà ligne {seen[code]})")
            )
        else:
            seen[code] = line
        name = row[name_column]
        if name is None:
            row_errors.append(RowError(line, name_column, None, "nom de l'IRIS manquant"))
        problem = geometry_problem(table.geometry.iloc[position], geometries[position], source)
        if problem:
            row_errors.append(RowError(line, GEOMETRY_COLUMN, None, problem))
        geometry = geometries[position]
        if row_errors or code is None or name is None or geometry is None:
            errors += row_errors
            continue
        repaired += repaired_flags[position]
        records.append(IrisRecord(line, code, name, code[:5], geometry))
    return IrisFile(records, sorted_errors(errors), repaired)
