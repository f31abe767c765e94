"""`qualiparc import attributions`: all or nothing, a French report of every bad row."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import cli
from app.importers.allocations import import_allocations
from geo.report import ImportRejected

BAD_FILE = """code;total;q1;priority;pru
R1;10;2;3;0
INCONNUE;5;1;1;0
R2;-3;0;0;0
R3;4;5;1;0
R4;2,5;1;0;0
R1;6;1;1;0
R5;12;;3;0
R6;8;6;2;3
"""


def allocation_rows(territory, year: int) -> dict[str, tuple]:
    with territory.engine.connect() as conn:
        return {
            code: tuple(counts)
            for code, *counts in conn.execute(
                text(
                    "SELECT r.code, a.total, a.q1, a.priority, a.pru FROM allocation a "
                    "JOIN residence r ON r.id = a.residence_id WHERE a.year = :y"
                ),
                {"y": year},
            )
        }


def test_bad_rows_are_all_reported_and_nothing_is_written(territory, tmp_path):
    path = tmp_path / "attributions.csv"
    path.write_text(BAD_FILE, encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected, territory.engine.begin() as conn:
        import_allocations(conn, path, 2026)
    found = {(e.line, e.column): e.message for e in rejected.value.errors}
    assert found[(3, "code")] == "résidence inconnue"
    assert found[(4, "total")] == "nombre négatif"
    assert found[(5, "q1")] == "q1 (5) dépasse total (4)"
    assert found[(6, "total")] == "un nombre d'attributions est un entier"
    assert found[(7, "code")].startswith("résidence déjà présente ligne 2")
    assert found[(8, "q1")].startswith("valeur manquante")
    assert found[(9, "pru")].startswith("q1 + pru (9) dépasse total (8)")
    assert len(found) == 7
    assert allocation_rows(territory, 2026) == {}


def test_good_file_upserts_per_residence_and_year(territory, tmp_path):
    path = tmp_path / "attributions.csv"
    path.write_text("Code résidence;Total;Q1;Priority;PRU\nR1;11;2;3;0\nR6;4;1;1;1\n")
    with territory.engine.begin() as conn:
        summary = import_allocations(conn, path, 2025)
    assert (summary.inserted, summary.updated, summary.total) == (1, 1, 15)
    rows = allocation_rows(territory, 2025)
    assert rows["R1"] == (11, 2, 3, 0) and rows["R6"] == (4, 1, 1, 1)
    assert rows["R5"] == (12, 1, 3, 0)  # not in the file: unchanged


def test_cli_refuses_with_a_report_then_accepts(territory, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_FILE)
    report = tmp_path / "rapport.csv"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["import", "attributions", str(bad), "--year", "2026", "--report", str(report)]
    )
    assert result.exit_code == 1
    with report.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert lines[0] == ["ligne", "colonne", "valeur", "motif"] and len(lines) == 8
    good = tmp_path / "good.csv"
    good.write_text("code,total,q1,priority,pru\nR2,3,0,1,0\n")
    result = runner.invoke(cli, ["import", "attributions", str(good), "--year", "2026"])
    assert result.exit_code == 0, result.output
    assert allocation_rows(territory, 2026) == {"R2": (3, 0, 1, 0)}
    missing_year = runner.invoke(cli, ["import", "attributions", str(good)])
    assert missing_year.exit_code == 2


def test_partial_import_writes_the_valid_rows_and_reports_the_others(territory, tmp_path):
    bad = tmp_path / "attributions.csv"
    bad.write_text(BAD_FILE)
    result = CliRunner().invoke(
        cli, ["import", "attributions", str(bad), "--year", "2026", "--partiel"]
    )
    assert result.exit_code == 0, result.output
    assert "Import partiel : 7 lignes rejetées" in " ".join(result.output.split())
    assert allocation_rows(territory, 2026) == {"R1": (10, 2, 3, 0)}
    with (tmp_path / "attributions-rejets.csv").open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert [line[0] for line in lines[1:]] == ["3", "4", "5", "6", "7", "8", "9"]


def test_column_option_maps_a_field(territory, tmp_path):
    path = tmp_path / "attributions.csv"
    path.write_text("code;total;NB_Q1;priority;pru\nR2;3;1;1;0\n")
    result = CliRunner().invoke(
        cli, ["import", "attributions", str(path), "--year", "2026", "--column", "q1=nb_q1"]
    )
    assert result.exit_code == 0, result.output
    assert allocation_rows(territory, 2026) == {"R2": (3, 1, 1, 0)}
