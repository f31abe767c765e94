"""The map popup names the residence's IRIS and address (issue #9: IRIS placement could not be
seen), as does the offline HTML map."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
from sqlalchemy import Engine

from tests.exports.builders import Corner, build_corner
from tests.exports.test_residences_export import place_ar1_in_an_iris
from tests.servers import running_app

pytestmark = pytest.mark.browser


@pytest.fixture
def placed(engine: Engine, db_url: str, tmp_path) -> Iterator[tuple[str, Corner]]:
    corner = build_corner(engine, tmp_path)
    place_ar1_in_an_iris(corner)
    with running_app(db_url, workers=1) as base:
        yield base, corner


def test_popup_and_offline_map_show_iris_and_address(placed, page: Page, page_log) -> None:
    base, _ = placed
    page.goto(f"{base}/")
    page.wait_for_function("() => window.qualiparc?.state() === 'ready'", timeout=30_000)
    popup = page.evaluate("(code) => window.qualiparc.openPopup(code)", "AR1")
    assert "IRIS" in popup and "Centre-Ville (620410101)" in popup
    assert "Adresse" in popup and "2 rue de la Paix" in popup
    other = page.evaluate("(code) => window.qualiparc.openPopup(code)", "AR2")
    assert "IRIS" not in other and "Adresse" not in other
    assert page_log["console_errors"] == []

    offline = page.request.get(f"{base}/api/exports/map.html?commune=62041")
    assert offline.status == 200
    assert "IRIS Centre-Ville (620410101)" in offline.text()
