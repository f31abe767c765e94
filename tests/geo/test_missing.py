"""Placeholders for a missing value are missing, in every file a reader reads (issue #9)."""

from __future__ import annotations

import json

import openpyxl
import pytest

from geo.missing import is_missing, present
from geo.readers import read_table

PLACEHOLDERS = ["(vide)", "(VIDE)", " - ", "NC", "nc", "N/A", "n/a", "Inconnu", "INCONNU", "?", ""]


@pytest.mark.parametrize("text", [*PLACEHOLDERS, None, "   "])
def test_placeholders_and_blanks_are_missing(text):
    assert is_missing(text)
    assert present(text) is None


@pytest.mark.parametrize("text", ["0", "-3", "Vide-Grenier", "NCA", "Résidence (vide)", "N"])
def test_values_that_merely_contain_a_placeholder_are_values(text):
    assert not is_missing(text)
    assert present(f"  {text} ") == text


def test_a_csv_placeholder_is_an_empty_cell_but_a_header_stays_a_name(tmp_path):
    path = tmp_path / "parc.csv"
    rows = "".join(f"R{i};{value};12\n" for i, value in enumerate(PLACEHOLDERS[:-1]))
    path.write_text(f"code;bailleur;NC\n{rows}", encoding="utf-8")
    table = read_table(path)
    assert list(table.frame.columns) == ["code", "bailleur", "NC"]
    assert table.frame["bailleur"].isna().all()
    assert table.frame["NC"].tolist() == ["12"] * (len(PLACEHOLDERS) - 1)


def test_a_row_of_placeholders_only_is_a_blank_row(tmp_path):
    path = tmp_path / "parc.csv"
    path.write_text("code;nom\nR1;Les Lilas\n(vide);-\nR2;?\n", encoding="utf-8")
    table = read_table(path)
    assert table.line_numbers == [2, 4]
    assert table.rows() == [{"code": "R1", "nom": "Les Lilas"}, {"code": "R2", "nom": None}]


def test_xlsx_and_geojson_placeholders_are_missing(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["code", "bailleur"])
    workbook.active.append(["R1", "(vide)"])
    workbook.save(tmp_path / "parc.xlsx")
    assert read_table(tmp_path / "parc.xlsx").rows() == [{"code": "R1", "bailleur": None}]

    feature = {
        "type": "Feature",
        "properties": {"code": "R1", "bailleur": "N/A"},
        "geometry": {"type": "Point", "coordinates": [3.06, 50.63]},
    }
    path = tmp_path / "parc.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert read_table(path).rows() == [{"code": "R1", "bailleur": None}]
