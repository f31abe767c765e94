"""Fixtures of the élu tests: the hand-made corner of the CU d'Arras, and a copy of the demo with an
elected official of Achicourt served by its own uvicorn."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine, text

from app.core.database import sqlalchemy_url
from tests.exports.builders import PASSWORD, Corner, build_corner
from tests.servers import running_app

ACHICOURT = "62004"
"""A demo commune of the CU d'Arras with one demo QPV, small enough to check each residence."""
ELU_EMAIL = "elu.achicourt@test.example"


@pytest.fixture
def corner(client, engine: Engine, tmp_path) -> Corner:
    return build_corner(engine, tmp_path)


@dataclass
class EluSite:
    """A server on a copy of the demo, and the elected official of Achicourt who signs in."""

    base: str
    email: str
    password: str
    commune: str
    codes: set[str]
    """The residences of Achicourt."""
    qpv: set[str]
    """The QPV of Achicourt."""


@pytest.fixture(scope="session")
def elu_site(demo_copy: Callable[[str], str]) -> Iterator[EluSite]:
    from app.auth.accounts import create_account

    url = demo_copy(f"qualiparc_elu_{os.getpid()}")
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        create_account(conn, ELU_EMAIL, "elu", [ACHICOURT], password=PASSWORD)
        codes = set(
            conn.execute(
                text("SELECT code FROM residence WHERE commune_insee = :c"), {"c": ACHICOURT}
            ).scalars()
        )
        qpv = set(
            conn.execute(
                text("SELECT code FROM qpv WHERE :c = ANY(communes)"), {"c": ACHICOURT}
            ).scalars()
        )
    engine.dispose()
    with running_app(url, workers=1) as base:
        yield EluSite(base, ELU_EMAIL, PASSWORD, ACHICOURT, codes, qpv)
