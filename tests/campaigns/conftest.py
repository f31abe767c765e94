"""Fixtures of the campaign tests: the hand-made territory of `builders.py` in a fresh database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.campaigns.builders import ACCOUNTS, RESIDENCES_CSV, Territory


@pytest.fixture
def territory(client, engine: Engine, tmp_path) -> Territory:
    from app.auth.accounts import create_account, create_token
    from app.importers.residences import import_residences

    source = tmp_path / "residences.csv"
    source.write_text(RESIDENCES_CSV, encoding="utf-8")
    headers = {}
    with engine.begin() as conn:
        import_residences(conn, source)
        for name, (role, scopes) in ACCOUNTS.items():
            email = f"{name}@test.example"
            create_account(conn, email, role, scopes, display_name=name)
            headers[name] = {"Authorization": f"Bearer {create_token(conn, email)}"}
    return Territory(client, engine, headers)
