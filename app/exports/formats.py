"""File formats of the exports: French CSV, XLSX, GeoPackage; spreadsheet formulas neutralised.

Every text cell of a CSV or XLSX goes through `geo.spreadsheet.neutralise`, so that an exported
residence name or rationale never runs as a formula.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from geo.spreadsheet import neutralise

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_MEDIA_TYPE = "application/geo+json"
GPKG_MEDIA_TYPE = "application/geopackage+sqlite3"
MEDIA_TYPES = {
    "csv": CSV_MEDIA_TYPE,
    "xlsx": XLSX_MEDIA_TYPE,
    "geojson": GEOJSON_MEDIA_TYPE,
    "gpkg": GPKG_MEDIA_TYPE,
}
FORMATS = tuple(MEDIA_TYPES)
GPKG_VERSION = "1.2"
"""GeoPackage 1.2: GDAL writes 1.4 by default, which GDAL 3.6 and QGIS 3.22 warn about."""


def flatten(row: Mapping[str, object]) -> dict[str, object]:
    """A row with one scalar per cell: `{"a": {"1": 2}}` → `a_1`; lists joined with « ; »."""
    flat: dict[str, object] = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
            for sub_key, sub_value in value.items():
                flat[f"{key}_{sub_key}"] = sub_value
        elif isinstance(value, list | tuple):
            flat[key] = " ; ".join(str(item) for item in value)
        else:
            flat[key] = value
    return flat


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    """CSV as French spreadsheets open it: UTF-8 with BOM, `;` separator, decimal comma."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_cell(value: object) -> object:
    """A value as an XLSX cell: text neutralised and without the control characters that XML
    cannot hold, decimals as floats."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_xlsx(columns: Sequence[str], rows: Iterable[Mapping[str, object]], sheet: str) -> bytes:
    """One worksheet named `sheet`, a frozen header row and an auto-filter."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet[:31]
    worksheet.append(list(columns))
    for row in rows:
        worksheet.append([xlsx_cell(row.get(column)) for column in columns])
    worksheet.freeze_panes = "A2"
    worksheet.auto_filter.ref = worksheet.dimensions
    for index, column in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(10, len(column) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_gpkg(frame: gpd.GeoDataFrame, layer: str, types: Mapping[str, str]) -> bytes:
    """A GeoPackage 1.2 holding `frame` as layer `layer` (written to a temporary file by GDAL),
    each column of `types` given its nullable pandas type ("Int64", "Float64", "boolean",
    "string"), so that a column without any value keeps its type in a GIS."""
    with tempfile.TemporaryDirectory(prefix="qualiparc-export-") as directory:
        path = Path(directory) / f"{layer}.gpkg"
        frame.astype(dict(types)).to_file(
            path, layer=layer, driver="GPKG", engine="pyogrio", VERSION=GPKG_VERSION
        )
        return path.read_bytes()


def frame_from_geojson(body: bytes) -> gpd.GeoDataFrame:
    """A GeoDataFrame (EPSG:4326) from GeoJSON bytes built by PostGIS."""
    frame = gpd.read_file(io.BytesIO(body), engine="pyogrio")
    if frame.crs is None:
        frame = frame.set_crs(4326)
    return frame
