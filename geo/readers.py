"""Read the files users import (CSV, Excel, GeoJSON, GeoPackage, Shapefile) into one table shape.

Every cell becomes a stripped string or None, and every row keeps the line number the user sees
in their own file, so that validation can point at it.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import cast
from xml.etree.ElementTree import ParseError

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio.errors
from openpyxl.utils.exceptions import InvalidFileException

from geo.crs import crs_name
from geo.report import RowError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
GEO_KINDS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shp"}
SEPARATORS = (";", "\t", ",")
"""Candidate CSV separators, in the order that breaks ties."""
SHAPEFILE_PARTS = (".shx", ".dbf")

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_GEO_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)


Row = dict[str, str | None]
"""A data row of a `Table`: the user's column name → the cell's text, None when blank."""


class FileFormatError(ValueError):
    """A file that cannot be read at all; the message is French and meant for the user."""


@dataclass
class Table:
    """Rows of an imported file: text cells, user-visible line numbers, geometry if any."""

    frame: pd.DataFrame
    line_numbers: list[int]
    geometry: gpd.GeoSeries | None = None
    crs: str | None = None
    kind: str = "csv"
    errors: list[RowError] = field(default_factory=list)
    """Rows left out because they could not be split into the header's columns."""

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self) -> list[Row]:
        """The data rows, in the order of `line_numbers`."""
        return cast("list[Row]", self.frame.to_dict("records"))


def read_table(path: Path) -> Table:
    """Read a CSV, XLSX, GeoJSON, GeoPackage or Shapefile (.shp or .zip); FileFormatError if not."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"fichier « {path.name} » introuvable")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path)
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path)
    if suffix == ".xls":
        raise FileFormatError(
            "format Excel 97-2003 (.xls) non pris en charge : "
            "enregistrez le fichier en .xlsx ou en CSV"
        )
    if suffix == ".zip":
        return _read_geo(*_zip_member(path))
    if suffix in GEO_KINDS:
        if suffix == ".shp":
            _check_shapefile_parts(path)
        return _read_geo(str(path), GEO_KINDS[suffix])
    raise FileFormatError(
        f"format « {path.suffix or path.name} » non pris en charge : fichiers acceptés CSV, XLSX, "
        "GeoJSON, GeoPackage, Shapefile (.shp ou .zip)"
    )


def parse_number(text: str) -> float:
    """Read a number written the French way ("3,25", "1 234,5") or the English way ("3.25")."""
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", str(text))
    if "," in cleaned and "." in cleaned:
        decimal, thousands = (",", ".") if cleaned.rfind(",") > cleaned.rfind(".") else (".", ",")
        cleaned = cleaned.replace(thousands, "")
        if decimal == ",":
            cleaned = cleaned.replace(",", ".")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", cleaned):
        raise ValueError(f"« {text} » n'est pas un nombre")
    number = float(cleaned)
    if not math.isfinite(number):
        raise ValueError(f"« {text} » n'est pas un nombre")
    return number


def cell_text(value: object) -> str | None:
    """A cell as stripped text, None when empty; integral numbers lose their ".0"."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(t for t in (cell_text(v) for v in value) if t) or None
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return None
        return str(int(number)) if number.is_integer() else format(number, ".15g")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    return str(value).strip() or None


# --- CSV and XLSX -------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL_CHARS.search(text):
            return text
        break
    raise FileFormatError(
        "encodage illisible : enregistrez le fichier en CSV UTF-8 (ou Windows-1252)"
    )


def _sniff_separator(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read_csv(path: Path) -> Table:
    text = _decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_separator(text))
    rows: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for cells in reader:
            rows.append((previous + 1, cells))
            previous = reader.line_num
    except csv.Error as exc:
        raise FileFormatError(f"CSV illisible ligne {reader.line_num} : {exc}") from None
    return _build_table(rows, "csv")


XLSX_UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    ParseError,
)
"""What openpyxl raises on a damaged or hostile workbook (XML entities refused, broken XML…)."""
XLSX_UNREADABLE_MESSAGE = (
    "fichier Excel illisible : classeur endommagé, ou contenant des constructions XML refusées "
    "(entités) ; enregistrez-le de nouveau depuis votre tableur"
)


def _read_xlsx(path: Path) -> Table:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except XLSX_UNREADABLE:
        raise FileFormatError(XLSX_UNREADABLE_MESSAGE) from None
    try:
        if not workbook.worksheets:
            raise FileFormatError("le classeur Excel ne contient aucune feuille")
        sheet = workbook.worksheets[0]
        rows = [
            (number, list(values))
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        ]
    except XLSX_UNREADABLE:
        raise FileFormatError(XLSX_UNREADABLE_MESSAGE) from None
    finally:
        workbook.close()
    return _build_table(rows, "xlsx")


