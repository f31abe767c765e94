"""The audit log: every write says who, when, what and from where; an EPCI administrator reads
and exports its EPCI's entries, nobody rewrites them."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from app.cli import cli
from tests.campaigns.builders import MEL, Territory


def test_writes_are_logged_and_read_by_the_epci_administrator(territory: Territory):
    campaign = territory.new_campaign("grading")
    assert territory.grade("lille", campaign, "L1", "commune", 2).status_code == 200
    assert territory.grade("bailleur_a", campaign, "L1", "bailleur", 4).status_code == 200
    territory.move(campaign, "harmonisation")
    assert territory.harmonise("admin", campaign, "L1", 3, 0).status_code == 200
    policy = territory.call(
        "PUT", f"/api/epci/{MEL}/policy", "admin", json={"target_inside_qpv": 0.6}
    )
    assert policy.status_code == 200

    logged = territory.call("GET", "/api/audit", "admin").json()
    accounts = [e for e in logged if e["action"].startswith(("compte.", "jeton."))]
    assert {(e["action"], e["origin"]) for e in accounts} == {
        ("compte.creation", "ligne de commande"),
        ("jeton.creation", "ligne de commande"),
    }
    entries = [e for e in logged if e not in accounts]
    actions = [(e["action"], e["actor"]) for e in reversed(entries)]
    assert actions == [
        ("campagne.creation", "admin"),
        ("campagne.modification", "admin"),
        ("notes.saisie", "lille"),
        ("notes.saisie", "bailleur_a"),
        ("campagne.modification", "admin"),
        ("notes.harmonisation", "admin"),
        ("reglages.modification", "admin"),
    ]
    assert {e["origin"] for e in entries} == {"testclient"}
    assert {e["epci_siren"] for e in entries} == {MEL}
    grade = next(e for e in entries if e["actor"] == "lille")
    assert grade["details"]["residences"] == ["L1"] and grade["details"]["cote"] == "commune"
    moved = entries[-2]
    assert moved["details"] == {"avant": {"status": "preparation"}, "apres": {"status": "grading"}}
    assert entries[0]["details"]["apres"]["target_inside_qpv"] == 0.6

    only = territory.call("GET", "/api/audit?action=notes.saisie", "admin").json()
    assert [e["actor"] for e in only] == ["bailleur_a", "lille"]
    assert territory.call("GET", "/api/audit?action=rien", "admin").status_code == 422
    arras = territory.call("GET", "/api/audit", "admin_arras").json()
    assert {e["target"].split()[-1] for e in arras} == {"admin_arras@test.example"}
    for who in ("lille", "bailleur_a", "elu", "reader"):
        assert territory.call("GET", "/api/audit", who).status_code == 403
    assert territory.call("GET", "/api/audit").status_code == 401

    exported = territory.call("GET", "/api/audit.csv", "admin")
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "id;at;actor;origin;epci_siren;action;action_label;target;details"
    assert len(lines) == 1 + len(logged)


def test_the_log_is_append_only_and_command_line_imports_are_logged(territory: Territory, tmp_path):
    path = tmp_path / "residences.csv"
    path.write_text(
        "code;nom;bailleur;commune_insee;nb_logements;lon;lat\n"
        "L9;Résidence neuve;Bailleur A (test);59350;12;3.0551;50.6309\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["import", "residences", str(path)])
    assert result.exit_code == 0, result.output
    with territory.engine.connect() as conn:
        action, origin, target, inserted = conn.execute(
            text(
                "SELECT action, origin, target, details ->> 'inserted' FROM audit_log"
                " ORDER BY id DESC LIMIT 1"
            )
        ).one()
    assert (action, origin, target, inserted) == (
        "import.residences",
        "ligne de commande",
        str(path),
        "1",
    )
    with territory.engine.connect() as conn, pytest.raises(DBAPIError, match="audit"):
        conn.execute(text("UPDATE audit_log SET actor_label = 'personne'"))
    with territory.engine.connect() as conn, pytest.raises(DBAPIError, match="audit"):
        conn.execute(text("DELETE FROM audit_log"))
