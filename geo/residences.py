"""Validate a residence file (CSV, XLSX or geo file) into records, reporting every bad row.

Column names vary between landlords and tools, so each field accepts several names
(`geo.fields.RESIDENCE_FIELDS`); coordinates may be Lambert-93 or WGS84 and are checked point
by point before reprojection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from geo.codes import is_siren, normalise_insee
from geo.crs import WGS84, diagnose_points, guess_crs, parse_crs, to_wgs84
from geo.fields import RESIDENCE_FIELDS
from geo.grades import GradeError, parse_grade
from geo.readers import (
    FileFormatError,
    Row,
    Table,
    TableStream,
    listed_columns,
    match_columns,
    parse_number,
    stream_table,
)
from geo.report import RowError, sorted_errors

GEOMETRY_COLUMN = "géométrie"
"""How errors name the geometry of a geo file, which has no column name of its own."""

REQUIRED = ("code", "name", "bailleur", "commune_insee", "nb_logements")
SIREN_SEPARATORS = re.compile(r"[\s\u00a0\u202f.]")
"""What a SIREN may be written with between its digits (spaces, points)."""
COLUMN_LABELS = {
    "code": "code de la résidence",
    "name": "nom de la résidence",
    "bailleur": "bailleur",
    "commune_insee": "code INSEE de la commune",
    "nb_logements": "nombre de logements",
    "x": "X",
    "y": "Y",
    "lon": "longitude",
    "lat": "latitude",
}


@dataclass
class ResidenceRecord:
    """One valid row of a residence file, with WGS84 coordinates."""

    line: int
    code: str
    name: str
    bailleur: str
    bailleur_siren: str | None
    commune_insee: str
    nb_logements: int
    lon: float
    lat: float
    address: str | None
    note_commune: int | None
    note_bailleur: int | None
    commune_column: str = field(default="commune_insee", compare=False)
    """The user's name of the commune column, for errors found later in the database."""


def _missing_column(canonical: str) -> RowError:
    accepted = ", ".join(RESIDENCE_FIELDS[canonical][:6])
    return RowError(
        None,
        canonical,
        None,
        f"colonne obligatoire absente ({COLUMN_LABELS[canonical]} ; noms acceptés : {accepted}…)",
    )


class _RowErrors:
    """Errors of one row, at most one per column."""

    def __init__(self, line: int):
        self.line = line
        self.errors: dict[str | None, RowError] = {}

    def add(self, column: str | None, value: str | None, message: str) -> None:
        self.errors.setdefault(column, RowError(self.line, column, value, message))


def _text(row: Row, mapping: dict[str, str], canonical: str) -> str | None:
    column = mapping.get(canonical)
    return None if column is None else row.get(column)


def _check_dwellings(value: str | None, errors: _RowErrors, column: str) -> int | None:
    if value is None:
        errors.add(column, None, "nombre de logements manquant")
        return None
    try:
        number = parse_number(value)
    except ValueError:
        errors.add(column, value, "nombre de logements non numérique")
        return None
    if not number.is_integer():
        errors.add(column, value, "nombre de logements non entier")
    elif number < 0:
        errors.add(column, value, "nombre de logements négatif")
    elif number == 0:
        errors.add(column, value, "nombre de logements nul")
    else:
        return int(number)
    return None


def _check_grade(value: str | None, errors: _RowErrors, column: str | None) -> int | None:
    if value is None or column is None:
        return None
    try:
        return parse_grade(value)
    except GradeError as exc:
        errors.add(column, value, str(exc))
        return None


def _check_coordinate(value: str | None, errors: _RowErrors, column: str) -> float | None:
    if value is None:
        errors.add(column, None, "coordonnée manquante")
        return None
    try:
        return parse_number(value)
    except ValueError:
        errors.add(column, value, "coordonnée non numérique")
        return None


