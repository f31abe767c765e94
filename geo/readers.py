"""Read the files users import (CSV, Excel, GeoJSON, GeoPackage, Shapefile) into one table shape.

Every cell becomes a stripped string or None (a placeholder such as « (vide) » is None too:
`geo.missing`), and every row keeps the row number the user sees in their spreadsheet, so that
validation can point at it: a CSV record whose quoted address spans several text lines is one
row, as Excel and LibreOffice show it. CSV and XLSX files are read as a stream, within row,
column, cell and size limits, and stop at the first limit passed.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import time as clock
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio.errors
from defusedxml import DefusedXmlException
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import WorkSheetParser

from geo.crs import crs_name
from geo.fields import Fields, field_list
from geo.missing import present
from geo.report import RowError, decimal, thousands

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
GEO_KINDS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shp"}
SEPARATORS = (";", "\t", ",")
"""Candidate CSV separators, in the order that breaks ties."""
SHAPEFILE_PARTS = (".shx", ".dbf")

MAX_ROWS = 200_000
"""Rows of a CSV or XLSX file, header included: a file that goes beyond is refused (callers that
stream a file chunk by chunk may allow more, see `stream_table`)."""
MAX_COLUMNS = 50
"""Columns holding a value in a CSV or XLSX file."""
MAX_CELL_CHARS = 10_000
"""Characters of one cell; a longer cell leaves its row out, with an error."""
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
"""Uncompressed size of an XLSX archive: a few compressed megabytes can unpack to gigabytes."""
MAX_XLSX_STRINGS_BYTES = 32 * 1024 * 1024
"""Uncompressed size of an XLSX's shared strings, which are read whole before the first row."""
_CHECK_EVERY = 1024
"""Rows read between two looks at the clock."""

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?row[\s/>]")
"""The start of a row element of a sheet's XML, with or without a namespace prefix."""
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


@dataclass(frozen=True)
class TimeBudget:
    """A limit on the time spent reading a file, counted from the budget's creation."""

    seconds: float
    started: float = field(default_factory=clock.monotonic)

    def check(self) -> None:
        """Raise FileFormatError once the budget is spent."""
        if clock.monotonic() - self.started > self.seconds:
            raise FileFormatError(
                f"fichier trop long à lire : sa lecture a dépassé {decimal(self.seconds)} s ; "
                "découpez-le en plusieurs fichiers"
            )


def check_budget(budget: TimeBudget | None, count: int) -> None:
    """Check the budget, if any, every `_CHECK_EVERY` rows (`count`: rows read so far)."""
    if budget is not None and count % _CHECK_EVERY == 0:
        budget.check()


def _too_many_rows(max_rows: int) -> FileFormatError:
    return FileFormatError(
        f"fichier trop long : {thousands(max_rows)} lignes au plus (en-tête compris) ; "
        "découpez-le en plusieurs fichiers"
    )


def _too_many_columns(line: int) -> FileFormatError:
    return FileFormatError(
        f"ligne {line} : valeurs au-delà de la colonne {MAX_COLUMNS} ; "
        f"{MAX_COLUMNS} colonnes au plus"
    )


@dataclass
class Table:
    """Rows of an imported file: text cells, user-visible line numbers, geometry if any."""

    frame: pd.DataFrame
    line_numbers: list[int]
    """Each row's number as a spreadsheet shows it (header = 1); feature number in a geo file."""
    geometry: gpd.GeoSeries | None = None
    crs: str | None = None
    kind: str = "csv"
    errors: list[RowError] = field(default_factory=list)
    """Rows left out: not split into the header's columns, or with a cell past `MAX_CELL_CHARS`."""

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self) -> list[Row]:
        """The data rows, in the order of `line_numbers`."""
        columns = list(self.frame.columns)
        rows = self.frame.itertuples(index=False, name=None)
        return [dict(zip(columns, row, strict=True)) for row in rows]


