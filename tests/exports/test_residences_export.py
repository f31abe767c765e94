"""Residence exports: French CSV, XLSX, GeoJSON and GeoPackage round trips, scope, formulas."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import date

import geopandas as gpd
import pyogrio
import pytest
from openpyxl import load_workbook
from shapely import Point
from sqlalchemy import text

from app.exports.residences import COLUMNS, TABLE_COLUMNS
from app.placement import place_residences
from tests.exports.builders import ARRAS, FORMULA_NAME, POINTS, SAINT_LAURENT

EXPORT = "/api/exports/residences."

EXPECTED = {
    # code: (name, commune, dwellings, agreed grade)
    "AR1": (FORMULA_NAME, ARRAS, 40, 1),
    "AR2": ("Résidence des Tilleuls", ARRAS, 120, 3),
    "AR3": ("Résidence du Beffroi", ARRAS, 25, 2),
    "SL1": ("Cité du Parc", SAINT_LAURENT, 15, None),
}


def read_gpkg(body: bytes, directory) -> gpd.GeoDataFrame:
    path = directory / "export.gpkg"
    path.write_bytes(body)
    return gpd.read_file(path)


def read_csv(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf"), "le CSV doit commencer par le BOM UTF-8"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_is_french_and_neutralises_formulas(client, corner):
    response = client.get("/api/exports/residences.csv", headers=corner.headers["admin"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    today = date.today().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="residences-qualiparc-{today}.csv"'
    )
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header == ";".join(TABLE_COLUMNS)
    rows = {row["code"]: row for row in read_csv(response.content)}
    assert set(rows) == set(EXPECTED)
    assert rows["AR1"]["name"] == "'" + FORMULA_NAME
    for code, (name, commune, dwellings, grade) in EXPECTED.items():
        row = rows[code]
        assert row["name"].lstrip("'") == name
        assert row["commune_insee"] == commune
        assert row["nb_logements"] == str(dwellings)
        assert row["grade"] == ("" if grade is None else str(grade))
        assert row["near_qpv_300m"] == "non"
        lon, lat = POINTS[code]
        assert float(row["lon"].replace(",", ".")) == pytest.approx(lon, abs=1e-6)
        assert float(row["lat"].replace(",", ".")) == pytest.approx(lat, abs=1e-6)
    assert rows["AR2"]["grade_label"] == "Vivre-ensemble à conforter"
    assert "," in rows["AR1"]["lon"], "décimales à la française"


def test_xlsx_neutralises_formulas(client, corner):
    response = client.get("/api/exports/residences.xlsx", headers=corner.headers["admin"])
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == TABLE_COLUMNS
    by_code = {row[0]: dict(zip(TABLE_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_code["AR1"]["name"] == "'" + FORMULA_NAME
    assert sheet.cell(row=2, column=2).data_type == "s"
    assert by_code["AR2"]["nb_logements"] == 120
    assert by_code["SL1"]["grade"] is None


def test_geojson_and_geopackage_round_trip(client, corner, tmp_path):
    admin = corner.headers["admin"]
    geojson = client.get("/api/exports/residences.geojson", headers=admin)
    gpkg = client.get("/api/exports/residences.gpkg", headers=admin)
    assert geojson.status_code == gpkg.status_code == 200
    assert gpkg.headers["content-type"] == "application/geopackage+sqlite3"
    assert gpkg.headers["content-disposition"].endswith('.gpkg"')
    from_json = gpd.read_file(io.BytesIO(geojson.content)).set_index("code").sort_index()
    from_gpkg = read_gpkg(gpkg.content, tmp_path).set_index("code").sort_index()
    assert from_gpkg.crs.to_epsg() == 4326
    assert list(from_gpkg.index) == list(from_json.index) == sorted(EXPECTED)
    assert set(COLUMNS) - {"code"} <= set(from_gpkg.columns)
    for code, (name, commune, dwellings, grade) in EXPECTED.items():
        point = Point(POINTS[code])
        for frame in (from_json, from_gpkg):
            row = frame.loc[code]
            assert row["name"] == name
            assert row["commune_insee"] == commune
            assert row["nb_logements"] == dwellings
            assert (row["grade"] if row["grade"] == row["grade"] else None) == grade
            assert row.geometry.equals_exact(point, tolerance=1e-6)
    assert from_gpkg.geometry.geom_equals_exact(from_json.geometry, tolerance=1e-9).all()


def test_exports_respect_the_scope(client, corner, tmp_path):
    assert client.get("/api/exports/residences.csv").status_code == 401
    commune = corner.headers["commune_arras"]
    rows = read_csv(client.get("/api/exports/residences.csv", headers=commune).content)
    assert sorted(row["code"] for row in rows) == ["AR1", "AR2", "AR3"]
    gpkg = client.get("/api/exports/residences.gpkg", headers=commune)
    assert sorted(read_gpkg(gpkg.content, tmp_path)["code"]) == ["AR1", "AR2", "AR3"]
    landlord = client.get(
        "/api/exports/residences.geojson", headers=corner.headers["bailleur"]
    ).json()
    assert sorted(f["properties"]["code"] for f in landlord["features"]) == ["AR3", "SL1"]


def test_map_filters_apply_and_bad_format_is_refused(client, corner):
    admin = corner.headers["admin"]
    rows = read_csv(
        client.get(
            "/api/exports/residences.csv",
            params={"commune": ARRAS, "grade": ["1", "2"]},
            headers=admin,
        ).content
    )
    assert sorted(row["code"] for row in rows) == ["AR1", "AR3"]
    refused = client.get("/api/exports/residences.pdf", headers=admin)
    assert refused.status_code == 404
    assert re.search("csv, xlsx, geojson ou gpkg", refused.json()["error"]["message"])


def place_ar1_in_an_iris(corner) -> None:
    with corner.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO iris (code, name, commune_insee, geom) VALUES ('620410101', "
                "'Centre-Ville', '62041', ST_Multi(ST_Buffer(ST_SetSRID("
                "ST_MakePoint(2.7663, 50.2896), 4326), 0.001)))"
            )
        )
        conn.execute(text("UPDATE residence SET address = '2 rue de la Paix' WHERE code = 'AR1'"))
        place_residences(conn)


def test_iris_and_address_are_in_every_export_and_in_the_api(client, corner, tmp_path):
    """Issue #9: IRIS placement could not be seen, and the address was never exported."""
    place_ar1_in_an_iris(corner)
    admin = corner.headers["admin"]
    expected = {
        "iris_code": "620410101",
        "iris_name": "Centre-Ville",
        "address": "2 rue de la Paix",
    }
    feature = client.get("/api/residences/AR1").json()
    assert {key: feature["properties"][key] for key in expected} == expected
    listed = client.get("/api/residences", params={"commune": ARRAS}).json()["features"]
    by_code = {f["properties"]["code"]: f["properties"] for f in listed}
    assert by_code["AR2"]["iris_code"] is None and by_code["AR1"]["iris_name"] == "Centre-Ville"

    csv_row = {r["code"]: r for r in read_csv(client.get(EXPORT + "csv", headers=admin).content)}
    sheet = load_workbook(io.BytesIO(client.get(EXPORT + "xlsx", headers=admin).content)).active
    xlsx_row = {row[0]: dict(zip(TABLE_COLUMNS, row, strict=True)) for row in sheet.values}
    geojson = client.get(EXPORT + "geojson", headers=admin).json()["features"]
    json_row = {f["properties"]["code"]: f["properties"] for f in geojson}
    gpkg = read_gpkg(client.get(EXPORT + "gpkg", headers=admin).content, tmp_path)
    gpkg_row = gpkg.set_index("code").to_dict("index")
    for rows in (csv_row, xlsx_row, json_row, gpkg_row):
        assert {key: rows["AR1"][key] for key in expected} == expected
    assert csv_row["AR2"]["iris_code"] == "" and xlsx_row["AR2"]["address"] is None


def test_geopackage_is_1_2_and_types_columns_without_values(client, corner, tmp_path):
    """Saint-Laurent-Blangy: SL1 alone, ungraded, far from any QPV, in no IRIS."""
    response = client.get(
        EXPORT + "gpkg", params={"commune": SAINT_LAURENT}, headers=corner.headers["admin"]
    )
    path = tmp_path / "sl.gpkg"
    path.write_bytes(response.content)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
    info = pyogrio.read_info(path)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert (types["grade"], types["distance_qpv_m"], types["nb_logements"]) == (
        "int64",
        "float64",
        "int64",
    )
    assert gpd.read_file(path)["grade"].isna().all()
