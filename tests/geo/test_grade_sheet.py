"""Grade sheets read without a database: the side's columns, every row checked, one report."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.grade_sheet import GradeRow, read_grade_sheet
from geo.grades import COMMENT_MAX
from geo.report import ImportRejected


def write(tmp_path: Path, text: str, name: str = "notes.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_side_reads_its_own_grade_column(tmp_path):
    path = write(
        tmp_path,
        "Code résidence;Note commune;Note bailleur;Observations\nL1;2;4;calme\nL2;1;;\nR1;;3;\n",
    )
    commune = read_grade_sheet(path, "commune")
    assert commune.columns == {
        "code": "Code résidence",
        "grade": "Note commune",
        "comment": "Observations",
    }
    assert commune.rows == [GradeRow(2, "L1", 2, "calme"), GradeRow(3, "L2", 1, None)]
    assert (commune.errors, commune.blank) == ([], 1)

    bailleur = read_grade_sheet(path, "bailleur")
    assert bailleur.columns["grade"] == "Note bailleur"
    assert bailleur.rows == [GradeRow(2, "L1", 4, "calme"), GradeRow(4, "R1", 3, None)]
    assert bailleur.blank == 1


def test_a_generic_grade_column_serves_either_side(tmp_path):
    path = write(tmp_path, "code;note\nL1;3\nL2;4,0\n")
    sheet = read_grade_sheet(path, "bailleur")
    assert sheet.columns == {"code": "code", "grade": "note"}
    assert [(row.code, row.value) for row in sheet.rows] == [("L1", 3), ("L2", 4)]


def test_bad_rows_are_reported_and_the_others_kept(tmp_path):
    long_comment = "x" * (COMMENT_MAX + 1)
    path = write(
        tmp_path,
        "code;note;commentaire\n"
        "L1;2;bon voisinage\n"
        ";3;\n"
        "L2;0;\n"
        "L3;bof;\n"
        "L1;3;doublon\n"
        f"L4;2;{long_comment}\n"
        "L5;4;\n",
    )
    sheet = read_grade_sheet(path, "commune")
    assert [row.code for row in sheet.rows] == ["L1", "L5"]
    assert [(e.line, e.column, e.value) for e in sheet.errors] == [
        (3, "code", None),
        (4, "note", "0"),
        (5, "note", "bof"),
        (6, "code", "L1"),
        (7, "commentaire", "x" * 40 + "…"),
    ]
    messages = [e.message for e in sheet.errors]
    assert messages[0] == "code de résidence manquant"
    assert "hors de l'échelle" in messages[1]
    assert "n'est pas une note" in messages[2]
    assert messages[3] == "résidence en double (déjà notée ligne 2)"
    assert messages[4] == "commentaire trop long"


def test_a_placeholder_grade_leaves_the_residence_ungraded(tmp_path):
    path = write(tmp_path, "code;note\nL1;NC\nL2; (vide) \nL3;-\nL4;?\nL5;2\n")
    sheet = read_grade_sheet(path, "commune")
    assert [(row.code, row.value) for row in sheet.rows] == [("L5", 2)]
    assert (sheet.blank, sheet.errors) == (4, [])


def test_a_sheet_without_the_sides_column_is_rejected(tmp_path):
    path = write(tmp_path, "nom;note_bailleur\nLes Tilleuls;2\n")
    with pytest.raises(ImportRejected) as rejected:
        read_grade_sheet(path, "commune")
    messages = [e.message for e in rejected.value.errors]
    assert len(messages) == 3
    assert messages[0].startswith("colonne du code de la résidence absente")
    assert messages[1].startswith("colonne de la note commune absente")
    assert messages[2] == "colonnes trouvées : nom, note_bailleur"


def test_an_unreadable_file_is_rejected(tmp_path):
    path = write(tmp_path, "code;note\n", name="notes.xls")
    with pytest.raises(ImportRejected, match=r"\.xls"):
        read_grade_sheet(path, "commune")
