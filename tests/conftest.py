"""Shared fixtures: a throwaway PostGIS cluster, migrated databases, the app, a live server."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine

from app.cluster import LocalCluster, free_port
from app.database import get_engine, sqlalchemy_url
from app.settings import PROJECT_ROOT, get_settings

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
    port = free_port()
    env = dict(os.environ, QUALIPARC_DATABASE_URL=demo_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"Le serveur de test n'a pas démarré : {process.stderr.read()}")
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=20)
