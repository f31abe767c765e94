"""Residence import into PostGIS: upsert, placement, and bad input that writes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyproj import Transformer
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import cli
from app.importers.residences import import_residences
from geo.report import ImportRejected, report_lines

LILLE = (3.0635, 50.6372)
ROUBAIX = (3.1746, 50.6942)
TO_L93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


def write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def residence_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM residence")).scalar_one()


def run(engine, path: Path, **kwargs):
    with engine.begin() as conn:
        return import_residences(conn, path, **kwargs)


def test_semicolon_latin1_lambert93_with_aliases_and_upsert(engine, tmp_path):
    x, y = TO_L93.transform(*LILLE)
    x2, y2 = TO_L93.transform(*ROUBAIX)
    content = (
        "identifiant;nom;bailleur;depcom;nb_lgt;X;Y\n"
        f"R1;Résidence Les Érables;Logis Nord;59350;42;{x:.2f};{y:.2f}\n".replace(".", ",")
        + f"R2;Cité Jardin;Logis Nord;59512;120;{x2:.1f};{y2:.1f}\n".replace(".", ",")
    )
    path = write(tmp_path / "residences.csv", content, "latin-1")
    summary = run(engine, path, crs="EPSG:2154")
    assert (summary.inserted, summary.updated) == (2, 0)
    with engine.connect() as conn:  # the planner's statistics, not autovacuum's next pass
        stats = "SELECT count(*) FROM pg_stats WHERE tablename = 'residence' AND attname = 'code'"
        assert conn.execute(text(stats)).scalar_one() == 1
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT r.name, r.epci_siren, r.nb_logements,"
                    " ST_X(geom) AS lon, ST_Y(geom) AS lat,"
                    " b.name AS bailleur FROM residence r JOIN bailleur b ON b.id = r.bailleur_id"
                    " WHERE code = 'R1'"
                )
            )
            .mappings()
            .one()
        )
    assert row["name"] == "Résidence Les Érables"
    assert row["epci_siren"] == "200093201"
    assert row["bailleur"] == "Logis Nord"
    assert row["lon"] == pytest.approx(LILLE[0], abs=1e-5)
    assert row["lat"] == pytest.approx(LILLE[1], abs=1e-5)

    updated = content.replace(";42;", ";45;")
    summary = run(engine, write(tmp_path / "residences2.csv", updated, "latin-1"), crs="2154")
    assert (summary.inserted, summary.updated) == (0, 2)
    assert residence_count(engine) == 2
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT nb_logements FROM residence WHERE code = 'R1'")).scalar_one()
            == 45
        )


def test_unknown_commune_and_point_far_from_its_commune_write_nothing(engine, tmp_path):
    content = (
        "code,name,bailleur,depcom,nb_logements,lon,lat\n"
        f"A1,Bonne,Logis Nord,59350,10,{LILLE[0]},{LILLE[1]}\n"
        f"A2,Commune inconnue,Logis Nord,99999,10,{LILLE[0]},{LILLE[1]}\n"
        f"A3,Mauvaise commune,Logis Nord,59350,10,{ROUBAIX[0]},{ROUBAIX[1]}\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        run(engine, write(tmp_path / "bad.csv", content))
    errors = {(e.line, e.column): e.message for e in rejected.value.errors}
    assert "commune inconnue" in errors[(3, "depcom")]
    assert "Roubaix" in errors[(4, "depcom")]
    assert "km de la commune déclarée" in errors[(4, "depcom")]
    assert residence_count(engine) == 0


def test_merged_commune_code_is_mapped_with_a_warning(engine, tmp_path):
    with engine.connect() as conn:
        alias = (
            conn.execute(
                text(
                    "SELECT a.old_code, a.insee, ST_X(ST_PointOnSurface(c.geom)) AS lon,"
                    " ST_Y(ST_PointOnSurface(c.geom)) AS lat FROM commune_alias a"
                    " JOIN commune c ON c.insee = a.insee ORDER BY a.old_code LIMIT 1"
                )
            )
            .mappings()
            .one()
        )
    content = (
        "code,name,bailleur,commune_insee,nb_logements,lon,lat\n"
        f"F1,Fusion,Logis Nord,{alias['old_code']},8,{alias['lon']},{alias['lat']}\n"
    )
    summary = run(engine, write(tmp_path / "merged.csv", content))
    assert summary.inserted == 1
    assert alias["old_code"] in summary.warnings[0] and alias["insee"] in summary.warnings[0]
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT commune_insee FROM residence WHERE code = 'F1'")).scalar_one()
            == alias["insee"]
        )


BAD_ROWS = (
    "code,name,bailleur,commune_insee,nb_logements,lon,lat,note_commune\n"
    f"B1,Sans coordonnées,Logis Nord,59350,10,,,\n"
    f"B2,Inversées,Logis Nord,59350,10,{LILLE[1]},{LILLE[0]},\n"
    f"B3,Note cinq,Logis Nord,59350,10,{LILLE[0]},{LILLE[1]},5\n"
    f"B3,Doublon,Logis Nord,59350,10,{LILLE[0]},{LILLE[1]},\n"
    f"B5,Logements négatifs,Logis Nord,59350,-3,{LILLE[0]},{LILLE[1]},\n"
)


def test_every_bad_row_is_reported_and_nothing_is_written(engine, tmp_path):
    with pytest.raises(ImportRejected) as rejected:
        run(engine, write(tmp_path / "bad.csv", BAD_ROWS))
    lines = {e.line for e in rejected.value.errors}
    assert {2, 3, 4, 5, 6} <= lines
    messages = " | ".join(e.describe() for e in rejected.value.errors)
    assert "invers" in messages
    assert "5" in messages and "1 à 4" in messages
    assert "B3" in messages or "ligne 4" in messages
    assert residence_count(engine) == 0


def test_cli_exits_non_zero_and_writes_the_report(engine, tmp_path):
    report = tmp_path / "rapport.csv"
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "residences",
            str(write(tmp_path / "bad.csv", BAD_ROWS)),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 1
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "ligne;colonne;valeur;motif"
    assert len(lines) >= 6
    assert residence_count(engine) == 0


def test_cli_import_succeeds_on_a_geojson_file(engine, tmp_path):
    path = write(
        tmp_path / "r.geojson",
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"code":"G1","nom":"Les Tilleuls","bailleur":"Logis Nord","code_insee":"59350",'
        f'"nombre_logements":30}},"geometry":{{"type":"Point","coordinates":[{LILLE[0]},'
        f"{LILLE[1]}]}}}}]}}",
    )
    result = CliRunner().invoke(cli, ["import", "residences", str(path)])
    assert result.exit_code == 0, result.output
    assert residence_count(engine) == 1


def test_distances_are_written_with_a_decimal_comma(engine, tmp_path):
    content = (
        "code,name,bailleur,depcom,nb_logements,lon,lat\n"
        f"A3,Mauvaise commune,Logis Nord,59350,10,{ROUBAIX[0]},{ROUBAIX[1]}\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        run(engine, write(tmp_path / "bad.csv", content))
    [error] = rejected.value.errors
    assert re.search(r"à \d+,\d km de la commune déclarée 59350 Lille", error.message), error
    assert not re.search(r"\d\.\d", error.message)


HEADER = "code,name,bailleur,depcom,nb_logements,lon,lat\n"


def test_an_empty_commune_list_is_one_line_saying_what_to_load(engine, tmp_path):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM commune_alias"))
        conn.execute(text("DELETE FROM commune"))
    rows = "".join(
        f"R{i},Résidence {i},Logis Nord,31555,10,1.44,43.60\n" for i in range(4174 // 100)
    )
    path = write(
        tmp_path / "toulouse.csv", "code,name,bailleur,depcom,nb_logements,lon,lat\n" + rows
    )
    with pytest.raises(ImportRejected) as rejected:
        run(engine, path)
    [error] = rejected.value.errors
    assert error.line is None
    assert "aucune commune n'est chargée" in error.message
    assert "qualiparc import territory" in error.message
    assert residence_count(engine) == 0


def test_unknown_communes_collapse_into_one_counted_report_line(engine, tmp_path):
    rows = "".join(
        f"R{i},Résidence {i},Logis Nord,{31000 + i},10,{LILLE[0]},{LILLE[1]}\n" for i in range(40)
    )
    path = write(
        tmp_path / "ailleurs.csv", "code,name,bailleur,depcom,nb_logements,lon,lat\n" + rows
    )
    with pytest.raises(ImportRejected) as rejected:
        run(engine, path)
    [line] = report_lines(rejected.value.errors)
    assert line.count == 40
    assert line.describe() == (
        "colonne « depcom » : 40 lignes : commune inconnue du référentiel des communes chargé "
        "(lignes 2, 3, 4, 5, 6, …)"
    )


def test_partial_import_writes_the_valid_rows_and_reports_the_others(engine, tmp_path):
    content = BAD_ROWS + (
        f"G1,Bonne,Logis Nord,59350,10,{LILLE[0]},{LILLE[1]},2\n"
        f"G2,Sans bailleur,(vide),59350,10,{LILLE[0]},{LILLE[1]},\n"
        f"G3,Commune inconnue,Logis Nord,99999,10,{LILLE[0]},{LILLE[1]},\n"
    )
    path = write(tmp_path / "parc.csv", content)
    result = CliRunner().invoke(cli, ["import", "residences", str(path), "--partiel"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Import partiel : 7 lignes rejetées, non écrites" in output
    assert "1 résidences ajoutées" in output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM residence")).scalars().all() == ["G1"]
        assert not conn.execute(text("SELECT 1 FROM bailleur WHERE name = '(vide)'")).first()
    report = (tmp_path / "parc-rejets.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "ligne;colonne;valeur;motif"
    lines = [row.split(";")[0] for row in report[1:]]
    assert sorted(set(lines), key=int) == ["2", "3", "4", "5", "6", "8", "9"]
    assert any(row.startswith("8;bailleur;;nom du bailleur manquant") for row in report)


def test_without_partial_an_import_stays_all_or_nothing(engine, tmp_path):
    content = BAD_ROWS + f"G1,Bonne,Logis Nord,59350,10,{LILLE[0]},{LILLE[1]},\n"
    path = write(tmp_path / "parc.csv", content)
    result = CliRunner().invoke(cli, ["import", "residences", str(path)])
    assert result.exit_code == 1
    assert "rien n'a été écrit" in result.output
    assert not (tmp_path / "parc-rejets.csv").exists()
    assert residence_count(engine) == 0


def test_a_partial_import_without_any_valid_row_is_refused(engine, tmp_path):
    result = CliRunner().invoke(
        cli, ["import", "residences", str(write(tmp_path / "bad.csv", BAD_ROWS)), "--partiel"]
    )
    assert result.exit_code == 1
    assert "rien n'a été écrit" in result.output


def test_column_help_and_unknown_field_list_the_field_names(engine, tmp_path):
    runner = CliRunner()
    help_text = runner.invoke(cli, ["import", "residences", "--help"]).output
    assert (
        "Champs : code, name, bailleur, bailleur_siren, commune_insee, nb_logements, x, y, lon, "
        "lat, address, note_commune, note_bailleur."
    ) in " ".join(help_text.replace("│", " ").split())
    path = write(tmp_path / "r.csv", "code,nom,bailleur,insee,logements,lon,lat\n")
    refused = runner.invoke(cli, ["import", "residences", str(path), "--column", "nom_res=nom"])
    assert refused.exit_code == 1
    assert "champ « nom_res » inconnu (champs : code, name, bailleur" in " ".join(
        refused.output.split()
    )


def test_a_file_of_several_chunks_is_all_or_nothing_or_partial(engine, tmp_path, monkeypatch):
    monkeypatch.setattr("geo.residences.CHUNK_ROWS", 2)
    content = HEADER + (
        f"C1,Bonne,Logis Nord,59350,10,{LILLE[0]},{LILLE[1]}\n"
        f"C2,Bonne,Logis Nord,59512,10,{ROUBAIX[0]},{ROUBAIX[1]}\n"
        f"C3,Commune inconnue,Logis Nord,99999,10,{LILLE[0]},{LILLE[1]}\n"
        f"C4,Bonne,Logis Nord,59350,12,{LILLE[0]},{LILLE[1]}\n"
        f"C1,Doublon,Logis Nord,59350,10,{LILLE[0]},{LILLE[1]}\n"
    )
    path = write(tmp_path / "parc.csv", content)
    with pytest.raises(ImportRejected) as rejected:
        run(engine, path)
    assert [(e.line, e.column) for e in rejected.value.errors] == [(4, "depcom"), (6, "code")]
    assert residence_count(engine) == 0
    summary = run(engine, path, partial=True)
    assert (summary.inserted, len(summary.rejected)) == (3, 2)
    with engine.connect() as conn:
        placed = conn.execute(text("SELECT code, epci_siren FROM residence ORDER BY code")).all()
    assert placed == [("C1", "200093201"), ("C2", "200093201"), ("C4", "200093201")]
