"""Read the official QPV perimeter file (ANCT) as published, 2024 or 2015 list, any usual CRS.

The published perimeters hold invalid polygons (self-intersections, touching rings): they are
repaired with `make_valid`, keeping only polygonal parts, so that PostGIS can index them.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pyproj.exceptions import ProjError
from shapely.geometry import MultiPolygon

from geo.codes import normalise_insee
from geo.crs import crs_label, parse_crs
from geo.polygons import GEOMETRY_COLUMN, geometry_problem, guess_source, to_wgs84_polygons
from geo.readers import FileFormatError, column_key, find_column, read_table
from geo.report import RowError, sorted_errors

CODE_ALIASES = ("code_qp", "code_qpv", "code_quartier")
NAME_ALIASES = ("lib_qp", "nom_qp", "nom_qpv", "lib_qpv", "nom_quartier", "libelle_qp")
COMMUNE_CODE_ALIASES = (
    "insee_com",
    "code_commune",
    "code_insee",
    "codes_insee",
    "depcom",
    "code_commu",
)
"""`code_commu` is `code_commune` cut to the 10 characters of a Shapefile field."""
COMMUNE_NAME_ALIASES = ("lib_com", "commune_qp", "nom_commune", "nom_com", "communes")
VINTAGES = {
    "2024": re.compile(r"^QN(\d{3}|02[AB])\d{2}[NMI]$"),
    "2015": re.compile(r"^QP(\d{3}|02[AB])\d{3}$"),
}
"""QPV code patterns: département on 3 characters, then the order number (and N/M/I in 2024)."""


@dataclass
class QpvRecord:
    """One QPV of the file, its perimeter in WGS84."""

    line: int
    code: str
    name: str
    communes: list[str]
    """INSEE codes; empty when the file names communes only (2015 `COMMUNE_QP`)."""
    geometry: MultiPolygon
    commune_names: list[str] = field(default_factory=list)
    repaired: bool = False
    """Whether the published perimeter was invalid and repaired."""


@dataclass
class QpvFile:
    """What a QPV file holds: valid records, errors, and how many perimeters were repaired."""

    records: list[QpvRecord]
    errors: list[RowError]
    repaired: int
    vintage: str | None
    """"2024" or "2015", from the codes."""
    source_crs: str | None
    """The CRS the perimeters were read in; None only when a file-level error says why."""


def code_vintage(code: str) -> str | None:
    """The QPV list a code belongs to ("2024" for QN05920M, "2015" for QP059020), or None."""
    return next((year for year, pattern in VINTAGES.items() if pattern.match(code)), None)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[,;/|]", text or "") if part.strip()]


def _file_error(message: str, source_crs: str | None = None) -> QpvFile:
    return QpvFile([], [RowError(None, None, None, message)], 0, None, source_crs)


def read_qpv(path: Path, *, crs: str | None = None) -> QpvFile:
    """Read QPV perimeters (GeoJSON, GeoPackage, Shapefile) into WGS84 MultiPolygons.

    `crs` overrides the file's CRS. File-level problems come back as one error with line None.
    """
    try:
        declared = parse_crs(crs) if crs else None
        table = read_table(path)
    except (FileFormatError, ValueError) as exc:
        return _file_error(str(exc))
    if table.geometry is None:
        return _file_error(
            "le fichier ne contient pas de périmètres : GeoJSON, GeoPackage ou Shapefile attendu"
        )
    columns = list(table.frame.columns)
    code_column = find_column(columns, CODE_ALIASES)
    name_column = find_column(columns, NAME_ALIASES)
    if code_column is None or name_column is None:
        missing = [
            f"« {aliases[0]} »"
            for aliases, found in ((CODE_ALIASES, code_column), (NAME_ALIASES, name_column))
            if found is None
        ]
        return _file_error(
            f"colonne obligatoire absente : {' et '.join(missing)} "
            "(code_qp/CODE_QP et lib_qp/nom_qp/NOM_QP attendus)"
        )
    source = declared or table.crs or guess_source(table.geometry)
    if source is None:
        return _file_error(
            "système de coordonnées inconnu : précisez Lambert-93 (EPSG:2154) ou WGS84 (EPSG:4326)"
        )
    try:
        repaired_flags, geometries = to_wgs84_polygons(table.geometry, source)
    except ProjError as exc:
        return _file_error(f"reprojection impossible depuis {crs_label(source)} ({exc})", source)

    commune_code_column = find_column(columns, COMMUNE_CODE_ALIASES)
    commune_name_column = find_column(
        [c for c in columns if c != commune_code_column], COMMUNE_NAME_ALIASES
    )
    errors: list[RowError] = []
    candidates: list[tuple[QpvRecord, str]] = []
    first_line: dict[str, int] = {}
    repaired = 0
    rows = table.rows()
    for position, (line, row) in enumerate(zip(table.line_numbers, rows, strict=True)):
        row_errors: list[RowError] = []
        code = (row[code_column] or "").upper() or None
        vintage = code_vintage(code) if code else None
        if code is None:
            row_errors.append(RowError(line, code_column, None, "code QPV manquant"))
        elif vintage is None:
            row_errors.append(
                RowError(
                    line,
                    code_column,
                    code,
                    "code QPV non reconnu (attendu QN05920M pour la liste 2024, "
                    "QP059020 pour 2015)",
                )
            )
        elif code in first_line:
            row_errors.append(
                RowError(
                    line,
                    code_column,
                    code,
                    f"code en double (déjà présent ligne {first_line[code]})",
                )
            )
        if code and code not in first_line:
            first_line[code] = line
        name = row[name_column]
        if name is None:
            row_errors.append(RowError(line, name_column, None, "nom du QPV manquant"))
        raw_communes = row[commune_code_column] if commune_code_column else None
        codes = [normalise_insee(c) for c in _split(raw_communes)]
        communes = [c for c in codes if c is not None]
        if len(communes) < len(codes):
            row_errors.append(
                RowError(line, commune_code_column, raw_communes, "code INSEE de commune invalide")
            )
        raw_geometry = table.geometry.iloc[position]
        geometry = geometries[position]
        problem = geometry_problem(raw_geometry, geometry, source)
        if problem:
            row_errors.append(RowError(line, GEOMETRY_COLUMN, None, problem))
        if row_errors or code is None or vintage is None or name is None:
            errors += row_errors
            continue
        repaired += repaired_flags[position]
        commune_names = _split(row[commune_name_column]) if commune_name_column else []
        record = QpvRecord(
            line, code, name, communes, geometry, commune_names, repaired_flags[position]
        )
        candidates.append((record, vintage))

    vintage, records = _one_vintage(candidates, code_column, errors)
    return QpvFile(records, sorted_errors(errors), repaired, vintage, source)


def _one_vintage(
    candidates: list[tuple[QpvRecord, str]], code_column: str, errors: list[RowError]
) -> tuple[str | None, list[QpvRecord]]:
    """A file holds one QPV list: codes of the minority list are reported, not imported."""
    counts = Counter(vintage for _, vintage in candidates)
    if not counts:
        return None, []
    vintage = counts.most_common(1)[0][0]
    for record, other in candidates:
        if other != vintage:
            errors.append(
                RowError(
                    record.line,
                    code_column,
                    record.code,
                    f"code de la liste {other} dans un fichier de la liste {vintage}",
                )
            )
    return vintage, [record for record, other in candidates if other == vintage]


def _departement(code: str) -> str:
    return code.lstrip("0")


def check_against_list(records: list[QpvRecord], list_csv: Path) -> list[str]:
    """Warnings (French) for 2024 codes missing from the official list or named differently.

    Only QPV of the départements the list covers are checked: the list is regional.
    """
    with Path(list_csv).open(encoding="utf-8-sig", newline="") as handle:
        official = {row["code_qp"].strip().upper(): row for row in csv.DictReader(handle)}
    covered = {_departement(code[2:5]) for code in official}
    warnings: list[str] = []
    for record in records:
        if code_vintage(record.code) != "2024" or _departement(record.code[2:5]) not in covered:
            continue
        entry = official.get(record.code)
        if entry is None:
            warnings.append(
                f"{record.code} « {record.name} » : code absent de la liste officielle 2024"
            )
            continue
        if column_key(entry["lib_qp"]) != column_key(record.name):
            warnings.append(
                f"{record.code} : nom « {record.name} » différent de la liste officielle "
                f"« {entry['lib_qp']} »"
            )
        listed = normalise_insee(entry.get("insee_com"))
        if record.communes and listed and listed not in record.communes:
            warnings.append(
                f"{record.code} : la liste officielle le place dans la commune {listed} "
                f"({entry.get('lib_com')}), absente du fichier ({', '.join(record.communes)})"
            )
    return warnings
