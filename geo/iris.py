"""Read IRIS contours (INSEE CONTOURS-IRIS or any file with an IRIS code and name)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyproj.exceptions import ProjError
from shapely.geometry import MultiPolygon

from geo.codes import is_iris
from geo.crs import crs_label, parse_crs
from geo.polygons import GEOMETRY_COLUMN, geometry_problem, guess_source, to_wgs84_polygons
from geo.readers import FileFormatError, find_column, read_table
from geo.report import RowError, sorted_errors

CODE_ALIASES = ("code_iris", "dcomiris", "iris_code", "iris")
NAME_ALIASES = ("nom_iris", "lib_iris", "libiris", "libelle_iris")


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
    repaired: int


def read_iris(path: Path, *, crs: str | None = None) -> IrisFile:
    """Read IRIS polygons into WGS84; file-level problems come back as one error with line None."""
    try:
        declared = parse_crs(crs) if crs else None
        table = read_table(path)
    except (FileFormatError, ValueError) as exc:
        return IrisFile([], [RowError(None, None, None, str(exc))], 0)
    if table.geometry is None:
        message = (
            "le fichier ne contient pas de contours : GeoJSON, GeoPackage ou Shapefile attendu"
        )
        return IrisFile([], [RowError(None, None, None, message)], 0)
    columns = list(table.frame.columns)
    code_column = find_column(columns, CODE_ALIASES)
    name_column = find_column(columns, NAME_ALIASES)
    if code_column is None or name_column is None:
        message = "colonnes obligatoires absentes : code_iris/CODE_IRIS et nom_iris/NOM_IRIS"
        return IrisFile([], [RowError(None, None, None, message)], 0)
    source = declared or table.crs or guess_source(table.geometry)
    if source is None:
        message = "système de coordonnées inconnu : précisez EPSG:2154 ou EPSG:4326"
        return IrisFile([], [RowError(None, None, None, message)], 0)
    try:
        repaired_flags, geometries = to_wgs84_polygons(table.geometry, source)
    except ProjError as exc:
        message = f"reprojection impossible depuis {crs_label(source)} ({exc})"
        return IrisFile([], [RowError(None, None, None, message)], 0)

    errors = list(table.errors)
    records: list[IrisRecord] = []
    seen: dict[str, int] = {}
    repaired = 0
    rows = table.rows()
    for position, (line, row) in enumerate(zip(table.line_numbers, rows, strict=True)):
        row_errors = []
        code = (row[code_column] or "").upper()
        if not is_iris(code):
            row_errors.append(
                RowError(line, code_column, code or None, "code IRIS invalide (9 caractères)")
            )
        elif code in seen:
            row_errors.append(
                RowError(line, code_column, code, f"code en double (déjà ligne {seen[code]})")
            )
        else:
            seen[code] = line
        name = row[name_column]
        if not name:
            row_errors.append(RowError(line, name_column, None, "nom de l'IRIS manquant"))
        problem = geometry_problem(table.geometry.iloc[position], geometries[position], source)
        if problem:
            row_errors.append(RowError(line, GEOMETRY_COLUMN, None, problem))
        if row_errors or not name:
            errors += row_errors
            continue
        repaired += repaired_flags[position]
        records.append(IrisRecord(line, code, name, code[:5], geometries[position]))
    return IrisFile(records, sorted_errors(errors), repaired)
