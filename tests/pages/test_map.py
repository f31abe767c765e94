"""The map page in a real browser: markers, QPV, popups, filters kept in the URL, offline."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from app.access.gate import DEFAULT_CAMPAIGNS_SQL
from app.core.database import sqlalchemy_url
from app.pages.map import BUNDLE, DATA_PRELOADS
from geo.grades import HIDDEN_COLOUR, HIDDEN_LABEL, HIDDEN_OUTLINE, UNGRADED_LABEL
from tests.browsing import territory_colours

pytestmark = pytest.mark.browser

CLICK_MARKER = """(code) => {
    const map = window.qualiparc.map();
    let latlng = null;
    map.eachLayer((layer) => {
        if (layer.feature?.properties?.code === code && layer.getLatLng) latlng = layer.getLatLng();
    });
    map.setView(latlng, 17, { animate: false });
    const point = map.latLngToContainerPoint(latlng);
    const rect = map.getContainer().getBoundingClientRect();
    return { x: rect.left + point.x, y: rect.top + point.y };
}"""


def open_map(page: Page, url: str) -> list[dict]:
    """Load the map and return the properties of the residences it shows."""
    page.goto(url)
    page.evaluate("() => window.qualiparc.ready")
    return shown(page)


def wait_ready(page: Page) -> None:
    page.wait_for_function("() => window.qualiparc.state() === 'ready'", timeout=30_000)


def shown(page: Page) -> list[dict]:
    return page.evaluate("() => window.qualiparc.residences()")


def plain(text: str) -> str:
    """Text with French non-breaking spaces made plain."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


def number(text: str) -> int:
    """ "1 234" (French grouping, any space) → 1234."""
    return int(re.sub(r"\D", "", text))


def legend_counts(page: Page, row: str) -> tuple[int, int]:
    """Residences and dwellings of a legend row: a grade key ("1", "none") or "total"."""
    selector = ".legend tfoot td" if row == "total" else f".legend tr[data-grade='{row}'] td"
    cells = page.locator(selector)
    return number(cells.nth(0).inner_text()), number(cells.nth(1).inner_text())


MARKER_STYLE = """(code) => {
    let style = null;
    window.qualiparc.map().eachLayer((layer) => {
        if (layer.feature?.properties?.code === code && layer.getLatLng) {
            const { color, fillColor, weight } = layer.options;
            style = { color, fillColor, weight };
        }
    });
    return style;
}"""
"""Stroke and fill of the marker of a residence."""

LEGEND_SWATCH = """(key) => {
    const row = document.querySelector(`.legend tr[data-grade='${key}']`);
    const style = getComputedStyle(row.querySelector('.swatch'));
    return { label: row.querySelector('th').textContent.trim(),
             background: style.backgroundColor, border: style.borderTopColor,
             borderWidth: style.borderTopWidth };
}"""
"""Label and swatch colours of a legend row."""


