"""Accounts and tokens from the command line: list and revoke tokens, disable and enable accounts,
and the administrator of every EPCI, who is always explicit."""

from __future__ import annotations

from typer.testing import CliRunner

from app.cli import cli
from tests.auth.conftest import Site
from tests.campaigns.builders import CU_ARRAS, LILLE, MEL


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_tokens_are_listed_and_revoked_from_the_command_line(site: Site):
    second = invoke("token", "create", "lille@test.example").stdout.strip()
    listed = invoke("token", "list", "lille@test.example")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.count("lille@test.example") == 2 and second not in listed.stdout
    everyone = invoke("token", "list", "--all")
    assert everyone.exit_code == 0 and "roubaix@test.example" in everyone.stdout
    assert invoke("token", "list").exit_code == 1
    token_id = site.sql(
        "SELECT t.id FROM api_token t JOIN account a ON a.id = t.account_id"
        " WHERE a.email = 'lille@test.example' ORDER BY t.id DESC LIMIT 1"
    )[0][0]
    revoked = invoke("token", "revoke", str(token_id))
    assert revoked.exit_code == 0 and f"Jeton {token_id} révoqué" in revoked.output
    refused = site.client.get("/api/auth/me", headers={"Authorization": f"Bearer {second}"})
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Jeton d'API invalide ou révoqué."
    assert site.client.get("/api/auth/me", headers=site.headers["lille"]).status_code == 200
    assert "révoqué le" in invoke("token", "list", "lille@test.example").stdout
    unknown = invoke("token", "revoke", "999999")
    assert unknown.exit_code == 1 and "introuvable" in unknown.output
    # Only the digest of a token is stored.
    assert not site.sql("SELECT 1 FROM api_token WHERE token_hash = :t", {"t": second})


def test_an_administrator_needs_an_epci_and_all_of_them_is_explicit(site: Site):
    refused = invoke("user", "add", "chef@test.example", "--role", "admin")
    assert refused.exit_code == 1 and "doit avoir son EPCI" in refused.output
    refused = invoke("user", "add", "chef@test.example", "--role", "admin", "--scope", LILLE)
    assert refused.exit_code == 1 and "--scope '*'" in refused.output
    for role, scopes in (("commune", ["*"]), ("admin", ["*", MEL])):
        args = [arg for scope in scopes for arg in ("--scope", scope)]
        mixed = invoke("user", "add", "x@test.example", "--role", role, *args)
        assert mixed.exit_code == 1 and "réservé aux administrateurs" in mixed.output
    assert invoke("user", "add", "region@test.example", "--role", "admin", "--scope", "*")
    token = invoke("token", "create", "region@test.example").stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    for epci, name in ((MEL, "MEL 2026"), (CU_ARRAS, "Arras 2026")):
        created = site.client.post(
            "/api/campaigns", json={"epci": epci, "name": name, "year": 2026}, headers=headers
        )
        assert created.status_code == 201, created.text
    listed = invoke("user", "list").stdout
    assert "epci *" in listed


def test_an_administrator_without_epci_scope_administers_nothing(site: Site):
    """Such an account can only come from SQL (the command refuses it): it sees no campaign."""
    site.sql(
        "DELETE FROM account_scope WHERE account_id = (SELECT id FROM account"
        " WHERE email = 'admin@test.example')"
    )
    headers = site.headers["admin"]
    created = site.client.post(
        "/api/campaigns", json={"epci": MEL, "name": "MEL 2026", "year": 2026}, headers=headers
    )
    assert created.status_code == 403
    assert site.client.get("/api/campaigns", headers=headers).json() == []
    assert site.client.get("/api/accounts", headers=headers).json() == []


def test_a_placeholder_is_never_a_scope_even_if_a_landlord_bears_it(engine):
    """Issue #9: a file once made « (vide) » a landlord; `--scope '(vide)'` is still refused."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bailleur (name) VALUES ('(vide)'), ('Vilogia')"))
    for placeholder in ("(vide)", " NC ", "-"):
        refused = invoke(
            "user", "add", "b@test.example", "--role", "bailleur", "--scope", placeholder
        )
        assert refused.exit_code == 1
        assert f"Périmètre « {placeholder.strip()} » vide" in refused.output
    accepted = invoke("user", "add", "b@test.example", "--role", "bailleur", "--scope", "Vilogia")
    assert accepted.exit_code == 0, accepted.output
