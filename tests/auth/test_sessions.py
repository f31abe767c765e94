"""Sessions that cannot be forged or outlive their end: an opaque cookie kept hashed on the server,
ended by sign-out, a password change or the account's disabling, expired on the server's clock,
and a CSRF token that fits one session only."""

from __future__ import annotations

import hashlib
import hmac
import time

from typer.testing import CliRunner

from app.cli import cli
from tests.auth.conftest import PASSWORD, Site

OLD_DEFAULT_KEY = b"change-me-in-production"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def signed_in_as(client) -> str | None:
    account = client.get("/api/auth/session").json()["account"]
    return account["email"] if account else None


def test_a_cookie_forged_with_the_old_default_key_and_a_future_date_is_refused(site: Site):
    admin_id = site.sql("SELECT id FROM account WHERE email = 'admin@test.example'")[0][0]
    payload = f"{admin_id}.{int(time.time()) + 10**9}"
    signature = hmac.new(OLD_DEFAULT_KEY, payload.encode(), hashlib.sha256).hexdigest()
    site.client.cookies.set("qp_session", f"{payload}.{signature}")
    assert signed_in_as(site.client) is None
    assert site.client.get("/api/campaigns").status_code == 401
    assert site.client.get("/api/accounts").status_code == 401


def test_the_cookie_is_random_and_only_its_digest_is_stored(site: Site):
    response = site.client.post(
        "/api/auth/login", json={"email": "admin@test.example", "password": PASSWORD}
    )
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("qp_session="))
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    assert "Path=/" in session_cookie and "Secure" not in session_cookie
    token = site.client.cookies["qp_session"]
    admin_id = site.sql("SELECT id FROM account WHERE email = 'admin@test.example'")[0][0]
    assert str(admin_id) not in token.split(".") and len(token) >= 40
    stored = [row.token_hash for row in site.sql("SELECT token_hash FROM session")]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored
    # Signing in again from the same browser ends its previous session.
    again = site.client.post(
        "/api/auth/login",
        json={"email": "admin@test.example", "password": PASSWORD},
        headers={"X-CSRF-Token": response.json()["csrf_token"]},
    )
    assert again.status_code == 200 and site.client.cookies["qp_session"] != token
    assert len(site.sql("SELECT 1 FROM session")) == 1


def test_secure_cookies_over_https(site: Site, settings_env):
    settings_env.setenv("QUALIPARC_SECURE_COOKIES", "true")
    response = site.client.post(
        "/api/auth/login", json={"email": "admin@test.example", "password": PASSWORD}
    )
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))
    settings_env.delenv("QUALIPARC_SECURE_COOKIES")
    from app.core.settings import get_settings

    get_settings.cache_clear()
    https = site.browser()
    https.base_url = "https://testserver"
    response = https.post(
        "/api/auth/login", json={"email": "admin@test.example", "password": PASSWORD}
    )
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


def test_sign_out_ends_the_session_on_the_server(site: Site):
    csrf = site.sign_in("lille")
    token = site.client.cookies["qp_session"]
    assert site.client.post("/api/auth/logout").status_code == 403  # no CSRF token: refused
    assert site.client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    replay = site.browser()
    replay.cookies.set("qp_session", token)
    assert signed_in_as(replay) is None
    assert replay.get("/api/auth/me").status_code == 401


def test_a_password_change_ends_every_session_of_the_account(site: Site):
    first, second, other = site.browser(), site.browser(), site.browser()
    site.sign_in("lille", first)
    site.sign_in("lille", second)
    site.sign_in("roubaix", other)
    assert invoke("user", "password", "lille@test.example", "--password", "nouveau").exit_code == 0
    assert signed_in_as(first) is None and signed_in_as(second) is None
    assert signed_in_as(other) == "roubaix@test.example"
    # The API token is another credential: a password change leaves it alone.
    assert site.client.get("/api/auth/me", headers=site.headers["lille"]).status_code == 200


def test_disabling_ends_sessions_and_tokens_enabling_lets_the_account_sign_in_again(site: Site):
    browser = site.browser()
    site.sign_in("lille", browser)
    assert invoke("user", "disable", "Lille@test.example").exit_code == 0
    assert signed_in_as(browser) is None
    refused = site.client.get("/api/auth/me", headers=site.headers["lille"])
    assert refused.status_code == 401 and "révoqué" in refused.json()["error"]["message"]
    login = browser.post(
        "/api/auth/login", json={"email": "lille@test.example", "password": PASSWORD}
    )
    assert login.status_code == 401
    assert login.json()["error"]["message"] == "Adresse e-mail ou mot de passe incorrect."
    assert invoke("user", "enable", "lille@test.example").exit_code == 0
    site.sign_in("lille", browser)
    assert signed_in_as(browser) == "lille@test.example"
    assert site.client.get("/api/auth/me", headers=site.headers["lille"]).status_code == 401
    missing = invoke("user", "disable", "personne@test.example")
    assert missing.exit_code == 1 and "Aucun compte" in missing.output


def test_idle_and_absolute_expiry_follow_the_server_clock(site: Site):
    site.sign_in("elu")
    assert signed_in_as(site.client) == "elu@test.example"
    site.sql("UPDATE session SET last_seen_at = now() - interval '121 minutes'")
    assert signed_in_as(site.client) is None
    site.sign_in("elu")
    site.sql(
        "UPDATE session SET created_at = now() - interval '12 hours 1 minute', last_seen_at = now()"
    )
    assert signed_in_as(site.client) is None
    # Expired sessions are swept at the next sign-in.
    site.sign_in("elu")
    assert len(site.sql("SELECT 1 FROM session")) == 1


def test_the_csrf_token_fits_its_own_session_only(site: Site):
    campaign = site.client.post(
        "/api/campaigns",
        json={"epci": "200093201", "name": "MEL 2026", "year": 2026},
        headers=site.headers["admin"],
    ).json()["id"]
    alice, mallory = site.browser(), site.browser()
    mine = site.sign_in("admin", alice)
    theirs = site.sign_in("admin", mallory)
    assert mine != theirs
    path, body = f"/api/campaigns/{campaign}", {"status": "grading"}
    assert alice.patch(path, json=body, headers={"X-CSRF-Token": theirs}).status_code == 403
    # Double-submit no longer works: the CSRF cookie is not what the server checks against.
    alice.cookies.set("qp_csrf", theirs)
    refused = alice.patch(path, json=body, headers={"X-CSRF-Token": theirs})
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    assert alice.patch(path, json=body, headers={"X-CSRF-Token": mine}).status_code == 200
