"""Credentials checked lately (app/auth/checked.py): the next requests of a credential are signed
in without looking it up again, yet anything that decides access (a revocation, a disabling, a
change of role or scope, a session's end) shows on the very next request."""

from __future__ import annotations

import time

import pytest

from app.auth import deps
from app.auth.checked import CheckedCredentials
from app.auth.principal import Principal
from app.auth.roles import Role
from tests.auth.conftest import Site
from tests.auth.test_sessions import signed_in_as
from tests.campaigns.builders import ROUBAIX


def me(site: Site, name: str):
    return site.client.get("/api/auth/me", headers=site.headers[name])


def access_version(site: Site) -> int:
    return site.sql("SELECT version FROM access_version")[0][0]


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The API tokens looked up in the database, in order."""
    seen: list[str] = []
    original = deps.token_of

    def token_of(conn, secret: str):
        seen.append(secret)
        return original(conn, secret)

    monkeypatch.setattr(deps, "token_of", token_of)
    return seen


def test_a_checked_token_is_not_looked_up_again(site: Site, lookups: list[str]) -> None:
    for _ in range(5):
        assert me(site, "lille").json()["email"] == "lille@test.example"
    assert len(lookups) == 1
    # Noting a token's use and opening a session change nobody's access.
    site.sql("UPDATE api_token SET last_used_at = now() - interval '1 hour'")
    site.sign_in("roubaix")
    assert me(site, "lille").status_code == 200
    assert len(lookups) == 1


def test_every_change_of_access_shows_on_the_next_request(site: Site, lookups: list) -> None:
    lille = "(SELECT id FROM account WHERE email = 'lille@test.example')"
    assert me(site, "lille").json()["scopes"] == {"commune": ["59350"]}
    site.sql(
        f"INSERT INTO account_scope (account_id, kind, code) VALUES ({lille}, 'commune', :c)",
        {"c": ROUBAIX},
    )
    assert me(site, "lille").json()["scopes"] == {"commune": ["59350", ROUBAIX]}
    site.sql(f"UPDATE account SET role = 'elu' WHERE id = {lille}")
    assert me(site, "lille").json()["role"] == "elu"
    site.sql(f"UPDATE account SET active = false WHERE id = {lille}")
    assert me(site, "lille").status_code == 401
    site.sql(f"UPDATE account SET active = true WHERE id = {lille}")
    assert me(site, "lille").status_code == 200
    site.sql(f"UPDATE api_token SET revoked_at = now() WHERE account_id = {lille}")
    refused = me(site, "lille")
    assert refused.status_code == 401 and "révoqué" in refused.json()["error"]["message"]
    assert len(lookups) == 6  # once per change, and never between


def test_a_checked_session_ends_on_time(site: Site) -> None:
    """A session is kept no longer than it lives: here two seconds more (its absolute expiry)."""
    site.sign_in("elu")
    assert signed_in_as(site.client) == "elu@test.example"
    site.sql("UPDATE session SET created_at = now() - interval '12 hours' + interval '2 seconds'")
    assert signed_in_as(site.client) == "elu@test.example"
    assert signed_in_as(site.client) == "elu@test.example"
    time.sleep(2.5)
    assert signed_in_as(site.client) is None


def test_what_changes_the_access_version(site: Site) -> None:
    unchanged = access_version(site)
    site.sign_in("elu")
    site.sql("UPDATE api_token SET last_used_at = now()")
    site.sql("UPDATE session SET last_seen_at = now() + interval '1 second'")
    site.sql("UPDATE campaign SET name = name")
    assert access_version(site) == unchanged
    changes = (
        "UPDATE session SET last_seen_at = last_seen_at - interval '1 hour'",
        "UPDATE api_token SET revoked_at = now() WHERE id = (SELECT min(id) FROM api_token)",
        "DELETE FROM account_scope WHERE kind = 'bailleur'",
        "UPDATE account SET display_name = 'X' WHERE email = 'elu@test.example'",
        "DELETE FROM session",
    )
    for change in changes:
        site.sql(change)
        changed = access_version(site)
        assert changed != unchanged, change
        unchanged = changed


def test_the_checked_credentials_forget_on_a_change_on_time_and_beyond_their_size() -> None:
    checked = CheckedCredentials(max_entries=2)
    principal = Principal(id=1, email="a@test.example", role=Role.READER)
    checked.keep(("jeton", "a"), principal, 7, 60)
    assert checked.get(("jeton", "a"), 7) is principal
    assert checked.get(("jeton", "a"), 8) is None
    assert checked.get(("jeton", "a"), 7) is None  # forgotten with the change
    checked.keep(("jeton", "b"), principal, 7, 3600)  # a minute at most
    checked.keep(("jeton", "c"), principal, 7, 0.05)
    checked.keep(("jeton", "d"), principal, 7, 0)  # already ended: not kept
    time.sleep(0.1)
    assert checked.get(("jeton", "c"), 7) is None
    assert checked.get(("jeton", "b"), 7) is principal
    checked.keep(("jeton", "e"), principal, 7, 60)
    checked.keep(("jeton", "f"), principal, 7, 60)
    assert len(checked) == 2 and checked.get(("jeton", "b"), 7) is None
