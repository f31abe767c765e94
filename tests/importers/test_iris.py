"""IRIS import: contours in Lambert-93, residences placed in their IRIS, bad rows refused."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import text

from app.importers.iris import import_iris
from app.importers.residences import import_residences
from geo.report import ImportRejected

WEST = (3.040, 50.630)
EAST = (3.080, 50.630)


def lille_halves(engine) -> gpd.GeoDataFrame:
    """Lille cut in two IRIS along the meridian 3.06° E, as a Lambert-93 layer."""
    with engine.connect() as conn:
        lille = gpd.read_postgis(
            "SELECT geom FROM commune WHERE insee = '59350'", conn, geom_col="geom"
        ).geometry.iloc[0]
    west = lille.intersection(box(2.9, 50.5, 3.06, 50.8))
    east = lille.intersection(box(3.06, 50.5, 3.2, 50.8))
    return gpd.GeoDataFrame(
        {"CODE_IRIS": ["593500101", "593500102"], "NOM_IRIS": ["Ouest", "Est"]},
        geometry=[west, east],
        crs=4326,
    ).to_crs(2154)


def test_residences_are_placed_in_their_iris(engine, tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text(
        "code,name,bailleur,commune_insee,nb_logements,lon,lat\n"
        f"W,Ouest,Logis Nord,59350,10,{WEST[0]},{WEST[1]}\n"
        f"E,Est,Logis Nord,59350,10,{EAST[0]},{EAST[1]}\n"
    )
    with engine.begin() as conn:
        import_residences(conn, csv)
    shp = tmp_path / "iris.shp"
    lille_halves(engine).to_file(shp)
    with engine.begin() as conn:
        summary = import_iris(conn, shp)
    assert (summary.imported, summary.residences_in_iris) == (2, 2)
    with engine.connect() as conn:
        placed = dict(conn.execute(text("SELECT code, iris_code FROM residence")).all())
    assert placed == {"W": "593500101", "E": "593500102"}


def test_bad_iris_rows_write_nothing(engine, tmp_path):
    layer = lille_halves(engine)
    layer.loc[1, "CODE_IRIS"] = "59350"
    path = tmp_path / "iris.geojson"
    layer.to_file(path)
    with pytest.raises(ImportRejected) as rejected, engine.begin() as conn:
        import_iris(conn, path)
    assert [(e.line, e.column) for e in rejected.value.errors] == [(2, "CODE_IRIS")]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM iris")).scalar_one() == 0
