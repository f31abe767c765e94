"""IRIS import: contours in Lambert-93, residences placed in their IRIS, bad rows refused."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import cli
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


def test_command_line_column_option_integer_codes_and_partial_import(engine, tmp_path):
    """Issue #9: real IRIS contours named `name`, codes as JSON integers, one bad row."""
    layer = lille_halves(engine).to_crs(4326)
    layer = layer.rename(columns={"NOM_IRIS": "LIBELLE_QUARTIER", "CODE_IRIS": "ID"})
    layer["ID"] = [593500101, 593500102]
    bad = layer.iloc[[0]].assign(ID=[59350], LIBELLE_QUARTIER=["Trop court"])
    path = tmp_path / "iris.geojson"
    gpd.GeoDataFrame(pd.concat([layer, bad]), crs=4326).to_file(path)
    runner = CliRunner()

    refused = runner.invoke(cli, ["import", "iris", str(path)])
    assert refused.exit_code == 1
    output = " ".join(refused.output.split())
    assert "colonnes trouvées : ID, LIBELLE_QUARTIER" in output

    columns = ["--column", "code=ID", "--column", "name=libelle_quartier"]
    refused = runner.invoke(cli, ["import", "iris", str(path), *columns])
    assert refused.exit_code == 1 and "rien n'a été écrit" in refused.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM iris")).scalar_one() == 0

    partial = runner.invoke(cli, ["import", "iris", str(path), *columns, "--partiel"])
    assert partial.exit_code == 0, partial.output
    assert "Import partiel : 1 ligne rejetée" in " ".join(partial.output.split())
    report = (tmp_path / "iris-rejets.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[1:] == ["3;ID;59350;code IRIS invalide (9 caractères)"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, name FROM iris ORDER BY code")).all()
    assert [tuple(row) for row in rows] == [("593500101", "Ouest"), ("593500102", "Est")]


def test_integer_codes_of_the_first_departements_get_their_leading_zero(engine, tmp_path):
    path = tmp_path / "iris.geojson"
    gpd.GeoDataFrame(
        {"code_iris": [10530101], "nom": ["Bourg-en-Bresse Centre"]},
        geometry=[box(5.22, 46.20, 5.23, 46.21)],
        crs=4326,
    ).to_file(path)
    with engine.begin() as conn:
        import_iris(conn, path)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT code, commune_insee FROM iris")).one()
    assert tuple(row) == ("010530101", "01053")
