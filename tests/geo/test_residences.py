from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from geo.crs import LAMBERT93, WGS84
from geo.report import ImportRejected, RowError, write_report
from geo.residences import ResidenceRecord, open_residences, parse_residences

TO_WGS84 = Transformer.from_crs(LAMBERT93, WGS84, always_xy=True)


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_valid_lambert93_csv_with_french_headers(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        [
            "Identifiant;Nom résidence;Organisme;SIREN;Code INSEE;Nombre de logements;X;Y;"
            "Adresse;Note commune;Note bailleur",
            "R-001;Les Tilleuls;Lille Métropole Habitat;"
            "200 023 778;59350;120;704600,5;7059900;2 rue Nationale;3;",
            "R-002;Cité Blanche;Vilogia;;2001;8;729000;6950000;;;4",
        ],
        "cp1252",
    )
    records, errors = parse_residences(path)
    assert errors == []
    lon, lat = TO_WGS84.transform(704600.5, 7059900)
    assert records[0] == ResidenceRecord(
        line=2,
        code="R-001",
        name="Les Tilleuls",
        bailleur="Lille Métropole Habitat",
        bailleur_siren="200023778",
        commune_insee="59350",
        nb_logements=120,
        lon=pytest.approx(lon, abs=1e-9),
        lat=pytest.approx(lat, abs=1e-9),
        address="2 rue Nationale",
        note_commune=3,
        note_bailleur=None,
    )
    assert records[1].commune_insee == "02001"
    assert (records[1].note_commune, records[1].note_bailleur) == (None, 4)
    assert 49 < records[1].lat < 51 and 2 < records[1].lon < 4


def test_every_bad_row_is_reported_with_the_users_column_names(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        [
            "code_residence,libelle,nom_bailleur,depcom,nb_lgt,longitude,latitude,note_commune",
            "A,Les Prés,Vilogia,59350,12,3.06,50.63,2",
            "A,Doublon,Vilogia,59350,5,3.06,50.63,",
            ",Sans code,,593,-3,3.06,,5",
            "C,Zéro,Partenord,2A004,0,abc,50.6,un",
            "D,Demi,Partenord,59350,2.5,50.63,3.06,",
            "E,,Partenord,59350,,3.06,50.63,",
        ],
    )
    records, errors = parse_residences(path)
    assert [r.code for r in records] == ["A"]
    assert [(e.line, e.column, e.value, e.message) for e in errors] == [
        (3, "code_residence", "A", "code en double (déjà présent ligne 2)"),
        (4, "code_residence", None, "code de résidence manquant"),
        (
            4,
            "depcom",
            "593",
            "code INSEE de commune invalide (5 caractères attendus, ex. 59350 ou 2A004)",
        ),
        (4, "latitude", None, "coordonnée manquante"),
        (4, "nb_lgt", "-3", "nombre de logements négatif"),
        (4, "nom_bailleur", None, "nom du bailleur manquant"),
        (4, "note_commune", "5", "note 5 hors de l'échelle 1 à 4"),
        (5, "longitude", "abc", "coordonnée non numérique"),
        (5, "nb_lgt", "0", "nombre de logements nul"),
        (5, "note_commune", "un", "« un » n'est pas une note (attendu 1, 2, 3 ou 4)"),
        (6, "longitude", "50.63 ; 3.06", "coordonnées inversées (latitude et longitude échangées)"),
        (6, "nb_lgt", "2.5", "nombre de logements non entier"),
        (7, "libelle", None, "nom de résidence manquant"),
        (7, "nb_lgt", None, "nombre de logements manquant"),
    ]
    assert errors[4].describe() == (
        "ligne 4, colonne « nb_lgt » : valeur « -3 » : nombre de logements négatif"
    )


def test_missing_required_columns_stop_at_file_level(tmp_path):
    path = write_csv(tmp_path / "parc.csv", ["code;nom;x", "A;B;1"])
    records, errors = parse_residences(path)
    assert records == []
    assert all(e.line is None for e in errors)
    assert {e.column for e in errors} == {"bailleur", "commune_insee", "nb_logements", "y", None}
    assert "noms acceptés : bailleur, nom_bailleur" in next(
        e.message for e in errors if e.column == "bailleur"
    )
    assert "colonnes trouvées : code, nom, x" in [e.message for e in errors]


