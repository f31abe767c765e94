"""The map in tiles mode (forced with `?tuiles=oui`, as it switches by itself above
`QUALIPARC_TILE_MODE_THRESHOLD` residences): cells of residences that add up to the selection,
filters that change them, a cell reached and opened with the keyboard, a popup read from the
API, axe-core clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from tests.browsing import assert_accessible
from tests.pages.test_map import legend_counts, wait_ready

pytestmark = pytest.mark.browser

ARRAS = "62041"


def database_counts(demo_url: str) -> tuple[int, int, str, float, float]:
    """All residences, those of Arras, and one residence of Arras with its place."""
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM residence")).scalar_one()
        arras = conn.execute(
            text("SELECT count(*) FROM residence WHERE commune_insee = :c"), {"c": ARRAS}
        ).scalar_one()
        code, lon, lat = conn.execute(
            text(
                "SELECT code, ST_X(geom), ST_Y(geom) FROM residence WHERE commune_insee = :c"
                " ORDER BY code LIMIT 1"
            ),
            {"c": ARRAS},
        ).one()
    engine.dispose()
    return total, arras, code, lon, lat


def cells_total(page: Page) -> int:
    return page.evaluate(
        "() => window.qualiparc.cells().reduce((sum, cell) => sum + cell.residences, 0)"
    )


def wait_cells(page: Page) -> None:
    page.wait_for_function("() => window.qualiparc.cells().length > 0", timeout=30_000)


def test_tiles_mode_clusters_filters_keyboard_and_popup(
    live_server: str, demo_url: str, page: Page, page_log: dict[str, list[str]]
) -> None:
    total, arras, code, lon, lat = database_counts(demo_url)
    page.goto(f"{live_server}/?tuiles=oui")
    page.evaluate("() => window.qualiparc.ready")
    wait_ready(page)
    assert page.evaluate("() => window.qualiparc.mode()") == "tiles"
    wait_cells(page)
    assert legend_counts(page, "total")[0] == total
    assert cells_total(page) == total  # the map is fitted to every residence
    assert page.locator(".residence-cell").count() == len(page.evaluate("window.qualiparc.cells()"))
    assert "vue regroupée" in page.locator("#summary").text_content()
    assert_accessible(page)

    page.select_option("#filter-commune", ARRAS)
    wait_ready(page)
    assert legend_counts(page, "total")[0] == arras
    # the map fits the commune (zoom 14: one marker per residence); then back to cells
    page.wait_for_function("() => window.qualiparc.residenceCount() > 0", timeout=30_000)
    page.evaluate(
        "([lat, lon]) => { window.qualiparc.map().setView([lat, lon], 10, {animate: false}); }",
        [lat, lon],
    )
    page.wait_for_function(
        "(n) => window.qualiparc.cells().reduce((s, c) => s + c.residences, 0) === n",
        arg=arras,
        timeout=30_000,
    )
    assert legend_counts(page, "total")[0] == arras
    assert "tuiles=oui" in page.url and f"commune={ARRAS}" in page.url

    zoom = page.evaluate("() => window.qualiparc.map().getZoom()")
    cell = page.locator(".residence-cell").first
    cell.focus()
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "button"
    label = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert "résidence" in label and "zoomer" in label
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(z) => window.qualiparc.map().getZoom() > z && !window.qualiparc.map()._animatingZoom",
        arg=zoom,
    )
    wait_cells(page)
    # a click on a cell zooms on it too
    zoom = page.evaluate("() => window.qualiparc.map().getZoom()")
    page.locator(".residence-cell").first.dispatch_event("click")
    page.wait_for_function(
        "(z) => window.qualiparc.map().getZoom() > z && !window.qualiparc.map()._animatingZoom",
        arg=zoom,
    )

    page.evaluate(
        "([lat, lon]) => { window.qualiparc.map().setView([lat, lon], 16, {animate: false}); }",
        [lat, lon],
    )
    page.wait_for_function("() => window.qualiparc.residenceCount() > 0", timeout=30_000)
    assert page.evaluate("() => window.qualiparc.cells().length") == 0
    popup = page.evaluate("(code) => window.qualiparc.openPopupAsync(code)", code)
    assert popup and code in popup
    assert page.locator(".residence-popup__name").is_visible()
    assert_accessible(page)
    assert page_log["console_errors"] == []
    assert page_log["external_requests"] == []


def test_a_small_selection_stays_one_layer(live_server: str, page: Page) -> None:
    """The demo holds fewer residences than the threshold: one GeoJSON layer, as before."""
    page.goto(f"{live_server}/")
    page.evaluate("() => window.qualiparc.ready")
    assert page.evaluate("() => window.qualiparc.mode()") == "geojson"
    assert page.evaluate("() => window.qualiparc.residenceCount()") > 0
