"""Fixtures of the élu tests: the hand-made corner of the CU d'Arras, a copy of the demo with an
elected official of Achicourt served by its own uvicorn, and a headless Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import Engine, create_engine, text

from app.cluster import LocalCluster, free_port
from app.database import sqlalchemy_url
from app.settings import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import DEMO_DB, DEMO_EPCI, TEMPLATE_DB
from tests.exports.builders import PASSWORD, Corner, build_corner

ACHICOURT = "62004"
"""A demo commune of the CU d'Arras with one demo QPV, small enough to check each residence."""
ELU_EMAIL = "elu.achicourt@test.example"
T = TypeVar("T")


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


def _copy_demo(cluster: LocalCluster, name: str) -> None:
    """Clone the demo database; when it is in use (the session's live server), load it anew."""
    try:
        cluster.create_database(name, template=DEMO_DB)
    except psycopg.errors.ObjectInUse:
        from app.demo import load_demo

        cluster.create_database(name, template=TEMPLATE_DB)
        engine = create_engine(sqlalchemy_url(cluster.url(name)))
        with engine.begin() as conn:
            load_demo(conn, DEMO_EPCI)
        engine.dispose()


@pytest.fixture(scope="session")
def elu_site(cluster: LocalCluster, demo_url: str) -> Iterator[EluSite]:
    from app.auth.accounts import create_account

    name = f"qualiparc_elu_{os.getpid()}"
    _copy_demo(cluster, name)
    url = cluster.url(name)
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
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=dict(os.environ, QUALIPARC_DATABASE_URL=url),
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
    yield EluSite(base, ELU_EMAIL, PASSWORD, ACHICOURT, codes, qpv)
    process.terminate()
    process.wait(timeout=20)
    cluster.drop_database(name)


class ChromiumThread:
    """Headless Chromium driven from a thread of its own.

    Playwright's sync API allows one instance per thread, and tests/browser keeps one open in the
    main thread for the whole session: `run(scenario)` calls `scenario(browser)` in this thread
    and returns its result (or raises its exception, assertion failures included).
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright, self._browser = self._executor.submit(self._start).result()

    @staticmethod
    def _start() -> tuple[Playwright, Browser]:
        playwright = sync_playwright().start()
        return playwright, playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def _stop(self) -> None:
        self._browser.close()
        self._playwright.stop()

    def run(self, scenario: Callable[[Browser], T]) -> T:
        return self._executor.submit(scenario, self._browser).result()

    def close(self) -> None:
        self._executor.submit(self._stop).result()
        self._executor.shutdown()


@pytest.fixture(scope="session")
def chromium() -> Iterator[ChromiumThread]:
    thread = ChromiumThread()
    yield thread
    thread.close()