def read_table(path: Path, budget: TimeBudget | None = None) -> Table:
    """Read a CSV, XLSX, GeoJSON, GeoPackage or Shapefile (.shp or .zip); FileFormatError if not,
    or when a CSV or XLSX passes a limit (`MAX_ROWS`, `MAX_COLUMNS`, the time `budget`…)."""
    path = Path(path)
    geo = _geo_source(path)
    if geo is not None:
        return _read_geo(*geo)
    rows = _sheet_rows(path, budget, MAX_ROWS)
    names = _header(rows)
    kind = _sheet_kind(path)
    whole = next(_tables(rows, names, kind, None), None) or _table([], names, [], kind, [])
    frame = whole.frame
    unnamed_empty = [
        name
        for i, name in enumerate(names, start=1)
        if name == f"colonne {i}" and frame[name].isna().all()
    ]
    return Table(
        frame.drop(columns=unnamed_empty), whole.line_numbers, kind=kind, errors=whole.errors
    )


@dataclass
class TableStream:
    """A file read chunk by chunk: its columns first, then `chunks` of at most a given number
    of rows, each a `Table` with its own rows left out (`Table.errors`). A limit passed while
    reading raises FileFormatError from the iteration."""

    columns: list[str]
    chunks: Iterator[Table]
    kind: str = "csv"
    crs: str | None = None


def stream_table(
    path: Path,
    budget: TimeBudget | None = None,
    *,
    chunk_rows: int,
    max_rows: int = MAX_ROWS,
) -> TableStream:
    """Read a file as `read_table` does, holding only one chunk of a CSV or XLSX at a time (a
    geo file is one chunk); `max_rows` may raise the row limit for the command line's imports.

    Unlike `read_table`, an unnamed column stays in the columns even when it is empty."""
    path = Path(path)
    geo = _geo_source(path)
    if geo is not None:
        table = _read_geo(*geo)
        return TableStream(list(table.frame.columns), iter([table]), table.kind, table.crs)
    rows = _sheet_rows(path, budget, max_rows)
    names = _header(rows)
    kind = _sheet_kind(path)
    return TableStream(names, _tables(rows, names, kind, chunk_rows), kind)


def _table(
    data: list[list[str | None]],
    names: list[str],
    lines: list[int],
    kind: str,
    errors: list[RowError],
) -> Table:
    return Table(pd.DataFrame(data, columns=names, dtype=object), lines, kind=kind, errors=errors)


def _tables(
    rows: Iterable[tuple[int, Sequence[object]]],
    names: list[str],
    kind: str,
    chunk_rows: int | None,
) -> Iterator[Table]:
    """The fitted rows of a sheet as tables of at most `chunk_rows` rows (None: one table), each
    with the rows it left out; nothing for a sheet without data rows."""
    data: list[list[str | None]] = []
    lines: list[int] = []
    errors: list[RowError] = []
    for fitted in _fitted_rows(rows, names):
        if isinstance(fitted, RowError):
            errors.append(fitted)
            continue
        lines.append(fitted[0])
        data.append(fitted[1])
        if len(data) == chunk_rows:
            yield _table(data, names, lines, kind, errors)
            data, lines, errors = [], [], []
    if data or errors:
        yield _table(data, names, lines, kind, errors)


def _geo_source(path: Path) -> tuple[str, str] | None:
    """The GDAL source and kind of a geo file, None for a CSV or XLSX; FileFormatError for a
    missing file or any other format."""
    if not path.is_file():
        raise FileFormatError(f"fichier « {path.name} » introuvable")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES or suffix in XLSX_SUFFIXES:
        return None
    if suffix == ".xls":
        raise FileFormatError(
            "format Excel 97-2003 (.xls) non pris en charge : "
            "enregistrez le fichier en .xlsx ou en CSV"
        )
    if suffix == ".zip":
        return _zip_member(path)
    if suffix in GEO_KINDS:
        if suffix == ".shp":
            _check_shapefile_parts(path)
        return str(path), GEO_KINDS[suffix]
    raise FileFormatError(
        f"format « {path.suffix or path.name} » non pris en charge : fichiers acceptés CSV, XLSX, "
        "GeoJSON, GeoPackage, Shapefile (.shp ou .zip)"
    )


