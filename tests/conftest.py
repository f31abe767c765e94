"""Shared fixtures: a throwaway PostGIS cluster, migrated databases, the app, a live server."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from app.cluster import LocalCluster
from app.database import get_engine, sqlalchemy_url
from app.settings import PROJECT_ROOT, get_settings
from tests.servers import running_app

TEMPLATE_DB = "qualiparc_template"
DEMO_DB = "qualiparc_demo"
DEMO_EPCI = ("200033579",)
"""The CU d'Arras: a real EPCI small enough for a quick demo in tests."""

_counter = itertools.count()


def _use_database(url: str) -> None:
    os.environ["QUALIPARC_DATABASE_URL"] = url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    """A PostgreSQL + PostGIS cluster that lives as long as the test session."""
    directory = Path(tempfile.mkdtemp(prefix="qualiparc-tests-"))
    os.chmod(directory, 0o755)
    local = LocalCluster(directory / "pg", fast=True)
    local.ensure("postgres")
    yield local
    local.destroy()


@pytest.fixture(scope="session")
def template_url(cluster: LocalCluster) -> str:
    """A migrated database holding the reference territory, cloned by every test database."""
    from app.importers.territory import load_reference_territory
    from app.migrate import upgrade

    cluster.create_database(TEMPLATE_DB)
    url = cluster.url(TEMPLATE_DB)
    upgrade(url)
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        load_reference_territory(conn, PROJECT_ROOT / "data" / "territory")
    engine.dispose()
    get_engine.cache_clear()
    return url


@pytest.fixture
def db_url(cluster: LocalCluster, template_url: str) -> Iterator[str]:
    """A fresh database (territory loaded, no residences) for one test, dropped afterwards."""
    name = f"qualiparc_test_{os.getpid()}_{next(_counter)}"
    cluster.create_database(name, template=TEMPLATE_DB)
    url = cluster.url(name)
    _use_database(url)
    yield url
    get_engine.cache_clear()
    cluster.drop_database(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = get_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def client(db_url: str):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def demo_url(cluster: LocalCluster, template_url: str) -> str:
    """A database with the demo of one EPCI loaded; tests must not modify it."""
    from app.demo import load_demo

    cluster.create_database(DEMO_DB, template=TEMPLATE_DB)
    url = cluster.url(DEMO_DB)
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        load_demo(conn, DEMO_EPCI)
    engine.dispose()
    return url


@pytest.fixture
def demo_client(demo_url: str):
    from fastapi.testclient import TestClient

    from app.main import create_app

    _use_database(demo_url)
    with TestClient(create_app()) as test_client:
        yield test_client
    get_engine.cache_clear()


@pytest.fixture(scope="session")
def live_server(demo_url: str) -> Iterator[str]:
    """The app served by uvicorn (two workers) on the demo database; yields its base URL."""
    with running_app(demo_url, workers=2) as base:
        yield base
