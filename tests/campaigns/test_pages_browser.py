"""The campaign pages in Chromium: sign in, grade a residence on the map, see the dashboard, and
get the report of a refused grade sheet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.campaigns.builders import Territory
from tests.servers import running_app

pytestmark = pytest.mark.browser


@pytest.fixture
def server(territory: Territory, db_url: str) -> Iterator[str]:
    """The app on the hand-made territory (one worker); its base URL."""
    with running_app(db_url, workers=1) as base:
        yield base


def sign_in(page, base: str, email: str, password: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.wait_for_url("**/connexion?next=**")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#signin button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def test_a_commune_grades_on_the_map_and_sees_its_dashboard(
    territory: Territory,
    server: str,
    page,
    page_log,
    tmp_path,
):
    from app.auth.accounts import set_password

    campaign = territory.new_campaign("grading")
    with territory.engine.begin() as conn:
        set_password(conn, "lille@test.example", "secret lillois")
    sign_in(page, server, "lille@test.example", "secret lillois", f"/campagnes/{campaign}/notation")

    page.wait_for_function("window.qualiparcGrading !== undefined")
    page.evaluate("window.qualiparcGrading.ready")
    codes = page.evaluate("window.qualiparcGrading.residences().map(r => r.code)")
    assert sorted(codes) == ["L1", "L2", "L3"]
    page.evaluate("window.qualiparcGrading.select('L2')")
    form = page.locator("#grade-form-commune")
    form.locator("input[value='2']").check(force=True)
    form.locator("textarea").fill("hall dégradé")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#grade-form-commune .message--ok")
    assert page.locator("#grade-form-bailleur").count() == 0  # only its own side
    with territory.engine.connect() as conn:
        saved = conn.execute(
            text(
                "SELECT value, comment FROM grade g JOIN residence r ON r.id = g.residence_id"
                " WHERE r.code = 'L2' AND g.side = 'commune'"
            )
        ).one()
    assert tuple(saved) == (2, "hall dégradé")

    page.goto(f"{server}/campagnes/{campaign}")
    page.wait_for_function("window.qualiparcCampaign !== undefined")
    page.evaluate("window.qualiparcCampaign.ready")
    stats = page.evaluate("window.qualiparcCampaign.stats()")
    assert (stats["residences_total"], stats["graded_commune"]) == (3, 1)
    assert page.locator("#figures .figure").count() == 6
    assert page.locator("#charts svg").count() == 2  # coverage only while grading is blind
    assert page.locator("#phases [aria-current=step]").inner_text().endswith("Notation")
    assert page.locator("#next-phase").count() == 0  # not an administrator

    assert page_log["console_errors"] == []

    page.goto(f"{server}/campagnes/{campaign}/import")
    sheet = tmp_path / "notes.csv"
    sheet.write_text("code;note\nL1;3\nR1;2\nL3;bof\nL2;NC\n", encoding="utf-8")
    page.set_input_files("#file", str(sheet))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#report table")
    rows = page.locator("#report tbody tr").all_inner_texts()
    assert len(rows) == 2 and "hors de vos communes" in rows[0] and "bof" in rows[1]
    assert page.locator("#message").inner_text().startswith("Import refusé")

    page.check("#partial")  # the valid row is written, the two others reported
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#result:not([hidden])")
    assert "2 lignes rejetées" in page.locator("#result").inner_text()
    assert len(page.locator("#report tbody tr").all_inner_texts()) == 2
    assert page_log["external_requests"] == []
