"""Import reports: identical errors collapse into one counted line, in the answer and the CSV."""

from __future__ import annotations

import csv

import pytest

from geo.report import (
    REPEATS_LISTED,
    ImportRejected,
    RowError,
    decimal,
    listed_report,
    report_lines,
    rows_left_out,
    write_report,
)

OUT_OF_SCALE = "note hors de l'échelle 1 à 4"


def bad_grades(count: int, first_line: int = 2) -> list[RowError]:
    return [
        RowError(line, "note", "5", OUT_OF_SCALE) for line in range(first_line, first_line + count)
    ]


def test_a_few_identical_errors_stay_listed_one_by_one():
    lines = report_lines(bad_grades(REPEATS_LISTED))
    assert [line.count for line in lines] == [1] * REPEATS_LISTED
    assert lines[0].as_dict() == {
        "line": 2,
        "column": "note",
        "value": "5",
        "message": OUT_OF_SCALE,
    }


def test_many_identical_errors_collapse_into_one_counted_line():
    errors = [RowError(None, None, None, "colonne manquante"), *bad_grades(1_703_221)]
    errors.append(RowError(7, "code", "X", "résidence inconnue"))
    lines = report_lines(errors)
    assert [line.count for line in lines] == [1, 1_703_221, 1]
    collapsed = lines[1]
    assert collapsed.message == (
        "1\u202f703\u202f221 lignes : note hors de l'échelle 1 à 4 (lignes 2, 3, 4, 5, 6, …)"
    )
    assert collapsed.describe() == f"colonne « note » : valeur « 5 » : {collapsed.message}"
    assert collapsed.as_dict() == {
        "line": 2,
        "column": "note",
        "value": "5",
        "message": collapsed.message,
        "count": 1_703_221,
        "lines": [2, 3, 4, 5, 6],
    }


def test_a_group_with_different_values_shows_none():
    errors = [RowError(line, "code", f"X{line}", "résidence inconnue") for line in range(2, 12)]
    [line] = report_lines(errors)
    assert line.value is None and line.count == 10


def test_an_answer_lists_a_bounded_number_of_lines_then_counts_the_rest():
    errors = [RowError(line, "code", f"X{line}", f"motif {line}") for line in range(2, 1502)]
    listed = listed_report(errors, limit=1000)
    assert len(listed) == 1001
    assert listed[-1] == {
        "line": None,
        "column": None,
        "value": None,
        "message": "… et 500 autres erreurs",
        "count": 500,
    }


def test_rejection_summary_and_csv_report_are_collapsed(tmp_path):
    errors = bad_grades(200_000)
    rejected = ImportRejected(errors)
    assert str(rejected) == (
        "import refusé : 200\u202f000 erreurs\n"
        "- colonne « note » : valeur « 5 » : 200\u202f000 lignes : note hors de l'échelle 1 à 4 "
        "(lignes 2, 3, 4, 5, 6, …)"
    )
    write_report(errors, tmp_path / "rapport.csv")
    rows = list(csv.reader((tmp_path / "rapport.csv").open(encoding="utf-8-sig"), delimiter=";"))
    assert rows == [
        ["ligne", "colonne", "valeur", "motif"],
        ["2", "note", "5", "200\u202f000 lignes : " + OUT_OF_SCALE + " (lignes 2, 3, 4, 5, 6, …)"],
    ]


@pytest.mark.parametrize(
    ("number", "digits", "expected"),
    [
        (190.7, 1, "190,7"),
        (190.74, 1, "190,7"),
        (3.0, 1, "3"),
        (1234.56, 1, "1\u202f234,6"),
        (0.5, 2, "0,5"),
        (-0.01, 1, "0"),
    ],
)
def test_decimal_is_written_the_french_way(number, digits, expected):
    assert decimal(number, digits) == expected


def test_an_import_is_all_or_nothing_unless_partial():
    errors = [RowError(3, "note", "5", OUT_OF_SCALE), RowError(2, "code", None, "manquant")]
    with pytest.raises(ImportRejected):
        rows_left_out(errors, partial=False, valid=10)
    assert [e.line for e in rows_left_out(errors, partial=True, valid=10)] == [2, 3]
    assert rows_left_out([], partial=False, valid=10) == []


def test_a_partial_import_is_still_refused_without_any_valid_row_or_for_the_whole_file():
    row = RowError(3, "note", "5", OUT_OF_SCALE)
    with pytest.raises(ImportRejected):
        rows_left_out([row], partial=True, valid=0)
    with pytest.raises(ImportRejected):
        rows_left_out([row, RowError(None, None, None, "colonne absente")], partial=True, valid=9)
