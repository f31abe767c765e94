"""Names written by an attacker stay text in the pages: the map's popups, the campaign
dashboard's tooltips (Leaflet reads a string given to them as HTML), the meeting's agenda."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
from sqlalchemy import Engine, text

from tests.exports.builders import ARRAS, PASSWORD, Corner, build_corner
from tests.servers import running_app

pytestmark = pytest.mark.browser

HOSTILE_IMG = '<img src=x onerror="window.__pwned = 1">'
HOSTILE_SCRIPT = "<script>window.__pwned = 2</script>"


@pytest.fixture
def hostile(engine: Engine, db_url: str, tmp_path) -> Iterator[tuple[str, Corner]]:
    """The corner of the CU d'Arras with hostile residence and commune names, served."""
    corner = build_corner(engine, tmp_path)
    with engine.begin() as conn:
        for code, name in (("AR2", HOSTILE_IMG), ("AR3", HOSTILE_SCRIPT)):
            conn.execute(
                text("UPDATE residence SET name = :n WHERE code = :c"), {"n": name, "c": code}
            )
        conn.execute(
            text("UPDATE commune SET name = :n WHERE insee = :c"), {"n": HOSTILE_IMG, "c": ARRAS}
        )
    with running_app(db_url, workers=1) as base:
        yield base, corner


def sign_in(page: Page, base: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.wait_for_url("**/connexion?next=**")
    page.fill("#email", "admin@test.example")
    page.fill("#password", PASSWORD)
    page.click("#signin button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def test_hostile_names_show_as_text_and_run_nothing(hostile, page: Page, page_log) -> None:
    base, corner = hostile
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, base, f"/campagnes/{corner.campaign_id}")
    page.wait_for_function("window.qualiparcCampaign !== undefined")
    page.evaluate("window.qualiparcCampaign.ready")
    tooltips = page.evaluate("window.qualiparcCampaign.tooltips()")
    assert len(tooltips) == 4
    assert any(HOSTILE_IMG in tip and f"({HOSTILE_IMG})" in tip for tip in tooltips), tooltips
    assert any(HOSTILE_SCRIPT in tip for tip in tooltips), tooltips
    assert page.evaluate("window.__pwned ?? null") is None

    page.goto(f"{base}/")
    page.evaluate("() => window.qualiparc.ready")
    page.wait_for_function("() => window.qualiparc.state() === 'ready'", timeout=30_000)
    for code, name in (("AR2", HOSTILE_IMG), ("AR3", HOSTILE_SCRIPT)):
        popup = page.evaluate("(code) => window.qualiparc.openPopup(code)", code)
        assert name in popup
    assert page.evaluate("window.__pwned ?? null") is None

    page.goto(f"{base}/reunion/{corner.campaign_id}/ordre-du-jour")
    assert HOSTILE_IMG in page.locator("main").inner_text()
    assert page.evaluate("window.__pwned ?? null") is None
    assert dialogs == []
    assert [error for error in page_log["console_errors"] if "__pwned" in error] == []