def _sheet_kind(path: Path) -> str:
    return "csv" if path.suffix.lower() in CSV_SUFFIXES else "xlsx"


def _sheet_rows(
    path: Path, budget: TimeBudget | None, max_rows: int
) -> Iterator[tuple[int, Sequence[object]]]:
    """The raw rows (line, cells) of a CSV or XLSX, read as they come."""
    if _sheet_kind(path) == "csv":
        return _csv_rows(path, budget, max_rows)
    return _xlsx_rows(path, budget, max_rows)


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
"""A number without grouping nor exponent ("712170,09", "-3", "2.5"): the common case, read
directly."""
_GROUPING = re.compile(r"[\s\u00a0\u202f']")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse_number(text: str) -> float:
    """Read a number written the French way ("3,25", "1 234,5") or the English way ("3.25")."""
    if type(text) is str and _PLAIN_NUMBER.fullmatch(text):
        return float(text.replace(",", "."))
    cleaned = _GROUPING.sub("", str(text))
    if "," in cleaned and "." in cleaned:
        separator, grouping = (",", ".") if cleaned.rfind(",") > cleaned.rfind(".") else (".", ",")
        cleaned = cleaned.replace(grouping, "")
        if separator == ",":
            cleaned = cleaned.replace(",", ".")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"« {text} » n'est pas un nombre")
    number = float(cleaned)
    if not math.isfinite(number):
        raise ValueError(f"« {text} » n'est pas un nombre")
    return number


def cell_text(value: object) -> str | None:
    """A cell as stripped text, None when empty; integral numbers lose their ".0"."""
    if type(value) is str:
        return value.strip() or None
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


_UNREADABLE_ENCODING = "encodage illisible : enregistrez le fichier en CSV UTF-8 (ou Windows-1252)"


def _encoding(path: Path) -> str:
    """UTF-16 with its mark, UTF-8 when every byte of the file decodes as such, else
    Windows-1252; the whole file is checked first, so that its rows can then be streamed."""
    with path.open("rb") as handle:
        head = handle.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _sniff_separator(handle: IO[str]) -> str:
    """The separator of the first non-blank line; the handle is left at its start."""
    header = ""
    for line in handle:
        if line.strip():
            header = line
            break
    handle.seek(0)
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _checked_lines(handle: IO[str]) -> Iterator[str]:
    """The handle's lines; control characters or undecodable bytes make the file unreadable."""
    try:
        for line in handle:
            if _CONTROL_CHARS.search(line):
                raise FileFormatError(_UNREADABLE_ENCODING)
            yield line
    except UnicodeDecodeError:
        raise FileFormatError(_UNREADABLE_ENCODING) from None


def _csv_rows(
    path: Path, budget: TimeBudget | None, max_rows: int
) -> Iterator[tuple[int, list[str]]]:
    """The records of a CSV, numbered as a spreadsheet numbers its rows: a record is one row
    whatever the text lines its quoted cells span, a blank line is a row."""
    with path.open(encoding=_encoding(path), newline="") as handle:
        try:
            separator = _sniff_separator(handle)
        except UnicodeDecodeError:
            raise FileFormatError(_UNREADABLE_ENCODING) from None
        reader = csv.reader(_checked_lines(handle), delimiter=separator)
        row = 0
        try:
            for row, cells in enumerate(reader, start=1):
                if row > max_rows:
                    raise _too_many_rows(max_rows)
                if len(cells) > MAX_COLUMNS and any(c.strip() for c in cells[MAX_COLUMNS:]):
                    raise _too_many_columns(row)
                check_budget(budget, row)
                yield row, cells
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise FileFormatError(
                    f"CSV illisible ligne {row + 1} : une cellule dépasse "
                    f"{thousands(csv.field_size_limit())} caractères (guillemet non fermé ?)"
                ) from None
            raise FileFormatError(f"CSV illisible ligne {row + 1} : {exc}") from None