def test_declared_crs_wins_and_wrong_crs_is_named(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        ["code;nom;bailleur;insee;logements;x;y", "A;B;C;59350;4;704600;7059900"],
    )
    records, errors = parse_residences(path, crs="wgs84")
    assert records == []
    assert [(e.line, e.column, e.message) for e in errors] == [
        (2, "x", "coordonnées en Lambert-93 alors que le système déclaré est WGS84 (EPSG:4326)")
    ]
    records, errors = parse_residences(path, crs="2154")
    assert errors == [] and records[0].lat == pytest.approx(50.636, abs=0.002)


def test_unclear_crs_is_a_file_error(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        ["code;nom;bailleur;insee;logements;x;y", "A;B;C;59350;4;12;13", "B;B;C;59350;4;1e9;2"],
    )
    records, errors = parse_residences(path)
    assert records == []
    assert errors[0].line is None and "système de coordonnées indéterminé" in errors[0].message


def test_explicit_column_mapping_wins(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        [
            "id;ref interne;nom;bailleur;insee;logements;lon;lat",
            "1;RES-9;Les Aulnes;Vilogia;59350;10;3.06;50.63",
        ],
    )
    records, errors = parse_residences(path, columns={"code": "Ref Interne"})
    assert errors == []
    assert records[0].code == "RES-9"
    _, errors = parse_residences(path, columns={"code": "absente"})
    assert [(e.line, e.column, e.message) for e in errors] == [
        (
            None,
            "absente",
            "colonne introuvable dans le fichier (colonnes trouvées : id, ref interne, nom, "
            "bailleur, insee, logements, lon, lat)",
        )
    ]


def test_xlsx_residences(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Nom", "Bailleur", "Code INSEE", "Nb logements", "Longitude", "Latitude"])
    sheet.append(["R1", "Les Lilas", "SIA Habitat", 2691, 30.0, 3.287, 49.847])
    sheet.append(["R2", "Les Roses", "SIA Habitat", 2691, -1, 3.287, 49.847])
    workbook.save(tmp_path / "parc.xlsx")
    records, errors = parse_residences(tmp_path / "parc.xlsx")
    assert [(r.code, r.commune_insee, r.nb_logements) for r in records] == [("R1", "02691", 30)]
    assert [(e.line, e.column, e.value) for e in errors] == [(3, "Nb logements", "-1")]


def test_geo_file_points_are_reprojected_and_non_points_rejected(tmp_path):
    lille = gpd.GeoSeries([Point(3.0633, 50.6369)], crs=WGS84).to_crs(LAMBERT93).iloc[0]
    frame = gpd.GeoDataFrame(
        {
            "code": ["P1", "P2", "P3"],
            "nom": ["Grand-Place", "Zone", "Vide"],
            "bailleur": ["LMH", "LMH", "LMH"],
            "insee_com": ["59350", "59350", "59350"],
            "nb_logts": [15, 3, 4],
        },
        geometry=[lille, Polygon([(0, 0), (1, 0), (1, 1)]), None],
        crs=LAMBERT93,
    )
    frame.to_file(tmp_path / "parc.gpkg", driver="GPKG")
    records, errors = parse_residences(tmp_path / "parc.gpkg")
    assert [(r.code, round(r.lon, 6), round(r.lat, 6)) for r in records] == [
        ("P1", 3.0633, 50.6369)
    ]
    assert [(e.line, e.column, e.message) for e in errors] == [
        (2, "géométrie", "un point est attendu pour une résidence"),
        (3, "géométrie", "géométrie absente"),
    ]


def test_unreadable_file_is_a_file_level_error(tmp_path):
    path = tmp_path / "parc.csv"
    path.write_bytes(b"code\n\x81\x8d\n")
    records, errors = parse_residences(path)
    assert records == [] and errors[0].line is None
    assert errors[0].message.startswith("encodage illisible")
    _, errors = parse_residences(path, crs="lambert2")
    assert "inconnu" in errors[0].message


def test_report_csv_and_rejection_summary(tmp_path):
    errors = [
        RowError(12, "nb_logements", "-3", "nombre de logements négatif"),
        RowError(None, None, None, "système de coordonnées indéterminé"),
        RowError(3, "nom", None, "nom de résidence manquant"),
        RowError(4, "a", "b", "c"),
        RowError(5, "a", "b", "c"),
    ]
    write_report(errors, tmp_path / "rapport.csv")
    raw = (tmp_path / "rapport.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfligne;colonne;valeur;motif\r\n")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[1] == ["", "", "", "système de coordonnées indéterminé"]
    assert rows[2] == ["3", "nom", "", "nom de résidence manquant"]
    assert rows[-1] == ["12", "nb_logements", "-3", "nombre de logements négatif"]

    rejected = ImportRejected(errors)
    assert rejected.errors == errors
    assert str(rejected).startswith("import refusé : 5 erreurs\n- fichier : système")
    assert str(rejected).endswith("… et 2 autres")


def test_bailleur_siren_is_nine_digits(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        [
            "code;nom;bailleur;siren_bailleur;insee;logements;lon;lat",
            "A;B;Vilogia;475 680 815;59350;4;3.06;50.63",
            "C;D;Vilogia;47568081;59350;4;3.06;50.63",
        ],
    )
    records, errors = parse_residences(path)
    assert [r.bailleur_siren for r in records] == ["475680815"]
    assert [(e.line, e.column, e.value, e.message) for e in errors] == [
        (3, "siren_bailleur", "47568081", "SIREN du bailleur invalide (9 chiffres attendus)")
    ]


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path):
    """Quoted addresses over several text lines: the error names the row Excel shows (issue #9:
    « ligne 734 » was row 729)."""
    lines = ["code;nom;bailleur;insee;logements;lon;lat;adresse"]
    lines += [
        f'R{i};Les Lilas;Vilogia;59350;10;3.06;50.63;"1 rue A\nBât. {i}\nEsc. 2"' for i in range(5)
    ]
    lines.append("R9;Les Ormes;Vilogia;59350;dix;3.06;50.63;2 rue B")
    path = write_csv(tmp_path / "parc.csv", lines)
    records, errors = parse_residences(path)
    assert [r.line for r in records] == [2, 3, 4, 5, 6]
    assert [(e.line, e.column, e.value) for e in errors] == [(7, "logements", "dix")]
    assert errors[0].describe().startswith("ligne 7, colonne « logements »")


