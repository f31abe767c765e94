"""Quartier aggregate exports: the rows of `app.analysis.aggregates`, flat for spreadsheets, GIS."""

from __future__ import annotations

import geopandas as gpd
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.analysis.aggregates import quartier_rows, quartiers_geojson
from app.exports.formats import flatten, frame_from_geojson, to_csv, to_gpkg, to_xlsx
from geo.grades import GRADES

COLUMNS = (
    "code",
    "name",
    "level",
    "campaign_id",
    "epci_siren",
    "nb_residences",
    "nb_residences_graded",
    "nb_logements",
    "nb_logements_graded",
    "basis",
    "mean_grade",
    *(f"grade_distribution_{grade}" for grade in GRADES),
    "fragile_share",
    "unqualified_share",
    "qpv_share",
    "epci_fragile_share",
    "rebalancing_need",
    "rebalancing_label",
    "rebalancing_reasons",
    "secret",
)
"""`grade_distribution` becomes one column per grade (dwellings or residences, as `basis` says);
reasons are joined by « ; »."""
LAYER = "quartiers"
INTEGERS = (
    "campaign_id",
    "nb_residences",
    "nb_residences_graded",
    "nb_logements",
    "nb_logements_graded",
    *(f"grade_distribution_{grade}" for grade in GRADES),
    "rebalancing_need",
)
DECIMALS = ("mean_grade", "fragile_share", "unqualified_share", "qpv_share", "epci_fragile_share")
GPKG_TYPES = (
    dict.fromkeys(COLUMNS, "string")
    | dict.fromkeys(INTEGERS, "Int64")
    | dict.fromkeys(DECIMALS, "Float64")
    | {"secret": "boolean"}
)
"""Every column's type in the GeoPackage: a campaign without any grade keeps numeric columns."""


def export_quartiers(
    conn: Connection,
    level: str,
    campaign_id: int | None,
    gate: Gate,
    fmt: str,
) -> bytes:
    """The aggregates of `level` for the campaign, as `fmt` (csv, xlsx, geojson or gpkg)."""
    if fmt == "geojson":
        return quartiers_geojson(conn, level, campaign_id, gate=gate)
    rows = [flatten(row) for row in quartier_rows(conn, level, campaign_id, gate=gate)]
    if fmt == "csv":
        return to_csv(COLUMNS, rows)
    if fmt == "xlsx":
        return to_xlsx(COLUMNS, rows, sheet="Quartiers")
    geometry = {}
    if rows:
        shapes = frame_from_geojson(quartiers_geojson(conn, level, campaign_id, gate=gate))
        geometry = {
            (code, campaign): shape
            for code, campaign, shape in zip(
                shapes["code"], shapes["campaign_id"], shapes.geometry, strict=True
            )
        }
    frame = gpd.GeoDataFrame(
        [{column: row.get(column) for column in COLUMNS} for row in rows],
        columns=list(COLUMNS),
        geometry=[geometry.get((row["code"], row["campaign_id"])) for row in rows],
        crs=4326,
    )
    return to_gpkg(frame, LAYER, GPKG_TYPES)