def _check_xlsx_sizes(path: Path) -> None:
    """Refuse an archive that would unpack beyond the limits (zipfile holds parts to their
    declared size)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(f"fichier Excel illisible ({exc})") from None
    unpacked = sum(part.file_size for part in parts)
    strings = sum(p.file_size for p in parts if p.filename.lower().endswith("sharedstrings.xml"))
    if unpacked > MAX_XLSX_UNPACKED_BYTES or strings > MAX_XLSX_STRINGS_BYTES:
        raise FileFormatError(
            f"fichier Excel trop gros une fois décompressé ({unpacked // 2**20} Mo ; "
            f"{MAX_XLSX_UNPACKED_BYTES // 2**20} Mo au plus, dont "
            f"{MAX_XLSX_STRINGS_BYTES // 2**20} Mo de textes) : découpez-le"
        )


def _more_rows_than(source: IO[bytes], limit: int) -> bool:
    """Whether a sheet's XML holds more than `limit` rows, counted on the raw bytes: much faster
    than parsing them, so that a sheet of a million rows is refused in a second."""
    count, tail = 0, b""
    while chunk := source.read(1 << 20):
        data = tail + chunk
        count += len(_ROW_START.findall(data)) - len(_ROW_START.findall(tail))
        if count > limit:
            return True
        tail = data[-64:]
    return False


def _parsed_xlsx_rows(path: Path, max_rows: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """openpyxl's rows of the first worksheet, parsed one at a time (never the whole sheet,
    which openpyxl's read-only mode scans when the sheet does not declare its size)."""
    reader = ExcelReader(str(path), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            rel.target
            for _, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "worksheet" in rel.Type
        ]
        if not sheets:
            raise FileFormatError("le classeur Excel ne contient aucune feuille")
        with reader.archive.open(sheets[0]) as source:
            if _more_rows_than(source, max_rows):
                raise _too_many_rows(max_rows)
        with reader.archive.open(sheets[0]) as source:
            parser = WorkSheetParser(
                source,
                reader.shared_strings,
                data_only=True,
                epoch=reader.wb.epoch,
                date_formats=reader.wb._date_formats,  # type: ignore[attr-defined]
                timedelta_formats=reader.wb._timedelta_formats,  # type: ignore[attr-defined]
            )
            yield from parser.parse()
    finally:
        reader.archive.close()


def _xlsx_rows(
    path: Path, budget: TimeBudget | None, max_rows: int
) -> Iterator[tuple[int, list[object]]]:
    """The first sheet's rows as (line, values), streamed, within the limits."""
    _check_xlsx_sizes(path)
    rows = _parsed_xlsx_rows(path, max_rows)
    count = 0
    while True:
        try:
            parsed = next(rows, None)
        except FileFormatError:
            raise
        except DefusedXmlException:
            raise FileFormatError(
                "fichier Excel refusé : il déclare des entités XML, ce que ne fait aucun "
                "classeur enregistré par un tableur"
            ) from None
        except Exception as exc:  # openpyxl reads untrusted bytes: any failure is the file's
            raise FileFormatError(f"fichier Excel illisible ({type(exc).__name__})") from None
        if parsed is None:
            return
        line, cells = parsed
        count += 1
        if line > max_rows:
            raise _too_many_rows(max_rows)
        check_budget(budget, count)
        values: dict[int, object] = {}
        for cell in cells:
            if cell["value"] is None:
                continue
            if cell["column"] > MAX_COLUMNS:
                raise _too_many_columns(line)
            values[cell["column"]] = cell["value"]
        if values:
            yield line, [values.get(column) for column in range(1, max(values) + 1)]