def _point_of(geometry: BaseGeometry | None, errors: _RowErrors) -> tuple[float, float] | None:
    if geometry is None or geometry.is_empty:
        errors.add(GEOMETRY_COLUMN, None, "géométrie absente")
        return None
    if geometry.geom_type == "MultiPoint" and len(geometry.geoms) == 1:
        geometry = geometry.geoms[0]
    if geometry.geom_type != "Point":
        errors.add(GEOMETRY_COLUMN, geometry.geom_type, "un point est attendu pour une résidence")
        return None
    return geometry.x, geometry.y


CHUNK_ROWS = 20_000
"""Rows checked, then streamed to the database, at a time: the memory of an import."""
MAX_RESIDENCE_ROWS = 1_000_001
"""Rows of a residence file, header included: a million residences, all of France several times
over, read chunk by chunk (other imports keep `geo.readers.MAX_ROWS`)."""


@dataclass
class ResidenceFile:
    """A residence file opened for validation chunk by chunk, so that a file of any length is
    checked with the memory of one chunk.

    `errors` holds the file's own problems (columns, format), found before any row: when it is
    not empty, `chunks` yields nothing.
    """

    errors: list[RowError]
    commune_column: str = "commune_insee"
    """The user's name of the commune column, for errors found later in the database."""
    _stream: TableStream | None = None
    _mapping: dict[str, str] = field(default_factory=dict)
    _coordinates: tuple[str, str] | None = None
    _source: str | None = None

    def chunks(self) -> Iterator[tuple[list[ResidenceRecord], list[RowError]]]:
        """Each chunk's valid records (WGS84) and row errors, in the file's order. A problem of
        the whole file met on the way (a limit passed, no CRS to be found) is an error without
        a line; the chunks stop at a limit, and yield no record when the CRS is unknown."""
        if self.errors or self._stream is None:
            return
        if self._source is None:
            yield [], [RowError(None, None, None, UNKNOWN_CRS)]
        first_line: dict[str, int] = {}
        try:
            for table in self._stream.chunks:
                yield _validate_rows(
                    table, self._mapping, self._coordinates, self._source, first_line
                )
        except FileFormatError as exc:
            yield [], [RowError(None, None, None, str(exc))]


UNKNOWN_CRS = (
    "système de coordonnées indéterminé : précisez Lambert-93 (EPSG:2154) ou WGS84 (EPSG:4326)"
)


def open_residences(
    path: Path,
    *,
    crs: str | None = None,
    columns: dict[str, str] | None = None,
    chunk_rows: int | None = None,
) -> ResidenceFile:
    """Open a residence file: its columns are matched and checked here, its rows by `chunks`.

    `crs` (any form `parse_crs` accepts) overrides the file's CRS; `columns` maps canonical names
    to the user's columns; `chunk_rows` defaults to `CHUNK_ROWS`. Without either a CRS or
    longitudes and latitudes, the CRS is guessed from every point of the file, read once more
    for that.
    """
    try:
        declared = parse_crs(crs) if crs else None
        stream = stream_table(
            path, chunk_rows=chunk_rows or CHUNK_ROWS, max_rows=MAX_RESIDENCE_ROWS
        )
    except (FileFormatError, ValueError) as exc:
        return ResidenceFile([RowError(None, None, None, str(exc))])
    names = stream.columns
    mapping, errors = match_columns(names, RESIDENCE_FIELDS, columns)
    missing = [_missing_column(c) for c in REQUIRED if c not in mapping]
    if missing:
        missing.append(RowError(None, None, None, f"colonnes trouvées : {listed_columns(names)}"))
    errors += missing
    coordinates = _coordinate_columns(stream.kind, mapping, errors)
    if errors:
        return ResidenceFile(sorted_errors(errors))
    source = declared or _source_crs(path, stream, mapping, coordinates)
    return ResidenceFile(
        [],
        commune_column=mapping["commune_insee"],
        _stream=stream,
        _mapping=mapping,
        _coordinates=coordinates,
        _source=source,
    )


