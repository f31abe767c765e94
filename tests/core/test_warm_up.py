"""A worker warms itself up as it starts (app/main.py): the map page's first requests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from app.core.database import get_engine
from app.core.settings import get_settings
from app.main import create_app, warm_up

BASE = "http://carte.test/"


@pytest.fixture
def demo_settings(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(os.environ, "QUALIPARC_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.mark.parametrize("warm_url", [BASE, None])
def test_a_worker_asks_itself_the_map_pages_first_requests(
    demo_settings: None, monkeypatch: pytest.MonkeyPatch, warm_url: str | None
) -> None:
    """With the URL it is called by, the worker's cache holds the answers of the page's first
    requests under that URL before anyone asks; without it, nothing is asked."""
    if warm_url:
        monkeypatch.setenv("QUALIPARC_WARM_URL", warm_url)
    else:
        monkeypatch.delenv("QUALIPARC_WARM_URL", raising=False)
    get_settings.cache_clear()
    app = create_app()
    asyncio.run(warm_up(app))
    cache = getattr(app.state, "response_cache", None)
    held = {
        path: cache is not None and cache.holds((BASE, path, ()))
        for path in ("/api/outlines", "/api/qpv")
    }
    assert held == dict.fromkeys(held, warm_url is not None)
