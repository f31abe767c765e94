"""Signing in: throttled per e-mail and per client address with a French 429, and the same answer,
in text and in work done, whether the e-mail belongs to an account or not."""

from __future__ import annotations

import pytest

from app.auth import passwords
from tests.auth.conftest import PASSWORD, Site

WRONG = "Adresse e-mail ou mot de passe incorrect."


def attempt(client, email: str, password: str = "mauvais"):
    return client.post("/api/auth/login", json={"email": email, "password": password})


def answer(response) -> tuple[int, dict]:
    body = response.json()
    body["error"].pop("retry_after", None)
    return response.status_code, body


def test_five_failures_lock_the_e_mail_for_a_quarter_of_an_hour(site: Site):
    for _ in range(5):
        assert answer(attempt(site.client, "lille@test.example")) == (
            401,
            {"error": {"code": "non_authentifie", "message": WRONG}},
        )
    locked = attempt(site.client, "lille@test.example", PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "trop_de_tentatives"
    assert "Trop de tentatives de connexion" in locked.json()["error"]["message"]
    assert "15 minutes" in locked.json()["error"]["message"]
    assert 890 <= int(locked.headers["Retry-After"]) <= 900
    # Other accounts from elsewhere are not affected.
    assert attempt(site.browser(), "roubaix@test.example", PASSWORD).status_code == 200
    # Once the lock is over, five more failures lock it twice as long.
    site.sql("UPDATE login_throttle SET locked_until = now() - interval '1 second'")
    for _ in range(5):
        assert attempt(site.client, "lille@test.example").status_code == 401
    again = attempt(site.client, "lille@test.example", PASSWORD)
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 1700


def test_known_and_unknown_e_mails_answer_alike(site: Site, monkeypatch: pytest.MonkeyPatch):
    site.sql("UPDATE account SET active = false WHERE email = 'reader@test.example'")
    verified: list[str] = []
    hasher = passwords._hasher

    class CountingHasher:
        def hash(self, password: str) -> str:
            return hasher.hash(password)

        def verify(self, password_hash: str, password: str) -> bool:
            verified.append(password_hash)
            return hasher.verify(password_hash, password)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    emails = ("lille@test.example", "personne@test.example", "reader@test.example")
    answers = {}
    for email in emails:
        verified.clear()
        answers[email] = [answer(attempt(site.client, email)) for _ in range(6)]
        # The password hash is checked at each of the five failures, a dummy one when there is
        # no account, and not at all while locked: the same work, hence the same time.
        assert len(verified) == 5, email
        assert all(h.startswith("$argon2") for h in verified)
    assert answers[emails[0]] == answers[emails[1]] == answers[emails[2]]
    assert [status for status, _ in answers[emails[0]]] == [401] * 5 + [429]
    stored = " ".join(str(row) for row in site.sql("SELECT * FROM login_throttle"))
    assert "test.example" not in stored and "testclient" not in stored


def test_failures_from_one_address_lock_it_for_every_e_mail(site: Site, settings_env):
    settings_env.setenv("QUALIPARC_LOGIN_MAX_FAILURES_PER_ADDRESS", "4")
    for name in ("a", "b", "c", "d"):
        assert attempt(site.client, f"{name}@test.example").status_code == 401
    # A success of an account of one's own does not reset the address's count.
    assert attempt(site.client, "elu@test.example", PASSWORD).status_code == 429
    assert attempt(site.client, "roubaix@test.example", PASSWORD).status_code == 429


def test_a_success_resets_the_e_mail_count(site: Site):
    for _ in range(4):
        attempt(site.client, "lille@test.example")
    assert attempt(site.browser(), "lille@test.example", PASSWORD).status_code == 200
    for _ in range(4):
        assert attempt(site.client, "lille@test.example").status_code == 401
    assert attempt(site.browser(), "lille@test.example", PASSWORD).status_code == 200