def parse_residences(
    path: Path, *, crs: str | None = None, columns: dict[str, str] | None = None
) -> tuple[list[ResidenceRecord], list[RowError]]:
    """Read and validate a whole residence file; records only for rows without any error, and
    none at all when the file has an error without a line (a limit passed, no CRS found)."""
    opened = open_residences(path, crs=crs, columns=columns)
    records: list[ResidenceRecord] = []
    errors = list(opened.errors)
    for chunk_records, chunk_errors in opened.chunks():
        records += chunk_records
        errors += chunk_errors
    limit = [e for e in errors if e.line is None and e.message != UNKNOWN_CRS]
    if limit:
        return [], limit
    if any(e.line is None for e in errors):
        return [], sorted_errors(errors)
    return records, sorted_errors(errors)


def _coordinate_columns(
    kind: str, mapping: dict[str, str], errors: list[RowError]
) -> tuple[str, str] | None:
    """The (x, y) canonical pair holding coordinates, None for the geometry of a geo file."""
    if kind not in ("csv", "xlsx"):
        return None
    for pair in (("lon", "lat"), ("x", "y")):
        present = [c for c in pair if c in mapping]
        if len(present) == 2:
            return pair
        if present:
            missing = pair[1 - pair.index(present[0])]
            errors.append(_missing_column(missing))
            return pair
    errors.append(
        RowError(
            None,
            None,
            None,
            "colonnes de coordonnées absentes : X et Y (Lambert-93) ou longitude et latitude "
            "(WGS84)",
        )
    )
    return None


def _source_crs(
    path: Path, stream: TableStream, mapping: dict[str, str], coordinates: tuple[str, str] | None
) -> str | None:
    """The file's CRS when it says it, WGS84 for longitudes and latitudes, else the guess that
    most points of the file support (read once more, coordinates only)."""
    if coordinates is None and stream.crs:
        return stream.crs
    if coordinates == ("lon", "lat"):
        return WGS84
    xs: list[float] = []
    ys: list[float] = []
    try:
        chunks = stream_table(path, chunk_rows=CHUNK_ROWS, max_rows=MAX_RESIDENCE_ROWS).chunks
        for table in chunks:
            for position, row in enumerate(table.rows()):
                point = _raw_point(table, position, row, mapping, coordinates, _RowErrors(0))
                if point is not None:
                    xs.append(point[0])
                    ys.append(point[1])
    except FileFormatError:
        return None  # the chunks meet the same limit and report it
    return guess_crs(xs, ys)


def _raw_point(
    table: Table,
    position: int,
    row: Row,
    mapping: dict[str, str],
    coordinates: tuple[str, str] | None,
    errors: _RowErrors,
) -> tuple[float, float] | None:
    """The row's point as written in the file (before reprojection), or None with its errors."""
    if coordinates is None:
        assert table.geometry is not None, "_coordinate_columns: None only for a geo file"
        return _point_of(table.geometry.iloc[position], errors)
    x_column, y_column = mapping[coordinates[0]], mapping[coordinates[1]]
    x = _check_coordinate(row.get(x_column), errors, x_column)
    y = _check_coordinate(row.get(y_column), errors, y_column)
    return None if x is None or y is None else (x, y)


