"""Fixtures of the import tests: a migrated database without any territory."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from app.core.cluster import LocalCluster
from app.core.database import get_engine
from app.core.settings import get_settings

EMPTY_TEMPLATE = "qualiparc_empty_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
def empty_template(cluster: LocalCluster) -> str:
    """Migrated, nothing loaded: what `qualiparc migrate` leaves in a new database."""
    from app.core.migrate import upgrade

    cluster.create_database(EMPTY_TEMPLATE)
    upgrade(cluster.url(EMPTY_TEMPLATE))
    get_engine.cache_clear()
    return EMPTY_TEMPLATE


@pytest.fixture
def empty_engine(
    cluster: LocalCluster, empty_template: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A fresh copy of the empty database, the process's database for the test."""
    name = f"qualiparc_empty_{os.getpid()}_{next(_counter)}"
    cluster.create_database(name, template=empty_template)
    monkeypatch.setenv("QUALIPARC_DATABASE_URL", cluster.url(name))
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    yield engine
    engine.dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()
    cluster.drop_database(name)


@pytest.fixture
def reference_dir(tmp_path, monkeypatch):
    """A small reference (tests/territory_files.py), where `import territory` looks for it."""
    from tests.territory_files import write_reference

    directory = write_reference(tmp_path / "decoupage-administratif")
    monkeypatch.setenv("QUALIPARC_REFERENCE_DIR", str(directory))
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()
