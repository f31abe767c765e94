"""Communes, EPCI and QPV of a territory outside Hauts-de-France, from local or national files;
what a planner meets when the territory is missing or hand-made."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, box
from sqlalchemy import text
from typer.testing import CliRunner

from app.auth.accounts import create_token
from app.cli import cli
from app.core.settings import PROJECT_ROOT
from app.importers.epci import import_epci
from app.importers.residences import import_residences
from app.importers.territory import import_communes, load_reference_territory
from app.main import create_app
from geo.report import ImportRejected
from tests.importers.test_reference import scalar, write_residences
from tests.territory_files import (
    COLOMIERS,
    CUGNAUX,
    MURET,
    MURETAIN,
    TOULOUSE,
    TOULOUSE_METROPOLE,
    write_admin_express,
    write_qpv_2024,
)


def words(output: str) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(output.split())


def test_a_null_or_point_geometry_is_a_french_row_error_not_a_traceback(engine, tmp_path):
    path = tmp_path / "communes.geojson"
    gpd.GeoDataFrame(
        {"insee": [TOULOUSE, COLOMIERS, MURET], "nom": ["Toulouse", "Colomiers", "Muret"]},
        geometry=[box(1.40, 43.58, 1.45, 43.62), None, Point(1.3, 43.45)],
        crs=4326,
    ).to_file(path, driver="GeoJSON")
    result = CliRunner().invoke(cli, ["import", "communes", str(path)])
    output = words(result.output)
    assert result.exit_code == 1, result.output
    assert "Import refusé, rien n'a été écrit : 2 erreurs" in output
    assert "ligne 2, colonne « géométrie » : géométrie absente" in output
    assert "ligne 3, colonne « géométrie » : géométrie de type Point" in output
    assert "Traceback" not in output and "wkb" not in output
    assert scalar(engine, "SELECT count(*) FROM commune WHERE insee = :c", c=TOULOUSE) == 0


def test_the_epci_of_a_communes_file_is_kept_and_usable(engine, tmp_path):
    """`epci_siren` of a communes file makes the EPCI: campaigns and accounts accept it."""
    contours = write_admin_express(tmp_path / "ign", "3.2-shp", codes=[TOULOUSE, COLOMIERS])
    result = CliRunner().invoke(cli, ["import", "communes", str(contours)])
    assert result.exit_code == 0, result.output
    assert "EPCI créés d'après le fichier des communes : 243100518" in words(result.output)
    assert scalar(engine, "SELECT epci_siren FROM commune WHERE insee = :c", c=TOULOUSE) == (
        TOULOUSE_METROPOLE
    )
    result = CliRunner().invoke(
        cli,
        ["user", "add", "admin@toulouse.test", "--role", "admin", "--scope", TOULOUSE_METROPOLE],
    )
    assert result.exit_code == 0, result.output
    with engine.begin() as conn:
        token = create_token(conn, "admin@toulouse.test")
    with TestClient(create_app()) as client:
        answer = client.post(
            "/api/campaigns",
            json={"epci": TOULOUSE_METROPOLE, "name": "Toulouse 2026", "year": 2026},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 201, answer.text
    outline = scalar(
        engine,
        "SELECT ST_Area(geom::geography) / 1e6 FROM epci WHERE siren = :s",
        s=TOULOUSE_METROPOLE,
    )
    assert outline == pytest.approx(32, rel=0.01)


def test_a_local_epci_reference_makes_the_epci_and_its_members(engine, tmp_path):
    contours = write_admin_express(
        tmp_path / "ign", "3.2-shp", codes=[TOULOUSE, COLOMIERS, CUGNAUX, MURET]
    )
    with engine.begin() as conn:
        import_communes(conn, contours)
        conn.execute(text("UPDATE commune SET epci_siren = NULL WHERE insee LIKE '31%'"))
        conn.execute(
            text("DELETE FROM epci WHERE siren IN (:a, :b)"),
            {"a": TOULOUSE_METROPOLE, "b": MURETAIN},
        )
        rows = [("TOU", TOULOUSE), ("CUG", CUGNAUX)]
        import_residences(conn, write_residences(tmp_path / "r.csv", rows))
    path = tmp_path / "epci.csv"
    path.write_text(
        "siren;nom;nature;communes\n"
        f"{TOULOUSE_METROPOLE};Toulouse Métropole;METRO;{TOULOUSE} {COLOMIERS} {CUGNAUX}\n"
        f"{MURETAIN};CA Le Muretain Agglo;Communauté d'agglomération;{MURET}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["import", "epci", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 EPCI ajoutés, 0 mis à jour" in words(result.output)
    with engine.connect() as conn:
        kinds = dict(
            conn.execute(
                text("SELECT siren, kind FROM epci WHERE siren IN (:t, :m)"),
                {"t": TOULOUSE_METROPOLE, "m": MURETAIN},
            ).all()
        )
        placed = dict(conn.execute(text("SELECT code, epci_siren FROM residence")).all())
    assert kinds == {TOULOUSE_METROPOLE: "METRO", MURETAIN: "CA"}
    assert placed == {"TOU": TOULOUSE_METROPOLE, "CUG": TOULOUSE_METROPOLE}
    # Cugnaux moves to the Muretain: the file lists it there, the EPCI it leaves is redrawn
    path.write_text(f'siren,communes\n{MURETAIN},"{MURET}, {CUGNAUX}"\n', encoding="utf-8")
    with engine.begin() as conn:
        summary = import_epci(conn, path)
    assert (summary.updated, summary.moved) == (1, 1)
    with engine.connect() as conn:
        placed = dict(conn.execute(text("SELECT code, epci_siren FROM residence")).all())
        members = conn.execute(
            text("SELECT count(*) FROM commune WHERE epci_siren = :s"), {"s": TOULOUSE_METROPOLE}
        ).scalar_one()
        outline = conn.execute(
            text("SELECT ST_Area(geom::geography) / 1e6 FROM epci WHERE siren = :s"),
            {"s": TOULOUSE_METROPOLE},
        ).scalar_one()
    assert placed == {"TOU": TOULOUSE_METROPOLE, "CUG": MURETAIN}
    assert members == 2 and outline == pytest.approx(32, rel=0.01)


def test_an_epci_member_outside_the_loaded_communes_is_named(engine, tmp_path):
    path = tmp_path / "epci.csv"
    path.write_text(
        f"siren,nom,communes\n{TOULOUSE_METROPOLE},Toulouse Métropole,{TOULOUSE}\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as rejected, engine.begin() as conn:
        import_epci(conn, path)
    (error,) = rejected.value.errors
    assert (error.line, error.column, error.value) == (2, "communes", TOULOUSE)
    assert "commune inconnue du référentiel chargé" in error.message
    assert "qualiparc import territory --epci" in error.message


def test_the_admin_express_epci_layer_updates_the_loaded_epci_only(empty_engine, tmp_path):
    commune_file = write_admin_express(tmp_path / "ign", "4.0-gpkg", codes=[MURET])
    with empty_engine.begin() as conn:
        created = import_communes(conn, commune_file).epci_created
        summary = import_epci(conn, commune_file)
    assert created == [MURETAIN]
    assert (summary.inserted, summary.updated) == (0, 1)
    assert summary.warnings == [
        "2 EPCI du fichier ignorés : ni communes membres dans le fichier, ni déjà dans le "
        "référentiel chargé"
    ]
    with empty_engine.connect() as conn:
        name, kind = conn.execute(
            text("SELECT name, kind FROM epci WHERE siren = :m"), {"m": MURETAIN}
        ).one()
    assert (name, kind) == ("CA Le Muretain Agglo", "CA")


def test_the_national_qpv_file_is_cut_to_the_loaded_territory(engine, tmp_path):
    contours = write_admin_express(tmp_path / "ign", "3.2-shp", codes=[TOULOUSE, COLOMIERS])
    with engine.begin() as conn:
        import_communes(conn, contours)
    result = CliRunner().invoke(cli, ["import", "qpv", str(write_qpv_2024(tmp_path / "qp.gpkg"))])
    output = words(result.output)
    assert result.exit_code == 0, result.output
    assert output.count("hors du territoire chargé") == 1
    assert "1 QPV hors du territoire chargé, ignoré" in output
    with engine.connect() as conn:
        codes = set(conn.execute(text("SELECT code FROM qpv")).scalars())
    # the template's Hauts-de-France communes are loaded too: Lille's QPV is kept
    assert codes == {"QN03101M", "QN03102N", "QN05920M"}


def test_without_any_commune_loaded_one_line_says_what_to_load(empty_engine, tmp_path):
    residences = write_residences(tmp_path / "r.csv", [(f"R{i}", TOULOUSE) for i in range(300)])
    result = CliRunner().invoke(cli, ["import", "residences", str(residences)])
    output = words(result.output)
    assert result.exit_code == 1
    assert "1 erreur." in output
    assert (
        "fichier : aucune commune n'est chargée : chargez d'abord le territoire : "
        "qualiparc import territory --epci SIREN" in output
    )
    result = CliRunner().invoke(cli, ["import", "qpv", str(write_qpv_2024(tmp_path / "q.gpkg"))])
    assert result.exit_code == 1
    assert "aucune commune n'est chargée" in words(result.output)


def test_hand_made_territory_files_without_population_load_and_place_residences(
    empty_engine, tmp_path
):
    """The five files of data/territory, made by hand for another EPCI: one commune has a null
    population, the EPCI none at all; residences already there get their EPCI."""
    contours = write_admin_express(tmp_path / "ign", "3.2-shp", codes=[TOULOUSE, COLOMIERS])
    with empty_engine.begin() as conn:
        import_communes(conn, contours)
        conn.execute(text("UPDATE commune SET epci_siren = NULL, population = NULL"))
        conn.execute(text("DELETE FROM epci"))
        import_residences(conn, write_residences(tmp_path / "r.csv", [("TOU", TOULOUSE)]))
    directory = tmp_path / "territory"
    directory.mkdir()
    cog = [
        {
            "code": TOULOUSE,
            "nom": "Toulouse",
            "departement": "31",
            "siren_epci": TOULOUSE_METROPOLE,
            "population": None,
        },
        {
            "code": COLOMIERS,
            "nom": "Colomiers",
            "departement": "31",
            "siren_epci": TOULOUSE_METROPOLE,
        },
    ]
    (directory / "communes-cog.json").write_text(json.dumps(cog), encoding="utf-8")
    (directory / "epci.json").write_text(
        json.dumps([{"siren": TOULOUSE_METROPOLE, "nom": "Toulouse Métropole", "type": "METRO"}]),
        encoding="utf-8",
    )
    (directory / "communes-fusionnees.csv").write_text(
        "code_2018,nom_2018,code_actuel,nom_actuel,statut\n", encoding="utf-8"
    )
    communes = gpd.read_file(contours).rename(columns={"INSEE_COM": "code", "NOM": "nom"})
    communes[["code", "nom", "geometry"]].to_crs(4326).to_file(
        directory / "communes.geojson", driver="GeoJSON"
    )
    gpd.GeoDataFrame(
        {"siren": [TOULOUSE_METROPOLE]}, geometry=[communes.to_crs(4326).union_all()], crs=4326
    ).to_file(directory / "epci.geojson", driver="GeoJSON")
    with empty_engine.begin() as conn:
        summary = load_reference_territory(conn, directory)
    assert (summary.communes, summary.epci) == (2, 1)
    assert scalar(empty_engine, "SELECT epci_siren FROM residence WHERE code = 'TOU'") == (
        TOULOUSE_METROPOLE
    )
    assert (
        scalar(empty_engine, "SELECT population FROM commune WHERE insee = :c", c=TOULOUSE) is None
    )


def test_the_shipped_occitanie_sample_still_loads_as_before(engine):
    """data/territory/communes-occitanie-qpv.geojson has no EPCI: nothing else changes."""
    path = PROJECT_ROOT / "data" / "territory" / "communes-occitanie-qpv.geojson"
    with engine.begin() as conn:
        summary = import_communes(conn, path)
    assert (summary.inserted, summary.updated, summary.epci_created) == (48, 0, [])
    assert scalar(engine, "SELECT count(*) FROM commune WHERE insee LIKE '31%'") > 0
