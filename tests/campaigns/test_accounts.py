"""Accounts from the command line, API tokens, the session cookie with its CSRF token, the demo
accounts, and the campaign pages behind the sign-in."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import cli
from tests.campaigns.builders import LILLE, MEL, ROUBAIX, Territory


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_user_add_and_token_create_give_a_working_bearer_token(territory: Territory):
    added = invoke(
        "user",
        "add",
        "Lille.Habitat@test.example",
        "--role",
        "commune",
        "--scope",
        LILLE,
        "--scope",
        ROUBAIX,
        "--password",
        "un mot de passe",
    )
    assert added.exit_code == 0, added.output
    result = invoke("token", "create", "lille.habitat@test.example")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("qp_") and "\n" not in token and len(token) > 40
    headers = {"Authorization": f"Bearer {token}"}
    me = territory.client.get("/api/auth/me", headers=headers).json()
    assert me["email"] == "lille.habitat@test.example"
    assert me["scopes"] == {"commune": sorted([LILLE, ROUBAIX])}
    campaign = territory.new_campaign("grading")
    for code in ("L1", "R1"):
        response = territory.client.put(
            f"/api/campaigns/{campaign}/grades/{code}",
            json={"side": "commune", "value": 3},
            headers=headers,
        )
        assert response.status_code == 200, response.text
    bad = territory.client.get("/api/campaigns", headers={"Authorization": "Bearer qp_faux"})
    assert bad.status_code == 401


def test_user_add_refuses_bad_input_in_french(territory: Territory):
    result = invoke("user", "add", "x@test.example", "--role", "commune")
    assert result.exit_code == 1
    assert "au moins une commune" in result.output
    result = invoke("user", "add", "x@test.example", "--role", "maire", "--scope", LILLE)
    assert result.exit_code == 1 and "Rôle « maire » inconnu" in result.output
    assert invoke("token", "create", "personne@test.example").exit_code == 1
    generated = invoke("user", "add", "lecteur@test.example", "--role", "reader", "--scope", MEL)
    assert generated.exit_code == 0
    password = generated.stdout.split("Mot de passe : ")[1].strip()
    login = territory.client.post(
        "/api/auth/login", json={"email": "lecteur@test.example", "password": password}
    )
    assert login.status_code == 200


def test_cookie_session_writes_need_the_csrf_token(territory: Territory):
    from app.auth.accounts import set_password

    campaign = territory.new_campaign("grading")
    with territory.engine.begin() as conn:
        set_password(conn, "lille@test.example", "secret lillois")
    client = territory.client
    login = client.post(
        "/api/auth/login", json={"email": "lille@test.example", "password": "secret lillois"}
    )
    csrf = login.json()["csrf_token"]
    body = {"side": "commune", "value": 2}
    path = f"/api/campaigns/{campaign}/grades/L1"
    assert client.get(f"/api/campaigns/{campaign}").status_code == 200
    refused = client.put(path, json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    assert client.put(path, json=body, headers={"X-CSRF-Token": csrf}).status_code == 200
    client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    client.cookies.clear()
    assert client.get(f"/api/campaigns/{campaign}").status_code == 401


def test_demo_accounts_one_per_role(territory: Territory):
    from app.demo.accounts import create_demo_accounts

    with territory.engine.begin() as conn:
        accounts = create_demo_accounts(conn)
        again = create_demo_accounts(conn)
        scopes = dict(
            conn.execute(
                text(
                    "SELECT a.email, array_agg(s.code ORDER BY s.code) FROM account a"
                    " JOIN account_scope s ON s.account_id = a.id"
                    " WHERE a.email LIKE '%@qualiparc.example' GROUP BY a.email"
                )
            ).all()
        )
    assert [a.role for a in accounts] == [
        "admin",
        "commune",
        "commune",
        "bailleur",
        "elu",
        "reader",
    ]
    assert all(a.password for a in accounts) and not any(a.password for a in again)
    by_email = {a.email: a for a in accounts}
    assert scopes["admin@qualiparc.example"] == [MEL]
    assert scopes["commune@qualiparc.example"] == [LILLE]  # the most populous commune
    assert scopes["communes@qualiparc.example"] == [ROUBAIX]  # the only other one with residences
    assert scopes["elu@qualiparc.example"] == [LILLE]
    assert len(scopes["bailleur@qualiparc.example"]) == 1
    login = territory.client.post(
        "/api/auth/login",
        json={
            "email": "admin@qualiparc.example",
            "password": by_email["admin@qualiparc.example"].password,
        },
    )
    assert login.status_code == 200


def test_campaign_pages_ask_to_sign_in_first(territory: Territory):
    from app.auth.accounts import set_password

    campaign = territory.new_campaign("grading")
    client = territory.client
    for path in ("/campagnes", f"/campagnes/{campaign}", f"/campagnes/{campaign}/notation"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/connexion?next=/campagnes")
    assert "Se connecter" in client.get("/connexion").text

    with territory.engine.begin() as conn:
        set_password(conn, "roubaix@test.example", "secret")
    client.post("/api/auth/login", json={"email": "roubaix@test.example", "password": "secret"})
    assert client.get("/campagnes", follow_redirects=False).headers["location"] == (
        f"/campagnes/{campaign}"
    )
    for path, script in (
        (f"/campagnes/{campaign}", "campaigns/dashboard.js"),
        (f"/campagnes/{campaign}/notation", "campaigns/grading.js"),
        (f"/campagnes/{campaign}/import", "campaigns/upload.js"),
    ):
        page = client.get(path)
        assert page.status_code == 200 and script in page.text and "MEL 2026" in page.text
    missing = client.get("/campagnes/999")
    assert missing.status_code == 404 and "introuvable" in missing.text
