"""API tokens from the command line: list and revoke."""

from __future__ import annotations

from typer.testing import CliRunner

from app.cli import cli
from tests.auth.conftest import Site


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
