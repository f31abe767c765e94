"""Residence exports: the map's rows (grade and quartier attributes) within the caller's scope."""

from __future__ import annotations

import geopandas as gpd
from shapely import from_wkb
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.exports.formats import to_csv, to_gpkg, to_xlsx
from app.layers import ResidenceFilter, feature_collection, residence_rows_sql

COLUMNS = (
    "code",
    "name",
    "bailleur",
    "address",
    "commune_insee",
    "commune_name",
    "epci_siren",
    "nb_logements",
    "grade",
    "grade_label",
    "qpv_code",
    "qpv_name",
    "distance_qpv_m",
    "near_qpv_300m",
    "iris_code",
    "iris_name",
)
TABLE_COLUMNS = (*COLUMNS, "lon", "lat")
"""CSV and XLSX carry the point as WGS84 longitude and latitude."""
LAYER = "residences"
GPKG_TYPES = dict.fromkeys(COLUMNS, "string") | {
    "nb_logements": "Int64",
    "grade": "Int64",
    "distance_qpv_m": "Float64",
    "near_qpv_300m": "boolean",
}
"""Every column's type in the GeoPackage, so that a column without any value (no residence
graded, none placed in an IRIS) keeps its type."""


def scoped_rows_sql(flt: ResidenceFilter) -> tuple[str, dict]:
    """The map's residence rows restricted to the caller's scope (`flt.gate`), grades as the gate
    shows them."""
    scope = flt.gate.residences(r="sr", b="sb")
    rows_sql, params = residence_rows_sql(flt)
    columns = ", ".join(f"t.{column}" for column in COLUMNS)
    sql = f"""
        SELECT {columns}, round(ST_X(t.geom)::numeric, 6)::float8 AS lon,
               round(ST_Y(t.geom)::numeric, 6)::float8 AS lat, t.geom
        FROM ({rows_sql}) AS t
        JOIN residence sr ON sr.code = t.code
        JOIN bailleur sb ON sb.id = sr.bailleur_id
        WHERE {scope.sql}
        ORDER BY t.code
    """
    return sql, scope.bind(params)


def residence_table(conn: Connection, flt: ResidenceFilter) -> list[dict]:
    """Rows of `TABLE_COLUMNS` plus the point as WKB (`wkb`)."""
    sql, params = scoped_rows_sql(flt)
    wrapped = f"SELECT t.*, ST_AsBinary(t.geom) AS wkb FROM ({sql}) AS t"
    rows = conn.execute(text(wrapped), params).mappings().all()
    return [{key: value for key, value in row.items() if key != "geom"} for row in rows]


def export_residences(conn: Connection, flt: ResidenceFilter, fmt: str) -> bytes:
    """The residences of `flt` the caller (`flt.gate`) may see, as `fmt` (csv, xlsx, geojson or
    gpkg)."""
    if fmt == "geojson":
        sql, params = scoped_rows_sql(flt)
        columns = ", ".join(COLUMNS)
        return feature_collection(conn, f"SELECT {columns}, geom FROM ({sql}) AS t", params)
    rows = residence_table(conn, flt)
    if fmt == "csv":
        return to_csv(TABLE_COLUMNS, rows)
    if fmt == "xlsx":
        return to_xlsx(TABLE_COLUMNS, rows, sheet="Résidences")
    frame = gpd.GeoDataFrame(
        [{column: row[column] for column in COLUMNS} for row in rows],
        columns=list(COLUMNS),
        geometry=from_wkb([bytes(row["wkb"]) for row in rows]),
        crs=4326,
    )
    return to_gpkg(frame, LAYER, GPKG_TYPES)
