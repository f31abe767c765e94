"""GeoPackage exports: version 1.2, every column typed even without any value (issue #9)."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pyogrio
import pytest
from shapely import Point

from app.exports import quartiers, residences
from app.exports.formats import to_gpkg

GPKG_1_2 = 10200
"""`PRAGMA user_version` of a GeoPackage 1.2 (1.4 is 10400)."""
PANDAS_TO_OGR = {"Int64": "int64", "Float64": "float64", "boolean": "bool", "string": "object"}


def gpkg_version(path) -> tuple[int, int]:
    with sqlite3.connect(path) as db:
        application = db.execute("PRAGMA application_id").fetchone()[0]
        return application, db.execute("PRAGMA user_version").fetchone()[0]


@pytest.mark.parametrize("export", [residences, quartiers], ids=["residences", "quartiers"])
def test_a_layer_without_any_value_keeps_its_column_types(export, tmp_path):
    frame = gpd.GeoDataFrame(
        [dict.fromkeys(export.COLUMNS)], columns=list(export.COLUMNS), geometry=[Point(3, 50)]
    ).set_crs(4326)
    path = tmp_path / "export.gpkg"
    path.write_bytes(to_gpkg(frame, export.LAYER, export.GPKG_TYPES))
    assert gpkg_version(path) == (int.from_bytes(b"GPKG", "big"), GPKG_1_2)
    info = pyogrio.read_info(path, layer=export.LAYER)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types == {column: PANDAS_TO_OGR[export.GPKG_TYPES[column]] for column in export.COLUMNS}
    assert types["nb_logements"] == "int64"