def rgb(hex_colour: str) -> str:
    """ "#4d4d4d" → "rgb(77, 77, 77)", as the browser computes it."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.fixture(scope="module")
def agreed_codes(demo_url: str) -> set[str]:
    """The residences of the demo that have an agreed grade in the campaign the map shows."""
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.connect() as conn:
        codes = conn.execute(
            text(
                f"""SELECT r.code FROM residence r
                    JOIN ({DEFAULT_CAMPAIGNS_SQL}) camp ON camp.epci_siren = r.epci_siren
                    JOIN campaign_residence cr
                      ON cr.campaign_id = camp.id AND cr.residence_id = r.id
                    WHERE cr.agreed_grade IS NOT NULL"""
            )
        ).scalars()
        result = set(codes)
    engine.dispose()
    return result


def assert_offline_and_clean(page_log: dict[str, list[str]]) -> None:
    assert page_log["external_requests"] == []
    assert page_log["console_errors"] == []


def test_anonymous_map_shows_residences_qpv_popups_and_filters(
    live_server: str, page: Page, page_log: dict[str, list[str]]
) -> None:
    residences = open_map(page, f"{live_server}/")
    assert len(residences) > 10
    assert page.evaluate("() => window.qualiparc.qpvCount()") > 0
    dwellings = sum(r["nb_logements"] for r in residences)
    assert legend_counts(page, "total") == (len(residences), dwellings)
    summary = page.locator("#summary").inner_text()
    assert number(summary.split("·")[0]) == len(residences)
    assert number(summary.split("·")[1]) == dwellings
    expect(page.locator("#demo-banner")).to_contain_text(
        "Données de démonstration : résidences, bailleurs, notes et QPV fictifs"
    )
    expect(page.get_by_label("QPV de démonstration (fictifs)")).to_be_checked()

    target = max(residences, key=lambda r: r["nb_logements"])
    point = page.evaluate(CLICK_MARKER, target["code"])
    page.mouse.click(point["x"], point["y"])
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(target["name"])
    expect(popup).to_contain_text(f"{target['nb_logements']} logements")
    expect(popup).to_contain_text(target["commune_name"])
    expect(popup).to_contain_text("données de démonstration")
    expect(page.locator("#grades-note")).to_be_visible()
    expect(page.locator("#account")).to_contain_text("Se connecter")

    inside = next(r for r in residences if r["qpv_code"])
    text = page.evaluate("(code) => window.qualiparc.openPopup(code)", inside["code"])
    assert f"Dans le QPV {inside['qpv_name']} ({inside['qpv_code']})" in text
    near = [r for r in residences if r["near_qpv_300m"]]
    far = [r for r in residences if not r["qpv_code"] and not r["near_qpv_300m"]]
    for residence, in_band in ((near[0], True), (far[0], False)):
        text = page.evaluate("(code) => window.qualiparc.openPopup(code)", residence["code"])
        distance = f"{round(residence['distance_qpv_m']):,}".replace(",", " ")
        assert f"À {distance} m du QPV le plus proche" in plain(text)
        assert ("dans la bande de 300 m autour d'un QPV (TVA réduite" in text) == in_band
        assert "quartier vécu" not in text

    # Residences in a QPV, then one commune of them: the URL keeps both filters.
    page.get_by_label("Dans un QPV").check()
    wait_ready(page)
    in_qpv = shown(page)
    assert len(in_qpv) == sum(1 for r in residences if r["qpv_code"]) < len(residences)
    assert all(r["qpv_code"] for r in in_qpv)
    commune, expected = Counter(r["commune_insee"] for r in in_qpv).most_common(1)[0]
    page.select_option("#filter-commune", commune)
    wait_ready(page)
    assert {(r["commune_insee"], bool(r["qpv_code"])) for r in shown(page)} == {(commune, True)}
    assert len(shown(page)) == expected
    assert f"commune={commune}" in page.url and "in_qpv=true" in page.url

    reloaded = open_map(page, page.url)
    assert len(reloaded) == expected
    expect(page.locator("#filter-commune")).to_have_value(commune)
    # the other communes, left out of the first load, come once the map is ready
    page.wait_for_function("() => document.querySelectorAll('#filter-commune option').length > 2")
    expect(page.locator("#filter-commune")).to_have_value(commune)
    expect(page.get_by_label("Dans un QPV")).to_be_checked()
    assert_offline_and_clean(page_log)


def test_map_page_loads_one_bundle_and_its_first_data_preloaded_once(
    live_server: str, page: Page, page_log: dict[str, list[str]]
) -> None:
    """The page's scripts come as one bundle; its `<link rel=preload>` start the first API
    requests while it loads, and the scripts take their responses: one request per URL, no
    "preloaded but not used" warning."""
    requested: Counter[str] = Counter()
    warnings: list[str] = []
    page.on("request", lambda request: requested.update([request.url.removeprefix(live_server)]))
    page.on("console", lambda message: warnings.append(message.text))
    open_map(page, f"{live_server}/")
    page.wait_for_timeout(3_500)  # Chromium warns of an unused preload 3 s after the load event
    assert {url: requested[url] for url in DATA_PRELOADS} == dict.fromkeys(DATA_PRELOADS, 1)
    scripts = [url for url in requested if url.startswith("/static/") and ".js" in url]
    assert scripts == [BUNDLE] and requested[BUNDLE] == 1
    initiators = page.evaluate(
        """() => Object.fromEntries(performance.getEntriesByType('resource')
            .map((entry) => [new URL(entry.name).pathname, entry.initiatorType]))"""
    )
    assert {url: initiators[url] for url in DATA_PRELOADS} == dict.fromkeys(DATA_PRELOADS, "link")
    assert [text for text in warnings if "preload" in text] == []
    preloaded = page.eval_on_selector_all(
        "link[rel=preload][as=fetch]",
        "(links) => links.map((link) => [link.getAttribute('href'), link.crossOrigin])",
    )
    assert preloaded == [[url, "anonymous"] for url in DATA_PRELOADS]
    assert_offline_and_clean(page_log)


def test_the_land_is_filled_once_under_the_outlines(live_server: str, page: Page) -> None:
    """The land's light fill is drawn once, through the EPCI outlines, under the communes'
    strokes; making it transparent (online tiles) lets what lies under it show."""
    codes = [row["code"] for row in open_map(page, f"{live_server}/")]
    residence = page.request.get(f"{live_server}/api/residences/{codes[len(codes) // 2]}").json()
    places = {"residence": tuple(residence["geometry"]["coordinates"])}
    filled, groups = territory_colours(page, "qualiparc", places)
    bare, _ = territory_colours(page, "qualiparc", places, (0, {"fillOpacity": 0}))  # online tiles
    found = {"filled": filled["residence"], "bare": bare["residence"], "groups": groups}
    assert found == {"filled": "251,250,246,255", "bare": "0,0,0,0", "groups": 3}


def test_filter_lists_are_complete_when_focused_and_integers_grouped_as_intl(
    live_server: str, page: Page, page_log: dict[str, list[str]]
) -> None:
    """The filter lists, filled lazily, are whole as soon as one has the focus; the integers
    grouped by hand read as `Intl.NumberFormat("fr-FR")` writes them."""
    meta = page.request.get(f"{live_server}/api/meta").json()
    open_map(page, f"{live_server}/")
    counts = page.evaluate(
        """() => { document.querySelector('#filter-commune').focus();
        return ['epci', 'commune', 'bailleur'].map(
          (name) => document.querySelector(`#filter-${name}`).options.length); }"""
    )
    assert counts == [len(meta["epci"]) + 1, len(meta["communes"]) + 1, len(meta["bailleurs"]) + 1]
    differ = page.evaluate(
        """async () => {
        const { formatInteger } = await import('/static/js/i18n.js');
        const intl = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
        const values = [0, 1, 9, 10, 999, 1000, 1234.5, -1234, 12345, 123456, 1234567, -2.5,
          2 ** 53 - 1, 1e21, NaN, Infinity, -Infinity];
        for (let i = 0; i < 2000; i += 1) values.push((Math.random() - 0.5) * 10 ** (i % 17));
        return values.filter((v) => Math.round(v) !== 0 || v >= 0)
          .filter((v) => formatInteger(v) !== intl.format(v)); }"""
    )
    assert differ == []
    assert_offline_and_clean(page_log)


def test_anonymous_map_shows_existing_grades_as_hidden_not_as_ungraded(
    live_server: str,
    page: Page,
    page_log: dict[str, list[str]],
    agreed_codes: set[str],
    artifacts: Path,
) -> None:
    """« Non qualifiée » only where no agreed grade exists; a grade that exists but that an
    anonymous visitor may not read is drawn and counted as « Note non visible »."""
    residences = open_map(page, f"{live_server}/")
    assert all(r["grade"] is None for r in residences)
    hidden = [r for r in residences if r["grade_status"] == "hidden"]
    ungraded = [r for r in residences if r["grade_status"] == "none"]
    assert {r["code"] for r in hidden} == {r["code"] for r in residences} & agreed_codes
    assert {r["code"] for r in ungraded} == {r["code"] for r in residences} - agreed_codes
    assert hidden and ungraded and len(hidden) + len(ungraded) == len(residences)
    for rows, key in ((hidden, "hidden"), (ungraded, "none")):
        assert legend_counts(page, key) == (len(rows), sum(r["nb_logements"] for r in rows))

    assert page.evaluate(LEGEND_SWATCH, "hidden") == {
        "label": HIDDEN_LABEL,
        "background": rgb(HIDDEN_COLOUR),
        "border": rgb(HIDDEN_OUTLINE),
        "borderWidth": "2px",
    }
    assert page.evaluate(LEGEND_SWATCH, "none")["label"] == UNGRADED_LABEL
    page.screenshot(path=str(artifacts / "map-anonymous.png"))
    assert page.evaluate(MARKER_STYLE, hidden[0]["code"]) == {
        "color": HIDDEN_OUTLINE,
        "fillColor": HIDDEN_COLOUR,
        "weight": 2,
    }
    assert page.evaluate(MARKER_STYLE, ungraded[0]["code"])["fillColor"] != HIDDEN_COLOUR

    text = page.evaluate("(code) => window.qualiparc.openPopup(code)", hidden[0]["code"])
    assert f"{HIDDEN_LABEL} : connectez-vous pour la voir" in text
    assert UNGRADED_LABEL not in text
    text = page.evaluate("(code) => window.qualiparc.openPopup(code)", ungraded[0]["code"])
    assert UNGRADED_LABEL in text and HIDDEN_LABEL not in text

    # Each class of the legend is a filter, hidden grades included (API `grade=hidden`).
    assert page.locator("#filter-grade-hidden").count() == 1
    page.locator("#filter-grade-none").uncheck()
    wait_ready(page)
    assert "grade=hidden" in page.url and "grade=none" not in page.url
    assert {r["code"] for r in shown(page)} == {r["code"] for r in hidden}
    assert_offline_and_clean(page_log)


def test_signed_in_elected_official_sees_and_filters_grades(
    live_server: str,
    page: Page,
    page_log: dict[str, list[str]],
    elu_credentials: dict[str, str],
    artifacts: Path,
) -> None:
    login = page.request.post(f"{live_server}/api/auth/login", data=elu_credentials)
    assert login.ok
    residences = open_map(page, f"{live_server}/")
    counts = Counter(r["grade"] for r in residences)
    assert {1, 2, 3, 4} <= set(counts)
    for grade in (1, 2, 3, 4):
        dwellings = sum(r["nb_logements"] for r in residences if r["grade"] == grade)
        assert legend_counts(page, str(grade)) == (counts[grade], dwellings)
    assert legend_counts(page, "hidden") == (0, 0)  # every residence is in their scope
    assert legend_counts(page, "none")[0] == counts[None]
    page.screenshot(path=str(artifacts / "map.png"))

    graded = next(r for r in residences if r["grade"] == 1)
    text = page.evaluate("(code) => window.qualiparc.openPopup(code)", graded["code"])
    assert "Note 1 — Vivre-ensemble très fragile" in text
    expect(page.locator("#grades-note")).to_be_hidden()
    expect(page.locator("#account")).to_contain_text("Se déconnecter")

    for key in ("1", "3", "4", "hidden", "none"):
        page.locator(f"#filter-grade-{key}").uncheck()
    wait_ready(page)
    fragile = shown(page)
    assert len(fragile) == counts[2] < len(residences)
    assert {r["grade"] for r in fragile} == {2}
    assert legend_counts(page, "total")[0] == counts[2]
    assert "grade=2" in page.url
    page.screenshot(path=str(artifacts / "map-grade-2.png"))

    page.locator("#filter-grade-2").uncheck()
    wait_ready(page)
    assert shown(page) == []
    expect(page.locator("#summary")).to_contain_text("Aucune note cochée")

    page.get_by_role("button", name="Réinitialiser les filtres").click()
    wait_ready(page)
    assert len(shown(page)) == len(residences)
    assert "?" not in page.url
    assert_offline_and_clean(page_log)


def test_api_errors_are_shown_in_french(
    live_server: str, page: Page, page_log: dict[str, list[str]]
) -> None:
    message = "commune « 99999 » inconnue : choisissez une commune de la liste."
    body = json.dumps({"error": {"code": "parametre_invalide", "message": message}})
    page.route(
        "**/api/residences*",
        lambda route: route.fulfill(status=422, content_type="application/json", body=body),
    )
    page.goto(f"{live_server}/")
    page.wait_for_function("() => window.qualiparc.state() === 'error'")
    expect(page.get_by_role("alert")).to_have_text(message)
    assert page_log["external_requests"] == []
    assert all("422" in error for error in page_log["console_errors"])
