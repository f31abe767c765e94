"""The /quartiers page in Chromium on the demo of the CU d'Arras, as a signed-in partner."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def wait_ready(page: Page) -> None:
    page.wait_for_function(
        "() => ['ready', 'error'].includes(window.qualiparcQuartiers?.state())", timeout=30_000
    )
    assert page.evaluate("() => window.qualiparcQuartiers.state()") == "ready"


def test_choropleth_peuplements_and_targets(live_server, page, page_log, elu_credentials):
    # the demo publishes commune aggregates, not finer ones
    anonymous = page.context.request.get(f"{live_server}/api/quartiers?level=qpv").json()
    assert anonymous["features"] == []
    login = page.context.request.post(f"{live_server}/api/auth/login", data=elu_credentials)
    assert login.ok
    page.goto(f"{live_server}/quartiers?level=commune")
    wait_ready(page)
    quartiers = page.evaluate("() => window.qualiparcQuartiers.quartiers()")
    assert len(quartiers) > 30 and {q["level"] for q in quartiers} == {"commune"}
    assert page.locator(".legend").inner_text().startswith("Besoin de rééquilibrage")
    page.wait_for_function("() => window.qualiparcQuartiers.targets().length > 0")
    targets = page.evaluate("() => window.qualiparcQuartiers.targets()")
    assert page.locator("#targets-table tbody tr").count() == len(targets)
    under = sum(row["under_target_outside"] for row in targets)
    assert page.locator("#targets-table td.under").count() >= under

    page.check("#peuplement-toggle")
    page.wait_for_function("() => window.qualiparcQuartiers.peuplementCount() > 0")
    every_type = page.evaluate("() => window.qualiparcQuartiers.peuplementCount()")
    page.uncheck("input[name='peuplement'][value='reequilibrage']")
    fewer = page.evaluate("() => window.qualiparcQuartiers.peuplementCount()")
    assert 0 < fewer < every_type

    page.select_option("#level", "qpv")
    page.wait_for_function(
        "() => window.qualiparcQuartiers.quartiers().every((q) => q.level === 'qpv')"
    )
    wait_ready(page)
    assert page.evaluate("() => window.qualiparcQuartiers.quartiers().length") > 0
    assert "level=qpv" in page.url
    assert page_log["console_errors"] == []
    assert page_log["external_requests"] == []