def _validate_rows(
    table: Table,
    mapping: dict[str, str],
    coordinates: tuple[str, str] | None,
    source: str | None,
    first_line: dict[str, int],
) -> tuple[list[ResidenceRecord], list[RowError]]:
    """Check the rows of one chunk; `first_line` (code → first row) carries the codes already
    seen across chunks. Without a `source` CRS, rows are checked but none becomes a record."""
    rows = table.rows()
    x_column = GEOMETRY_COLUMN if coordinates is None else mapping[coordinates[0]]
    checked: list[tuple[_RowErrors, dict[str, Any]]] = []
    points: list[tuple[float, float] | None] = []
    for position, (line, row) in enumerate(zip(table.line_numbers, rows, strict=True)):
        row_errors = _RowErrors(line)
        fields = _check_fields(row, mapping, row_errors, first_line)
        points.append(_raw_point(table, position, row, mapping, coordinates, row_errors))
        checked.append((row_errors, fields))
    errors = list(table.errors)
    if source is None:
        return [], errors + [e for r, _ in checked for e in r.errors.values()]

    located = [(i, p) for i, p in enumerate(points) if p is not None]
    problems = diagnose_points(
        np.array([p[0] for _, p in located], dtype=float),
        np.array([p[1] for _, p in located], dtype=float),
        source,
    )
    for (i, point), problem in zip(located, problems, strict=True):
        if problem is None:
            continue
        if coordinates is None:
            value = f"{point[0]:.10g} ; {point[1]:.10g}"
        else:
            value = " ; ".join(str(_text(rows[i], mapping, c)) for c in coordinates)
        checked[i][0].add(x_column, value, problem)

    good = [
        (row_errors.line, fields, point)
        for (row_errors, fields), point in zip(checked, points, strict=True)
        if point is not None and not row_errors.errors
    ]
    lons, lats = to_wgs84([p[0] for _, _, p in good], [p[1] for _, _, p in good], source)
    records = [
        ResidenceRecord(
            line=line,
            lon=float(lon),
            lat=float(lat),
            commune_column=mapping["commune_insee"],
            **fields,
        )
        for (line, fields, _), lon, lat in zip(good, lons, lats, strict=True)
    ]
    errors += [e for row_errors, _ in checked for e in row_errors.errors.values()]
    return records, errors


def _check_fields(
    row: Row, mapping: dict[str, str], errors: _RowErrors, first_line: dict[str, int]
) -> dict[str, Any]:
    """Check every non-coordinate field of a row; return the record's values."""
    code = _text(row, mapping, "code")
    code_column = mapping["code"]
    if code is None:
        errors.add(code_column, None, "code de résidence manquant")
    elif code in first_line:
        errors.add(code_column, code, f"code en double (déjà présent ligne {first_line[code]})")
    else:
        first_line[code] = errors.line

    name = _text(row, mapping, "name")
    if name is None:
        errors.add(mapping["name"], None, "nom de résidence manquant")
    bailleur = _text(row, mapping, "bailleur")
    if bailleur is None:
        errors.add(mapping["bailleur"], None, "nom du bailleur manquant")

    siren = _text(row, mapping, "bailleur_siren")
    if siren is not None:
        if not (len(siren) == 9 and siren.isascii() and siren.isdigit()):  # the usual form
            siren = SIREN_SEPARATORS.sub("", siren)
        if not is_siren(siren):
            errors.add(
                mapping["bailleur_siren"],
                _text(row, mapping, "bailleur_siren"),
                "SIREN du bailleur invalide (9 chiffres attendus)",
            )

    raw_insee = _text(row, mapping, "commune_insee")
    insee = normalise_insee(raw_insee)
    if raw_insee is None:
        errors.add(mapping["commune_insee"], None, "code INSEE de la commune manquant")
    elif insee is None:
        errors.add(
            mapping["commune_insee"],
            raw_insee,
            "code INSEE de commune invalide (5 caractères attendus, ex. 59350 ou 2A004)",
        )

    count_column = mapping["nb_logements"]
    nb_logements = _check_dwellings(_text(row, mapping, "nb_logements"), errors, count_column)
    return {
        "code": code,
        "name": name,
        "bailleur": bailleur,
        "bailleur_siren": siren,
        "commune_insee": insee,
        "nb_logements": nb_logements,
        "address": _text(row, mapping, "address"),
        "note_commune": _check_grade(
            _text(row, mapping, "note_commune"), errors, mapping.get("note_commune")
        ),
        "note_bailleur": _check_grade(
            _text(row, mapping, "note_bailleur"), errors, mapping.get("note_bailleur")
        ),
    }
