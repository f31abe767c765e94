"""Fixtures of the account tests: the hand-made territory of tests/campaigns with passwords."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.settings import get_settings
from tests.campaigns.builders import ACCOUNTS, RESIDENCES_CSV

PASSWORD = "un mot de passe de test"


@dataclass
class Site:
    """The app on a fresh database: one account per name of `ACCOUNTS` (password `PASSWORD`,
    e-mail `name@test.example`) with its Bearer headers."""

    client: TestClient
    engine: Engine
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @staticmethod
    def email(name: str) -> str:
        return f"{name}@test.example"

    def browser(self) -> TestClient:
        """Another browser on the same app (its own cookies)."""
        return TestClient(self.client.app)

    def sign_in(self, name: str, client: TestClient | None = None) -> str:
        """Sign `client` (default: the site's) in as `name`; return its CSRF token."""
        response = (client or self.client).post(
            "/api/auth/login", json={"email": self.email(name), "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return response.json()["csrf_token"]

    def sql(self, statement: str, params: dict | None = None) -> list:
        with self.engine.begin() as conn:
            result = conn.execute(text(statement), params or {})
            return result.all() if result.returns_rows else []


@pytest.fixture
def site(client: TestClient, engine: Engine, tmp_path) -> Site:
    from app.auth.accounts import create_account, create_token
    from app.importers.residences import import_residences

    source = tmp_path / "residences.csv"
    source.write_text(RESIDENCES_CSV, encoding="utf-8")
    found = Site(client, engine)
    with engine.begin() as conn:
        import_residences(conn, source)
        for name, (role, scopes) in ACCOUNTS.items():
            email = Site.email(name)
            create_account(conn, email, role, scopes, password=PASSWORD, display_name=name)
            found.headers[name] = {"Authorization": f"Bearer {create_token(conn, email)}"}
    return found


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set `QUALIPARC_…` variables for one test; the settings are read again before and after."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()