def test_a_placeholder_landlord_is_a_missing_landlord(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        [
            "code;nom;bailleur;insee;logements;lon;lat",
            "R1;Les Lilas;(vide);59350;10;3.06;50.63",
            "R2;Les Ormes; NC ;59350;10;3.06;50.63",
            "R3;Les Saules;Vilogia;59350;-;3.06;50.63",
        ],
    )
    records, errors = parse_residences(path)
    assert records == []
    assert [(e.line, e.column, e.message) for e in errors] == [
        (2, "bailleur", "nom du bailleur manquant"),
        (3, "bailleur", "nom du bailleur manquant"),
        (4, "logements", "nombre de logements manquant"),
    ]


def test_an_unknown_field_lists_the_valid_field_names(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        ["code;nom;bailleur;insee;logements;lon;lat", "R1;A;B;59350;10;3.06;50.63"],
    )
    _, errors = parse_residences(path, columns={"nom_residence": "nom"})
    assert [(e.line, e.column) for e in errors] == [(None, "nom")]
    assert errors[0].message == (
        "champ « nom_residence » inconnu (champs : code, name, bailleur, bailleur_siren, "
        "commune_insee, nb_logements, x, y, lon, lat, address, note_commune, note_bailleur)"
    )


def test_a_file_checked_chunk_by_chunk_gives_the_same_records_and_errors(tmp_path):
    path = write_csv(
        tmp_path / "parc.csv",
        [
            "code;nom;bailleur;code_insee;nb_logements;x;y",
            "R1;Les Tilleuls;Vilogia;59350;12;704600;7059900",
            "R2;Les Érables;Vilogia;59350;0;704700;7059900",
            "R3;Les Saules;Vilogia;59350;8;7059900;704600",
            "R1;Doublon;Vilogia;59350;8;704800;7059900",
            "R5;Les Aulnes;Vilogia;59350;8;704900;7059900",
        ],
    )
    records, errors = parse_residences(path)
    opened = open_residences(path, chunk_rows=2)
    assert opened.errors == [] and opened.commune_column == "code_insee"
    chunks = list(opened.chunks())
    assert len(chunks) == 3
    assert [r for chunk, _ in chunks for r in chunk] == records
    assert [e for _, chunk in chunks for e in chunk] == errors
    assert [r.code for r in records] == ["R1", "R5"]
    assert [(e.line, e.column) for e in errors] == [(3, "nb_logements"), (4, "x"), (5, "code")]
    assert "déjà présent ligne 2" in errors[2].message


def test_the_crs_is_guessed_from_every_point_of_a_streamed_file(tmp_path):
    rows = [f"R{i};Nom;Vilogia;59350;8;704600;7059900" for i in range(5)]
    path = write_csv(tmp_path / "parc.csv", ["code;nom;bailleur;insee;nb_lgt;x;y", *rows])
    chunks = list(open_residences(path, chunk_rows=2).chunks())
    assert sum(len(records) for records, _ in chunks) == 5
    assert all(not errors for _, errors in chunks)