def _column_names(header: Sequence[object]) -> list[str]:
    names = [cell_text(cell) or f"colonne {i}" for i, cell in enumerate(header, start=1)]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FileFormatError(f"colonne « {name} » présente deux fois dans l'en-tête")
        seen.add(name)
    return names


def _build_table(rows: Sequence[tuple[int, Sequence[object]]], kind: str) -> Table:
    """Turn raw rows (line, cells) into a Table: first non-blank row is the header."""
    texts = [(line, [cell_text(c) for c in cells]) for line, cells in rows]
    texts = [(line, cells) for line, cells in texts if any(cells)]
    if not texts:
        raise FileFormatError("fichier vide : aucune ligne d'en-tête")
    header = texts[0][1]
    while header and header[-1] is None:
        header.pop()
    names = _column_names(header)
    width = len(names)
    data: list[list[str | None]] = []
    lines: list[int] = []
    errors: list[RowError] = []
    for line, cells in texts[1:]:
        if any(c is not None for c in cells[width:]):
            count = max(i for i, c in enumerate(cells, start=1) if c is not None)
            errors.append(
                RowError(
                    line,
                    None,
                    None,
                    f"{count} valeurs pour {width} colonnes : vérifiez le séparateur "
                    "et les guillemets (ligne ignorée)",
                )
            )
            continue
        data.append(cells[:width] + [None] * (width - len(cells)))
        lines.append(line)
    frame = pd.DataFrame(data, columns=names, dtype=object)
    unnamed_empty = [
        name
        for i, name in enumerate(names, start=1)
        if name == f"colonne {i}" and frame[name].isna().all()
    ]
    return Table(frame.drop(columns=unnamed_empty), lines, kind=kind, errors=errors)


# --- Geo files ----------------------------------------------------------------------------------


def _missing_shapefile_parts(shp_name: str, names: list[str]) -> list[str]:
    """The companion files (.shx, .dbf) that a shapefile needs and that `names` lacks."""
    present = {name.lower() for name in names}
    stem = shp_name[: -len(".shp")].lower()
    return [part for part in SHAPEFILE_PARTS if stem + part not in present]


def _check_shapefile_parts(path: Path) -> None:
    missing = _missing_shapefile_parts(path.name, [p.name for p in path.parent.iterdir()])
    if missing:
        raise FileFormatError(
            f"shapefile incomplet : il manque {', '.join(missing)} à côté de « {path.name} »"
        )


def _zip_member(path: Path) -> tuple[str, str]:
    """The geo file inside a zip, as a GDAL /vsizip/ path, and its kind."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                n
                for n in archive.namelist()
                if not n.startswith("__MACOSX/") and not Path(n).name.startswith("._")
            ]
    except zipfile.BadZipFile:
        raise FileFormatError("archive zip illisible") from None
    by_suffix: dict[str, list[str]] = {}
    for name in names:
        by_suffix.setdefault(Path(name).suffix.lower(), []).append(name)
    for suffix in (".shp", ".gpkg", ".geojson", ".json"):
        found = by_suffix.get(suffix, [])
        if len(found) > 1:
            raise FileFormatError(
                f"l'archive contient plusieurs fichiers {suffix} : n'en gardez qu'un"
            )
        if found:
            member = found[0]
            missing = _missing_shapefile_parts(member, names) if suffix == ".shp" else []
            if missing:
                raise FileFormatError(
                    f"shapefile incomplet dans l'archive : il manque {', '.join(missing)}"
                )
            return f"/vsizip/{path.resolve()}/{member}", GEO_KINDS[suffix]
    raise FileFormatError(
        "l'archive zip ne contient ni shapefile (.shp), ni GeoPackage, ni GeoJSON"
    )


def _read_geo(source: str, kind: str) -> Table:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            gdf = gpd.read_file(source, engine="pyogrio")
    except _GEO_ERRORS as exc:
        raise FileFormatError(f"fichier géographique illisible ({exc})") from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise FileFormatError("le fichier ne contient pas de géométries")
    gdf = gdf.reset_index(drop=True)
    properties = gdf.drop(columns=gdf.geometry.name)
    frame = pd.DataFrame(
        [[cell_text(v) for v in row] for row in properties.itertuples(index=False)],
        columns=[str(c) for c in properties.columns],
        dtype=object,
    )
    return Table(
        frame=frame,
        line_numbers=list(range(1, len(gdf) + 1)),
        geometry=gdf.geometry,
        crs=crs_name(gdf.crs),
        kind=kind,
    )


# --- Column names -------------------------------------------------------------------------------


def column_key(name: str) -> str:
    """A column name reduced for matching: no case, accents, spaces, underscores or hyphens."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-.'’]+", "", ascii_name.lower())


def find_column(columns: Iterable[str], aliases: Iterable[str]) -> str | None:
    """The user's column matching the first alias that any column matches, as the user wrote it."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(column_key(column), column)
    return next((by_key[k] for k in map(column_key, aliases) if k in by_key), None)
