"""An EPCI administrator manages the accounts of its EPCI, in the API and on the accounts page:
list, disable and enable, list and revoke API tokens; never those of another EPCI."""

from __future__ import annotations

from tests.auth.conftest import PASSWORD, Site

MEL_ACCOUNTS = {
    "admin@test.example",
    "lille@test.example",
    "roubaix@test.example",
    "bailleur_b@test.example",
    "elu@test.example",
    "reader@test.example",
}
"""Landlord A also has a residence in Arras, and admin_arras is of the CU d'Arras: neither is
the MEL administrator's to manage."""


def account_id(site: Site, name: str) -> int:
    return site.sql("SELECT id FROM account WHERE email = :e", {"e": site.email(name)})[0][0]


def test_the_administrator_lists_the_accounts_of_its_epci_only(site: Site):
    response = site.client.get("/api/accounts", headers=site.headers["admin"])
    assert response.status_code == 200
    accounts = {a["email"]: a for a in response.json()}
    assert set(accounts) == MEL_ACCOUNTS
    assert accounts["lille@test.example"]["scopes"] == {"commune": ["59350"]}
    assert accounts["lille@test.example"]["role_label"] == "Commune"
    arras = site.client.get("/api/accounts", headers=site.headers["admin_arras"]).json()
    assert {a["email"] for a in arras} == {"admin_arras@test.example"}
    tokens = site.client.get("/api/tokens", headers=site.headers["admin"]).json()
    assert {t["email"] for t in tokens} == MEL_ACCOUNTS
    assert all("token" not in t and "token_hash" not in t for t in tokens)


def test_disabling_an_account_ends_its_sessions_and_tokens_at_once(site: Site):
    lille = account_id(site, "lille")
    browser = site.browser()
    site.sign_in("lille", browser)
    admin = site.headers["admin"]
    disabled = site.client.patch(f"/api/accounts/{lille}", json={"active": False}, headers=admin)
    assert disabled.status_code == 200
    assert browser.get("/api/auth/me").status_code == 401
    assert site.client.get("/api/auth/me", headers=site.headers["lille"]).status_code == 401
    listed = {a["email"]: a for a in site.client.get("/api/accounts", headers=admin).json()}
    assert listed["lille@test.example"]["active"] is False
    assert listed["lille@test.example"]["sessions"] == 0
    enabled = site.client.patch(f"/api/accounts/{lille}", json={"active": True}, headers=admin)
    assert enabled.status_code == 200
    site.sign_in("lille", site.browser())


def test_a_token_is_revoked_by_its_administrator(site: Site):
    admin = site.headers["admin"]
    tokens = site.client.get("/api/tokens", headers=admin).json()
    elu_token = next(t for t in tokens if t["email"] == "elu@test.example")
    assert site.client.delete(f"/api/tokens/{elu_token['id']}", headers=admin).status_code == 200
    assert site.client.get("/api/auth/me", headers=site.headers["elu"]).status_code == 401
    after = {t["id"]: t for t in site.client.get("/api/tokens", headers=admin).json()}
    assert after[elu_token["id"]]["revoked_at"] is not None


def test_nobody_manages_accounts_beyond_their_rights(site: Site):
    admin = site.headers["admin"]
    other = account_id(site, "admin_arras")
    landlord_a = account_id(site, "bailleur_a")
    for target in (other, landlord_a):
        refused = site.client.patch(
            f"/api/accounts/{target}", json={"active": False}, headers=admin
        )
        assert refused.status_code == 404 and "introuvable" in refused.json()["error"]["message"]
    arras_token = site.sql("SELECT t.id FROM api_token t WHERE t.account_id = :a", {"a": other})[0][
        0
    ]
    assert site.client.delete(f"/api/tokens/{arras_token}", headers=admin).status_code == 404
    assert site.client.get("/api/auth/me", headers=site.headers["admin_arras"]).status_code == 200
    me = account_id(site, "admin")
    self_disable = site.client.patch(f"/api/accounts/{me}", json={"active": False}, headers=admin)
    assert self_disable.status_code == 422
    assert "votre propre compte" in self_disable.json()["error"]["message"]
    for value in ("false", 0, None):
        loose = site.client.patch(f"/api/accounts/{me}", json={"active": value}, headers=admin)
        assert loose.status_code == 422
    elu = site.headers["elu"]
    for method, path in (
        ("GET", "/api/accounts"),
        ("PATCH", f"/api/accounts/{me}"),
        ("GET", "/api/tokens"),
        ("DELETE", f"/api/tokens/{arras_token}"),
    ):
        body = {"json": {"active": False}} if method == "PATCH" else {}
        assert site.client.request(method, path, headers=elu, **body).status_code == 403
        assert site.client.request(method, path, **body).status_code == 401


def test_the_accounts_page_is_for_administrators(site: Site):
    anonymous = site.client.get("/comptes", follow_redirects=False)
    assert (
        anonymous.status_code == 303 and anonymous.headers["location"] == "/connexion?next=/comptes"
    )
    site.sign_in("elu")
    refused = site.client.get("/comptes")
    assert refused.status_code == 403 and "réservée aux administrateurs" in refused.text
    admin = site.browser()
    site.sign_in("admin", admin)
    page = admin.get("/comptes")
    assert page.status_code == 200 and "accounts/main.js" in page.text
    assert PASSWORD not in page.text


def test_account_and_token_changes_are_in_the_epci_audit_log(site: Site):
    from typer.testing import CliRunner

    from app.cli import cli

    admin = site.headers["admin"]
    lille = account_id(site, "lille")
    for active in (False, True):
        url, body = f"/api/accounts/{lille}", {"active": active}
        assert site.client.patch(url, json=body, headers=admin).status_code == 200
    elu_token = next(
        t["id"]
        for t in site.client.get("/api/tokens", headers=admin).json()
        if t["email"] == "elu@test.example"
    )
    assert site.client.delete(f"/api/tokens/{elu_token}", headers=admin).status_code == 200
    assert CliRunner().invoke(cli, ["user", "disable", "roubaix@test.example"]).exit_code == 0

    entries = site.client.get("/api/audit", headers=admin).json()
    logged = [(e["action"], e["actor"], e["target"], e["origin"]) for e in reversed(entries)]
    changes = [entry for entry in logged if not entry[0].endswith("creation")]
    assert changes == [
        ("compte.desactivation", "admin", f"compte {lille} lille@test.example", "testclient"),
        ("compte.reactivation", "admin", f"compte {lille} lille@test.example", "testclient"),
        ("jeton.revocation", "admin", logged[-2][2], "testclient"),
        ("compte.desactivation", "ligne de commande", logged[-1][2], "ligne de commande"),
    ]
    assert logged[-2][2].endswith("elu@test.example")
    assert logged[-1][2].endswith("roubaix@test.example")
    created = {target for action, _, target, _ in logged if action == "compte.creation"}
    assert {target.split()[-1] for target in created} == MEL_ACCOUNTS
    arras = site.client.get("/api/audit", headers=site.headers["admin_arras"]).json()
    assert {e["target"].split()[-1] for e in arras} == {"admin_arras@test.example"}
