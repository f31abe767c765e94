"""Decisions recorded per residence feed the year's allocation figures without a second entry,
take a dwelling off the vacancy, are audit-logged, and are recorded only by those who manage the
residence (tests/analysis/conftest.py: B1 holds R1, R2, R4; B2 holds R3, R5, R6; R6 is in
Villeneuve-d'Ascq, the others in Lille)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from app.analysis.allocations import allocation_targets
from app.importers.allocations import import_allocations
from tests.analysis.conftest import EVERYTHING, LILLE, MEL, VILLENEUVE, YEAR

ADMIN = ("admin-mel@test.fr", "admin", [MEL])
ACCOUNTS = {
    "admin": ADMIN,
    "other_admin": ("admin-arras@test.fr", "admin", ["200033579"]),
    "commune": ("commune-lille@test.fr", "commune", [LILLE]),
    "landlord": ("b1@test.fr", "bailleur", ["900000111"]),
    "elu": ("elu-lille@test.fr", "elu", [LILLE]),
    "reader": ("lecteur@test.fr", "reader", [MEL]),
}


def decide(client, territory, code: str, account=ADMIN, **body) -> object:
    payload = {"category": "q1", "priority": False, "decided_on": f"{YEAR}-06-01"} | body
    return client.post(
        f"/api/commission/residences/{code}/decisions",
        json=payload,
        headers=territory.token(*account),
    )


def epci_targets(territory) -> dict:
    with territory.engine.connect() as conn:
        (row,) = allocation_targets(conn, "epci", YEAR, gate=EVERYTHING)
    return row


def test_a_decision_feeds_the_allocation_figures_and_the_vacancy(territory, client):
    headers = territory.token(*ADMIN)
    declared = client.put(
        "/api/commission/residences/R5/vacancy",
        json={"dwellings": 2, "declared_on": f"{YEAR}-05-02"},
        headers=headers,
    )
    assert declared.status_code == 200, declared.text
    response = decide(client, territory, "R5", category="q1", priority=True)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["vacancy"]["dwellings"] == 1
    assert saved["decision"]["category"] == "q1" and saved["decision"]["priority"] is True
    # The law's figures of /quartiers, with no second entry: outside QPV 4 of 21 (was 3 of 20).
    row = epci_targets(territory)
    assert (row["allocations_outside_qpv"], row["q1_or_pru_outside_qpv"]) == (21, 4)
    assert (row["allocations_total"], row["priority"]) == (41, 12)
    # The commission's view counts it too: one more Q1 now makes 5 of 22 (22,7 %), 1 missing.
    found = client.get(f"/api/commission/residences/R5?year={YEAR}", headers=headers).json()
    epci = next(e for e in found["effects"] if e["category"] == "q1")["units"][0]
    assert epci["phrase"].replace("\u00a0", " ") == (
        "une attribution Q1 ici : hors QPV 19,0 % → 22,7 %, il en manque 1"
    )
    assert [d["id"] for d in found["decisions"]] == [saved["decision"]["id"]]
    # The last vacant dwelling allocated: the vacancy is gone.
    assert decide(client, territory, "R5", category="other").json()["vacancy"] is None
    listed = client.get("/api/commission/vacancies", headers=headers).json()["features"]
    assert listed == []


def test_cancelling_a_decision_gives_back_the_count_and_the_dwelling(territory, client):
    headers = territory.token(*ADMIN)
    decision = decide(client, territory, "R4", category="pru").json()["decision"]
    assert epci_targets(territory)["q1_or_pru_outside_qpv"] == 4
    response = client.delete(f"/api/commission/decisions/{decision['id']}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["vacancy"]["dwellings"] == 1
    assert epci_targets(territory)["q1_or_pru_outside_qpv"] == 3
    again = client.delete(f"/api/commission/decisions/{decision['id']}", headers=headers)
    assert again.status_code == 404


def test_a_later_import_of_the_year_replaces_the_decisions_recorded_before(
    territory, client, tmp_path
):
    decide(client, territory, "R5", category="q1")
    assert epci_targets(territory)["q1_or_pru_outside_qpv"] == 4
    sheet = tmp_path / "attributions.csv"
    sheet.write_text("code;total;q1;priority;pru\nR5;13;2;3;0\n", encoding="utf-8")
    with territory.engine.begin() as conn:
        import_allocations(conn, sheet, YEAR)
    row = epci_targets(territory)  # the landlord's count (13, 2 Q1) holds the decision already
    assert (row["allocations_outside_qpv"], row["q1_or_pru_outside_qpv"]) == (21, 4)
    decide(client, territory, "R5", category="other")  # recorded after the import: counted
    assert epci_targets(territory)["allocations_outside_qpv"] == 22


def test_decisions_are_in_the_audit_log(territory, client):
    decision = decide(client, territory, "R1", category="other").json()["decision"]
    client.delete(f"/api/commission/decisions/{decision['id']}", headers=territory.token(*ADMIN))
    with territory.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, actor_label, epci_siren, target, details FROM audit_log"
                " WHERE action LIKE 'commission.%' ORDER BY id"
            )
        ).all()
    assert [(r.action, r.epci_siren, r.target) for r in rows] == [
        ("commission.decision", MEL, "résidence R1"),
        ("commission.decision_annulee", MEL, "résidence R1"),
    ]
    assert rows[0].details["category"] == "other" and rows[0].actor_label == "admin-mel@test.fr"


@pytest.mark.parametrize(
    ("account", "allowed"),
    [
        ("admin", {"R1", "R5", "R6"}),
        ("commune", {"R1", "R5"}),
        ("landlord", {"R1"}),
        ("other_admin", set()),
        ("elu", set()),
        ("reader", set()),
    ],
)
def test_who_records_decisions_and_vacancies(territory, client, account, allowed):
    for code in ("R1", "R5", "R6"):
        response = decide(client, territory, code, ACCOUNTS[account])
        assert (response.status_code == 200) == (code in allowed), (code, response.text)
        if response.status_code != 200:
            assert response.status_code == 403 and response.json()["error"]["message"]
        vacancy = client.put(
            f"/api/commission/residences/{code}/vacancy",
            json={"dwellings": 1, "declared_on": f"{YEAR}-01-01"},
            headers=territory.token(*ACCOUNTS[account]),
        )
        assert (vacancy.status_code == 200) == (code in allowed), (code, vacancy.text)
    with territory.engine.connect() as conn:
        decided = set(
            conn.execute(
                text(
                    "SELECT r.code FROM allocation_decision d"
                    " JOIN residence r ON r.id = d.residence_id"
                )
            ).scalars()
        )
    assert decided == allowed
    assert (
        client.post(
            "/api/commission/residences/R1/decisions",
            json={"category": "q1", "decided_on": f"{YEAR}-06-01"},
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "dalo"}, "category"),
        ({"category": "priority"}, "category"),
        ({"decided_on": "01/06/2025"}, "decided_on"),
        ({"decided_on": 20250601}, "decided_on"),
        ({"decided_on": (date.today() + timedelta(days=2)).isoformat()}, "decided_on"),
        ({"decided_on": "1999-12-31"}, "decided_on"),
        ({"priority": "oui"}, "priority"),
    ],
)
def test_hostile_decisions_are_french_422(territory, client, body, field):
    response = decide(client, territory, "R1", **body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]
    with territory.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM allocation_decision")).scalar_one() == 0


def test_hostile_vacancies_are_french_422(territory, client):
    headers = territory.token(*ADMIN)
    url = "/api/commission/residences/R1/vacancy"
    for body, field in (
        ({"dwellings": -1, "declared_on": "2025-01-01"}, "dwellings"),
        ({"dwellings": 10**6, "declared_on": "2025-01-01"}, "dwellings"),
        ({"dwellings": "2", "declared_on": "2025-01-01"}, "dwellings"),
        ({"dwellings": 2, "declared_on": "2099-01-01"}, "declared_on"),
        ({"dwellings": 2}, "declared_on"),
    ):
        response = client.put(url, json=body, headers=headers)
        assert response.status_code == 422 and field in response.json()["error"]["message"]
    unknown = client.put(
        "/api/commission/residences/ZZ/vacancy",
        json={"dwellings": 1, "declared_on": "2025-01-01"},
        headers=headers,
    )
    assert unknown.status_code == 404


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    return out.getvalue().encode()


def test_a_vacancy_list_is_imported_whole_or_not_at_all(territory, client):
    headers = territory.token(*ACCOUNTS["landlord"])
    bad = _csv(
        [
            ["code_residence", "logements_vacants", "date_vacance"],
            ["R1", "2", "15/03/2025"],
            ["R5", "1", "2025-03-15"],  # B2's
            ["ZZ", "1", "2025-03-15"],
            ["R2", "-1", "2025-03-15"],
            ["R4", "1", "31/02/2025"],
            ["R1", "1", "2025-03-15"],
        ]
    )
    response = client.post(
        "/api/commission/vacancies/import",
        files={"file": ("vacances.csv", bad, "text/csv")},
        headers=headers,
    )
    assert response.status_code == 422, response.text
    errors = {(e["line"], e["column"]): e["message"] for e in response.json()["error"]["errors"]}
    assert errors == {
        (3, "code_residence"): "résidence hors de votre périmètre",
        (4, "code_residence"): "résidence inconnue",
        (5, "logements_vacants"): "un nombre de logements vacants est un entier positif ou nul",
        (6, "date_vacance"): "date illisible (attendu JJ/MM/AAAA ou AAAA-MM-JJ)",
        (7, "code_residence"): "résidence en double (déjà ligne 2)",
    }
    with territory.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM vacancy")).scalar_one() == 0
    good = _csv([["code", "vacants", "date"], ["R1", "2", "15/03/2025"], ["R4", "0", "2025-03-15"]])
    client.put(
        "/api/commission/residences/R4/vacancy",
        json={"dwellings": 3, "declared_on": "2025-01-01"},
        headers=headers,
    )
    response = client.post(
        "/api/commission/vacancies/import",
        files={"file": ("vacances.csv", good, "text/csv")},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() | {"columns": None} == {
        "declared": 1,
        "cleared": 1,
        "dwellings": 2,
        "columns": None,
    }
    with territory.engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT r.code, v.dwellings, v.declared_on FROM vacancy v"
                " JOIN residence r ON r.id = v.residence_id"
            )
        ).all()
        logged = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'import.vacances'")
        ).scalar_one()
    assert [tuple(row) for row in stored] == [("R1", 2, date(2025, 3, 15))]
    assert logged == 1
    refused = client.post(
        "/api/commission/vacancies/import",
        files={"file": ("vacances.csv", good, "text/csv")},
        headers=territory.token(*ACCOUNTS["elu"]),
    )
    assert refused.status_code == 403
    missing = client.post(
        "/api/commission/vacancies/import",
        files={"file": ("vacances.csv", b"code;date\nR1;2025-01-01\n", "text/csv")},
        headers=headers,
    )
    assert missing.status_code == 422
    assert "logements vacants" in missing.json()["error"]["errors"][0]["message"]
    assert VILLENEUVE  # R6 stands there: out of every Lille account's scope


def test_the_command_line_imports_one_landlords_list(territory, tmp_path):
    from typer.testing import CliRunner

    from app.cli import cli

    sheet = tmp_path / "vacances.csv"
    sheet.write_text("code;vacants;date\nR1;2;2025-03-15\nR5;1;2025-03-15\n", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(
        cli, ["import", "vacances", str(sheet), "--bailleur", "900000111"], catch_exceptions=False
    )
    assert refused.exit_code == 1
    output = " ".join(refused.output.split())  # the console wraps long lines
    assert "ligne 3, colonne « code » : valeur « R5 » : résidence d'un autre bailleur" in output
    sheet.write_text("code;vacants;date\nR1;2;2025-03-15\n", encoding="utf-8")
    done = runner.invoke(cli, ["import", "vacances", str(sheet), "--bailleur", "Bailleur Test Un"])
    assert done.exit_code == 0, done.output
    with territory.engine.connect() as conn:
        assert conn.execute(text("SELECT sum(dwellings) FROM vacancy")).scalar_one() == 2
        assert (
            conn.execute(
                text("SELECT count(*) FROM audit_log WHERE action = 'import.vacances'")
            ).scalar_one()
            == 1
        )
