"""Quartier aggregate exports: flattened CSV/XLSX rows, GeoJSON and GeoPackage round trip."""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import pytest
from openpyxl import load_workbook

from app.exports.quartiers import COLUMNS
from tests.exports.builders import ARRAS, SAINT_LAURENT

COMMUNES_OF_CU_ARRAS = 46
ARRAS_MEAN = round((40 * 1 + 120 * 3 + 25 * 2) / 185, 3)
"""Dwelling-weighted mean grade of Arras: AR1 (40 × 1), AR2 (120 × 3), AR3 (25 × 2)."""


def export(client, corner, fmt: str, who: str = "admin", **params):
    return client.get(
        f"/api/exports/quartiers.{fmt}",
        params={"level": "commune", "campaign": corner.campaign_id, **params},
        headers=corner.headers[who],
    )


def csv_rows(body: bytes) -> dict[str, dict]:
    assert body.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    assert tuple(reader.fieldnames) == COLUMNS
    return {row["code"]: row for row in reader}


def test_csv_and_xlsx_hold_the_aggregates(client, corner):
    response = export(client, corner, "csv")
    assert response.status_code == 200
    assert 'filename="quartiers-commune-qualiparc-' in response.headers["content-disposition"]
    rows = csv_rows(response.content)
    assert len(rows) == COMMUNES_OF_CU_ARRAS
    arras = rows[ARRAS]
    assert (arras["nb_residences"], arras["nb_logements"]) == ("3", "185")
    assert arras["mean_grade"] == str(ARRAS_MEAN).replace(".", ",")
    assert [arras[f"grade_distribution_{g}"] for g in "1234"] == ["40", "25", "120", "0"]
    assert arras["fragile_share"] == str(round(65 / 185, 4)).replace(".", ",")
    saint_laurent = rows[SAINT_LAURENT]
    assert (saint_laurent["nb_logements"], saint_laurent["unqualified_share"]) == ("15", "1,0")

    sheet = load_workbook(io.BytesIO(export(client, corner, "xlsx").content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == COLUMNS
    by_code = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in table[1:]}
    assert by_code[ARRAS]["mean_grade"] == pytest.approx(ARRAS_MEAN)
    assert by_code[ARRAS]["grade_distribution_3"] == 120


def test_geojson_and_geopackage_round_trip(client, corner, tmp_path):
    geojson = gpd.read_file(io.BytesIO(export(client, corner, "geojson").content))
    path = tmp_path / "quartiers.gpkg"
    path.write_bytes(export(client, corner, "gpkg").content)
    gpkg = gpd.read_file(path, layer="quartiers")
    assert gpkg.crs.to_epsg() == 4326
    geojson, gpkg = geojson.set_index("code").sort_index(), gpkg.set_index("code").sort_index()
    assert list(gpkg.index) == list(geojson.index)
    assert len(gpkg) == COMMUNES_OF_CU_ARRAS
    assert gpkg.geometry.geom_equals_exact(geojson.geometry, tolerance=1e-6).all()
    for frame in (geojson, gpkg):
        assert frame.loc[ARRAS, "nb_logements"] == 185
        assert frame.loc[ARRAS, "mean_grade"] == pytest.approx(ARRAS_MEAN)
    assert gpkg.loc[ARRAS, "grade_distribution_1"] == 40
    assert gpkg.loc[ARRAS].geometry.contains(gpd.points_from_xy([2.7663], [50.2896])[0])


def test_scope_and_secret_follow_the_caller(client, corner):
    assert client.get("/api/exports/quartiers.csv", params={"level": "commune"}).status_code == 401
    rows = csv_rows(export(client, corner, "csv", who="commune_arras").content)
    # Arras reads its own residences, not all the EPCI's: its figures count residences
    arras = rows[ARRAS]
    assert arras["basis"] == "résidences" and arras["mean_grade"] == "2,0"  # grades 1, 3, 2
    assert [arras[f"grade_distribution_{g}"] for g in "1234"] == ["1", "1", "1", "0"]
    assert rows[SAINT_LAURENT]["secret"] == "non"  # nothing graded: nothing to hide
    assert rows[SAINT_LAURENT]["unqualified_share"] == "1,0"  # public on the map
    landlord = csv_rows(export(client, corner, "csv", who="bailleur").content)
    assert landlord[ARRAS]["secret"] == "oui" and landlord[ARRAS]["mean_grade"] == ""
    assert export(client, corner, "csv", campaign=999999).status_code == 404
    assert export(client, corner, "csv", level="canton").status_code == 422