def _column_names(header: Sequence[str | None]) -> list[str]:
    names = [cell or f"colonne {i}" for i, cell in enumerate(header, start=1)]
    seen: set[str] = set()
    for name in names:
        if len(name) > MAX_CELL_CHARS:
            raise FileFormatError(
                f"en-tête : nom de colonne de plus de {thousands(MAX_CELL_CHARS)} caractères"
            )
        if name in seen:
            raise FileFormatError(f"colonne « {name} » présente deux fois dans l'en-tête")
        seen.add(name)
    return names


def _row_problem(cells: list[str | None], names: list[str]) -> tuple[str | None, str | None, str]:
    """Why a data row cannot be read as the header's columns: (column, value, reason)."""
    width = len(names)
    for i, cell in enumerate(cells):
        if cell is not None and len(cell) > MAX_CELL_CHARS:
            reason = (
                f"cellule de {thousands(len(cell))} caractères : "
                f"{thousands(MAX_CELL_CHARS)} au plus (ligne ignorée)"
            )
            return (names[i] if i < width else None), cell[:40] + "…", reason
    count = max(i for i, c in enumerate(cells, start=1) if c is not None)
    reason = (
        f"{count} valeurs pour {width} colonnes : vérifiez le séparateur "
        "et les guillemets (ligne ignorée)"
    )
    return None, None, reason


def _header(rows: Iterator[tuple[int, Sequence[object]]]) -> list[str]:
    """The column names: the first non-blank row, consumed from `rows`."""
    for _, raw in rows:
        texts = [cell_text(c) for c in raw]
        if any(texts):
            while texts[-1] is None:
                texts.pop()
            return _column_names(texts)
    raise FileFormatError("fichier vide : aucune ligne d'en-tête")


def _fitted_rows(
    rows: Iterable[tuple[int, Sequence[object]]], names: list[str]
) -> Iterator[tuple[int, list[str | None]] | RowError]:
    """The data rows after the header as (line, one text or None per column), read as they
    come; a blank row is skipped, a row that does not fit the header is an error."""
    width = len(names)
    for line, raw in rows:
        cells = [present(cell_text(c)) for c in raw]
        if not any(cells):
            continue
        fits = not any(c is not None for c in cells[width:])
        if not fits or any(c is not None and len(c) > MAX_CELL_CHARS for c in cells):
            yield RowError(line, *_row_problem(cells, names))
            continue
        yield line, cells[:width] + [None] * (width - len(cells))


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
        [[present(cell_text(v)) for v in row] for row in properties.itertuples(index=False)],
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


def match_columns(
    columns: Sequence[str], fields: Fields, explicit: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[RowError]]:
    """Map each field of `fields` to the user's column: the `explicit` mapping (field → column,
    from `--column`) first, then the accepted names; errors name an unknown field with the valid
    ones, or an explicit column missing from the file with the columns found."""
    mapping: dict[str, str] = {}
    errors: list[RowError] = []
    by_key = {column_key(c): c for c in reversed(columns)}
    for name, wanted in (explicit or {}).items():
        if name not in fields:
            errors.append(
                RowError(
                    None, wanted, None, f"champ « {name} » inconnu (champs : {field_list(fields)})"
                )
            )
        elif wanted in columns or column_key(wanted) in by_key:
            mapping[name] = wanted if wanted in columns else by_key[column_key(wanted)]
        else:
            errors.append(
                RowError(
                    None,
                    wanted,
                    None,
                    "colonne introuvable dans le fichier "
                    f"(colonnes trouvées : {listed_columns(columns)})",
                )
            )
    free = [c for c in columns if c not in mapping.values()]
    for name, aliases in fields.items():
        if name in mapping:
            continue
        column = find_column(free, aliases)
        if column is not None:
            mapping[name] = column
            free.remove(column)
    return mapping, errors


def listed_columns(columns: Sequence[str]) -> str:
    """The columns of a file as an error lists them."""
    return ", ".join(columns) or "aucune"
