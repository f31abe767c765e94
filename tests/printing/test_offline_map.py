"""The Folium export opens in Chromium with no network at all and shows the residences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route

from geo.grades import COLOURS, HIDDEN_COLOUR, HIDDEN_LABEL, HIDDEN_OUTLINE, UNGRADED_COLOUR
from tests.exports.builders import ARRAS

pytestmark = pytest.mark.browser


def open_offline(browser: Browser, path: Path) -> dict:
    """Open `path` offline, refusing and recording every non-file request; what it shows."""
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 800})
    attempted: list[str] = []
    errors: list[str] = []

    def refuse(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    context.route("**/*", refuse)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("path.qualiparc-residence", state="attached", timeout=10_000)
        markers = page.locator("path.qualiparc-residence")
        return {
            "markers": markers.count(),
            "fills": [markers.nth(i).get_attribute("fill") for i in range(markers.count())],
            "strokes": [markers.nth(i).get_attribute("stroke") for i in range(markers.count())],
            "legend": {
                item.get_attribute("data-class"): item.inner_text().strip()
                for item in page.locator(".qp-legend li[data-class]").all()
            },
            "maps": page.locator(".leaflet-container").count(),
            "title": page.locator(".qp-title").inner_text(),
            "attempted": attempted,
            "errors": errors,
        }
    finally:
        context.close()


def test_folium_export_opens_offline_and_shows_the_residences(client, corner, browser, tmp_path):
    response = client.get("/api/exports/map.html", headers=corner.headers["admin"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert re.search(
        r'attachment; filename="carte-qualiparc-[\d-]+\.html"',
        response.headers["content-disposition"],
    )
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", response.text)
    path = tmp_path / "carte.html"
    path.write_bytes(response.content)

    shown = open_offline(browser, path)
    assert shown["attempted"] == []
    assert shown["errors"] == []
    assert shown["maps"] == 1
    assert shown["markers"] == 4
    assert shown["fills"].count(COLOURS[1]) == 1
    assert "4 résidences" in shown["title"]


def test_folium_export_follows_the_filters(client, corner, browser, tmp_path):
    response = client.get(
        "/api/exports/map.html",
        params={"commune": ARRAS, "grade": "1"},
        headers=corner.headers["admin"],
    )
    path = tmp_path / "carte.html"
    path.write_bytes(response.content)
    shown = open_offline(browser, path)
    assert shown["attempted"] == []
    assert (shown["markers"], shown["fills"]) == (1, [COLOURS[1]])


def test_folium_export_draws_hidden_grades_hollow(client, corner, browser, tmp_path):
    """Anonymous: the three agreed grades exist but are not shown, hence hollow and listed under
    « Note non visible »; the residence without an agreed grade stays « Non qualifiée »."""
    response = client.get("/api/exports/map.html")
    assert response.status_code == 200
    path = tmp_path / "carte.html"
    path.write_bytes(response.content)
    shown = open_offline(browser, path)
    assert shown["attempted"] == [] and shown["errors"] == []
    assert sorted(zip(shown["fills"], shown["strokes"], strict=True)) == sorted(
        [(HIDDEN_COLOUR, HIDDEN_OUTLINE)] * 3 + [(UNGRADED_COLOUR, "#ffffff")]
    )
    assert shown["legend"]["hidden"] == HIDDEN_LABEL
    assert list(shown["legend"]) == ["1", "2", "3", "4", "hidden", "none"]
    assert len(re.findall(r'"note":\s*"Note non visible"', response.text)) == 3


HOSTILE_IMG = '<img src=x onerror="window.__pwned = 1">'
HOSTILE_SCRIPT = "<script>window.__pwned = 2</script>"


def test_folium_export_shows_hostile_names_as_text(client, corner, browser, tmp_path):
    """Folium's popups and tooltips write with innerHTML: a name holding markup must show as
    that text, and run nothing."""
    from sqlalchemy import text

    with corner.engine.begin() as conn:
        conn.execute(text("UPDATE residence SET name = :n WHERE code = 'AR2'"), {"n": HOSTILE_IMG})
        conn.execute(
            text("UPDATE residence SET name = :n WHERE code = 'AR3'"), {"n": HOSTILE_SCRIPT}
        )
        conn.execute(
            text("UPDATE commune SET name = :n WHERE insee = :c"), {"n": HOSTILE_IMG, "c": ARRAS}
        )
    response = client.get("/api/exports/map.html", headers=corner.headers["admin"])
    assert response.status_code == 200
    assert HOSTILE_IMG not in response.text and HOSTILE_SCRIPT not in response.text
    path = tmp_path / "carte.html"
    path.write_bytes(response.content)

    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 800})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("path.qualiparc-residence", state="attached", timeout=10_000)
        shown = []
        markers = page.locator("path.qualiparc-residence")
        for index in range(markers.count()):
            markers.nth(index).click(force=True)
            page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
            shown.append(page.locator(".leaflet-popup-content").inner_text())
        tooltips = []
        communes = page.locator("path.leaflet-interactive:not(.qualiparc-residence)")
        for index in range(communes.count()):
            communes.nth(index).hover(force=True)
            tooltips += page.locator(".leaflet-tooltip").all_inner_texts()
        pwned = page.evaluate("window.__pwned ?? null")
    finally:
        context.close()
    assert pwned is None and dialogs == []
    assert any(HOSTILE_IMG in popup for popup in shown), shown
    assert any(HOSTILE_SCRIPT in popup for popup in shown), shown
    assert any(HOSTILE_IMG in tip for tip in tooltips), tooltips
