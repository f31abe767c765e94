"""Grade sheets: a clean sheet is stored with its history; a sheet with bad rows is refused with a
row-by-row French report and writes nothing (command line and upload page alike)."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.campaigns.builders import Territory

BAD_SHEET = """code;note;commentaire
L1;2;bon voisinage
XX9;3;
L2;0;
L3;5;
R1;bof;
L1;3;doublon
A1;2;
R2;2;
"""
"""Line 2 is fine; then an unknown code, grades 0, 5 and "bof", a duplicated residence (L1), a
residence of the CU d'Arras, and (for the Lille account) a residence of Roubaix."""


@pytest.fixture
def campaign(territory: Territory) -> int:
    return territory.new_campaign("grading")


def run_cli(*args: str) -> tuple[int, str]:
    """Exit code and output (whitespace collapsed: the console wraps long lines)."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, " ".join(result.output.split())


def test_command_line_import_stores_grades_and_history(territory: Territory, campaign, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Code résidence", "Note commune", "Note bailleur", "Observations"])
    sheet.append(["L1", 2, 4, "calme"])
    sheet.append(["L2", 1, None, None])
    sheet.append(["R1", None, 3, None])  # no commune grade: left ungraded
    path = tmp_path / "notes MEL.xlsx"
    workbook.save(path)

    code, output = run_cli(
        "import", "grades", str(path), "--campaign", "MEL 2026", "--side", "commune"
    )
    assert code == 0, output
    assert "2 ajoutées" in output and "lignes sans note (ignorées) : 1" in output
    grades = territory.call("GET", f"/api/campaigns/{campaign}/grades/L1", "admin").json()
    assert (grades["commune_grade"], grades["commune_comment"]) == (2, "calme")
    assert grades["bailleur_grade"] is None  # the landlord's column is not this side's

    code, output = run_cli(
        "import", "grades", str(path), "--campaign", str(campaign), "--side", "bailleur"
    )
    assert code == 0, output
    history = territory.call("GET", "/api/residences/L1/history", "admin").json()["events"]
    assert [(e["kind"], e["after"], e["actor"]) for e in history] == [
        ("commune", 2, "ligne de commande"),
        ("bailleur", 4, "ligne de commande"),
    ]
    assert history[0]["note"] == "import du fichier notes MEL.xlsx"

    _, again = run_cli(
        "import", "grades", str(path), "--campaign", str(campaign), "--side", "bailleur"
    )
    assert "0 ajoutées, 0 modifiées" in again and "2 inchangées" in again
    assert territory.count("grade_event") == 4


def test_command_line_rejects_bad_rows_and_writes_nothing(territory: Territory, campaign, tmp_path):
    sheet = tmp_path / "notes.csv"
    sheet.write_text(BAD_SHEET, encoding="utf-8")
    report = tmp_path / "rapport.csv"
    counts = (territory.count("grade"), territory.count("grade_event"))

    code, output = run_cli(
        "import",
        "grades",
        str(sheet),
        "--campaign",
        str(campaign),
        "--side",
        "commune",
        "--report",
        str(report),
    )
    assert code == 1
    assert "rien n'a été écrit" in output
    assert (territory.count("grade"), territory.count("grade_event")) == counts == (0, 0)
    with report.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [(r["ligne"], r["colonne"], r["valeur"]) for r in rows] == [
        ("3", "code", "XX9"),
        ("4", "note", "0"),
        ("5", "note", "5"),
        ("6", "note", "bof"),
        ("7", "code", "L1"),
        ("8", "code", "A1"),
    ]
    motifs = [r["motif"] for r in rows]  # the sheet's own errors: tests/geo/test_grade_sheet.py
    assert motifs[0] == "résidence inconnue"
    assert "hors du territoire de la campagne" in motifs[5]


def test_upload_checks_the_accounts_communes(territory: Territory, campaign):
    counts = (territory.count("grade"), territory.count("grade_event"))
    response = territory.call(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        "lille",
        data={"side": "commune"},
        files={"file": ("notes lille.csv", BAD_SHEET.encode(), "text/csv")},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_refuse"
    assert error["message"] == "Import refusé, rien n'a été écrit : 7 erreurs."
    assert [(e["line"], e["value"]) for e in error["errors"]] == [
        (3, "XX9"),
        (4, "0"),
        (5, "5"),
        (6, "bof"),
        (7, "L1"),
        (8, "A1"),
        (9, "R2"),
    ]
    assert error["errors"][-1]["message"] == "résidence hors de vos communes"
    assert (territory.count("grade"), territory.count("grade_event")) == counts


def test_upload_of_a_clean_sheet(territory: Territory, campaign):
    sheet = "code;note;commentaire\nL1;2;\nL3;4;très calme\n"
    response = territory.call(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        "lille",
        data={"side": "commune"},
        files={"file": ("lille.csv", sheet.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 2
    layer = territory.call("GET", f"/api/campaigns/{campaign}/grades", "lille").json()
    graded = {f["properties"]["code"]: f["properties"]["commune_grade"] for f in layer["features"]}
    assert graded == {"L1": 2, "L2": None, "L3": 4}
    refused = territory.call(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        "lille",
        data={"side": "bailleur"},
        files={"file": ("lille.csv", sheet.encode(), "text/csv")},
    )
    assert refused.status_code == 403


def test_import_outside_the_grading_phase_is_refused(territory: Territory, tmp_path):
    campaign = territory.new_campaign("harmonisation")
    sheet = tmp_path / "notes.csv"
    sheet.write_text("code;note\nL1;2\n", encoding="utf-8")
    code, output = run_cli(
        "import", "grades", str(sheet), "--campaign", str(campaign), "--side", "commune"
    )
    assert code == 1
    assert "phase de notation" in output
    assert territory.count("grade") == 0


@pytest.mark.parametrize("kind, entity", [("billion-laughs", "l9"), ("xxe", "x")])
def test_xml_entity_attacks_are_refused_in_french(
    territory: Territory, campaign, tmp_path, kind, entity
):
    from tests.geo.test_readers import HOSTILE_SHEETS, hostile_workbook

    sheet = hostile_workbook(tmp_path / "notes.xlsx", HOSTILE_SHEETS[kind], entity)
    response = territory.call(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        "lille",
        data={"side": "commune"},
        files={"file": ("notes.xlsx", sheet.read_bytes(), "application/octet-stream")},
    )
    assert response.status_code == 422, response.text
    assert "entités XML" in response.text
    assert territory.count("grade") == 0


def test_partial_command_line_import_writes_the_valid_rows(
    territory: Territory, campaign, tmp_path
):
    sheet = tmp_path / "notes.csv"
    sheet.write_text(BAD_SHEET, encoding="utf-8")
    code, output = run_cli(
        "import", "grades", str(sheet), "--campaign", str(campaign), "--side", "commune",
        "--partiel",
    )  # fmt: skip
    assert code == 0, output
    assert "Import partiel : 6 lignes rejetées, non écrites" in output
    assert "2 ajoutées" in output  # L1 and R2: the command line acts for the operator
    with (tmp_path / "notes-rejets.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [r["ligne"] for r in rows] == ["3", "4", "5", "6", "7", "8"]
    assert (territory.count("grade"), territory.count("grade_event")) == (2, 2)


def test_partial_upload_stores_the_valid_rows_and_lists_the_others(territory: Territory, campaign):
    response = territory.call(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        "lille",
        data={"side": "commune", "partial": "true"},
        files={"file": ("notes lille.csv", BAD_SHEET.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["inserted"], body["rejected_lines"]) == (1, 7)
    assert [(e["line"], e["value"]) for e in body["rejected"]] == [
        (3, "XX9"),
        (4, "0"),
        (5, "5"),
        (6, "bof"),
        (7, "L1"),
        (8, "A1"),
        (9, "R2"),
    ]
    assert territory.count("grade") == 1


def test_upload_validation_details_are_french(territory: Territory, campaign):
    """Issue #9: "Field required" and "Input should be a valid boolean" were shown as such."""
    response = territory.call(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        "lille",
        data={"partial": "peut-être"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert {(p["champ"], p["motif"]) for p in error["details"]} == {
        ("file", "obligatoire"),
        ("side", "obligatoire"),
        ("partial", "attendu true ou false"),
    }
    assert "Field required" not in response.text and "Input should" not in response.text
