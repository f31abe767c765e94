"""The IRIS reader: the usual column names, `--column`, codes written as numbers (issue #9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.fields import IRIS_FIELDS
from geo.iris import read_iris


def square(x: float, y: float, side: float = 0.01) -> dict:
    ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def write_iris(path: Path, properties: list[dict]) -> Path:
    features = [
        {"type": "Feature", "properties": props, "geometry": square(1.40 + i / 50, 43.60)}
        for i, props in enumerate(properties)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize(
    "name_column", ["NOM_IRIS", "lib_iris", "name", "Nom", "LIBELLE", "libellé", "iris_name"]
)
def test_the_usual_name_columns_are_recognised(tmp_path, name_column):
    path = write_iris(tmp_path / "iris.geojson", [{"CODE_IRIS": "315550101", name_column: "A"}])
    iris = read_iris(path)
    assert iris.errors == []
    assert [(r.code, r.name, r.commune_insee) for r in iris.records] == [
        ("315550101", "A", "31555")
    ]


def test_json_integer_codes_get_their_leading_zero_back(tmp_path):
    path = write_iris(
        tmp_path / "iris.geojson",
        [{"code_iris": 12340101, "nom": "Centre"}, {"code_iris": 315550102, "nom": "Capitole"}],
    )
    iris = read_iris(path)
    assert iris.errors == []
    assert [(r.code, r.commune_insee) for r in iris.records] == [
        ("012340101", "01234"),
        ("315550102", "31555"),
    ]


def test_column_option_names_the_columns(tmp_path):
    path = write_iris(tmp_path / "iris.geojson", [{"ID": "315550101", "QUARTIER": "Capitole"}])
    iris = read_iris(path, columns={"code": "id", "name": "QUARTIER"})
    assert iris.errors == []
    assert [(r.code, r.name) for r in iris.records] == [("315550101", "Capitole")]


def test_a_missing_column_is_named_with_the_columns_found(tmp_path):
    path = write_iris(tmp_path / "iris.geojson", [{"CODE_IRIS": "315550101", "QUARTIER": "A"}])
    iris = read_iris(path)
    assert iris.records == []
    messages = [e.message for e in iris.errors]
    assert len(messages) == 2, "only the name is missing, the code column was found"
    assert messages[0].startswith("colonne du nom de l'IRIS absente (noms acceptés : nom_iris")
    assert "--column name=COLONNE" in messages[0]
    assert messages[1] == "colonnes trouvées : CODE_IRIS, QUARTIER"


def test_an_unknown_field_lists_the_valid_ones(tmp_path):
    path = write_iris(tmp_path / "iris.geojson", [{"CODE_IRIS": "315550101", "NOM": "A"}])
    iris = read_iris(path, columns={"libelle": "NOM"})
    assert [e.message for e in iris.errors] == [
        f"champ « libelle » inconnu (champs : {', '.join(IRIS_FIELDS)})"
    ]


def test_placeholder_names_and_bad_codes_are_row_errors(tmp_path):
    path = write_iris(
        tmp_path / "iris.geojson",
        [
            {"CODE_IRIS": "315550101", "NOM_IRIS": "(vide)"},
            {"CODE_IRIS": "3155501", "NOM_IRIS": "Court"},
            {"CODE_IRIS": "NC", "NOM_IRIS": "Sans code"},
            {"CODE_IRIS": "315550104", "NOM_IRIS": "Bon"},
        ],
    )
    iris = read_iris(path)
    assert [r.code for r in iris.records] == ["315550104"]
    assert [(e.line, e.column, e.value, e.message) for e in iris.errors] == [
        (1, "NOM_IRIS", None, "nom de l'IRIS manquant"),
        (2, "CODE_IRIS", "3155501", "code IRIS invalide (9 caractères)"),
        (3, "CODE_IRIS", None, "code IRIS manquant"),
    ]
