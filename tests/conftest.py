"""Shared fixtures: a throwaway PostGIS cluster, migrated databases, the app, a live server."""

from __future__ import annotations

import itertools
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from app.core.cluster import LocalCluster
from app.core.database import get_engine, sqlalchemy_url
from app.core.settings import PROJECT_ROOT, get_settings
from tests.servers import running_app

pytest_plugins = ["tests.browsing"]

TEMPLATE_DB = "qualiparc_template"
DEMO_DB = "qualiparc_demo"
DEMO_TEMPLATE_DB = "qualiparc_demo_template"
DEMO_EPCI = ("200033579",)
"""The CU d'Arras: a real EPCI small enough for a quick demo in tests."""

_counter = itertools.count()

os.environ["QUALIPARC_SECRET_KEY"] = "test-" + secrets.token_urlsafe(32)
"""The app refuses to start without a key; the servers the tests start inherit this one."""


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
    from app.core.migrate import upgrade
    from app.importers.territory import load_reference_territory

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
def demo_template(cluster: LocalCluster, template_url: str) -> str:
    """The demo of one EPCI loaded once, never connected to again: cloned by `demo_copy`."""
    from app.demo.loader import load_demo

    cluster.create_database(DEMO_TEMPLATE_DB, template=TEMPLATE_DB)
    engine = create_engine(sqlalchemy_url(cluster.url(DEMO_TEMPLATE_DB)))
    with engine.begin() as conn:
        load_demo(conn, DEMO_EPCI)
    engine.dispose()
    return DEMO_TEMPLATE_DB


@pytest.fixture(scope="session")
def demo_copy(cluster: LocalCluster, demo_template: str) -> Iterator[Callable[[str], str]]:
    """A factory of private copies of the demo, which a test may modify; dropped at the end."""
    created: list[str] = []

    def copy(name: str) -> str:
        cluster.create_database(name, template=demo_template)
        created.append(name)
        return cluster.url(name)

    yield copy
    for name in created:
        cluster.drop_database(name)


@pytest.fixture(scope="session")
def demo_url(demo_copy: Callable[[str], str]) -> str:
    """The demo shared by the session's read-only tests (accounts may be added)."""
    return demo_copy(DEMO_DB)


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
