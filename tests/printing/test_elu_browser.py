"""The élu view in Chromium, as the elected official of one demo commune: only their territory."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser

from geo.grades import HIDDEN_LABEL
from tests.browsing import is_local

pytestmark = pytest.mark.browser

FIGURE = """(label) => [...document.querySelectorAll('.elu-figures__line')]
    .find((line) => line.querySelector('dt').textContent.trim() === label)
    ?.querySelector('dd').textContent.trim()"""
"""The value shown next to a label of the key figures."""

LEGEND = """() => Object.fromEntries([...document.querySelectorAll('.legend tbody tr')]
    .map((row) => [row.dataset.grade, row.querySelector('td').textContent.trim()]))"""
"""Residences counted per class of the map's legend."""


def visit_elu_view(browser: Browser, site) -> dict:
    """Sign in as the elected official, open /elu and read what it shows."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    page = context.new_page()
    external: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        signed_in = context.request.post(
            f"{site.base}/api/auth/login", data={"email": site.email, "password": site.password}
        )
        assert signed_in.ok, signed_in.text()
        page.goto(f"{site.base}/elu")
        page.evaluate("() => window.qualiparcElu.ready")
        return {
            "state": page.evaluate("() => window.qualiparcElu.state()"),
            "codes": page.evaluate("() => window.qualiparcElu.residenceCodes()"),
            "qpv": page.evaluate("() => window.qualiparcElu.qpvCount()"),
            "fragile": page.evaluate("() => window.qualiparcElu.fragileCount()"),
            "territory": page.locator(".elu-panel__territory").inner_text(),
            "residences": page.evaluate(FIGURE, "Résidences"),
            "hidden_figure": page.evaluate(FIGURE, HIDDEN_LABEL),
            "legend": page.evaluate(LEGEND),
            "png": page.locator("#export-png").get_attribute("href"),
            "pdf": page.request.get(f"{site.base}/elu/print.pdf").body()[:5],
            "other_territory": context.request.get(f"{site.base}/elu?territoire=62041").status,
            "export": context.request.get(f"{site.base}/api/exports/residences.geojson").json(),
            "external": external,
            "errors": errors,
        }
    finally:
        context.close()


def test_elected_official_sees_only_their_commune(elu_site, browser):
    shown = visit_elu_view(browser, elu_site)
    assert shown["state"] == "ready"
    assert shown["external"] == [] and shown["errors"] == []
    assert len(shown["codes"]) == len(elu_site.codes) > 10
    assert set(shown["codes"]) == elu_site.codes
    assert shown["qpv"] == len(elu_site.qpv) == 1
    assert shown["fragile"] > 0
    assert shown["territory"] == "Achicourt"
    assert shown["residences"] == str(len(elu_site.codes))
    # Their whole commune is in their scope: no grade is hidden from them.
    assert list(shown["legend"]) == ["1", "2", "3", "4", "hidden", "none"]
    assert shown["legend"]["hidden"] == "0"
    assert shown["hidden_figure"] == "0 résidence · 0 logement"
    assert sum(int(count) for count in shown["legend"].values()) == len(elu_site.codes)
    query = parse_qs(urlsplit(shown["png"]).query)
    assert query["commune"] == [elu_site.commune]
    assert len(query["bbox"][0].split(",")) == 4
    assert shown["pdf"] == b"%PDF-"
    assert shown["other_territory"] == 403
    exported = {f["properties"]["commune_insee"] for f in shown["export"]["features"]}
    assert exported == {elu_site.commune}
