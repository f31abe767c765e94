"""Browser fixtures shared by every test folder (a pytest plugin of tests/conftest.py): Debian's
headless Chromium, a page that records what it does, an elected official of the demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from the npm registry (frontend/package.json), injected into the page under test."""
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
"""The rules of WCAG 2.1 level AA, which RGAA 4 follows."""


_TERRITORY_COLOURS = """([hook, places, restyle]) => {
    const map = window[hook].map();
    let layer = null;
    map.eachLayer((candidate) => { if (candidate.groups) layer = candidate; });
    if (restyle) layer.restyle(...restyle);
    const ratio = window.devicePixelRatio || 1;
    const colour = ([lon, lat]) => {
        const at = map.latLngToLayerPoint([lat, lon]).subtract(layer._bounds.min).multiplyBy(ratio);
        const { data } = layer._ctx.getImageData(Math.round(at.x) - 3, Math.round(at.y) - 3, 7, 7);
        const counts = {};
        for (let i = 0; i < data.length; i += 4) {
            const key = Array.from(data.slice(i, i + 4)).join(",");
            counts[key] = (counts[key] ?? 0) + 1;
        }
        return Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
    };
    const colours = Object.entries(places).map(([name, at]) => [name, colour(at)]);
    return { colours: Object.fromEntries(colours), groups: layer.groups.length };
}"""


def territory_colours(
    page: Page,
    hook: str,
    places: dict[str, tuple[float, float]],
    restyle: tuple[int, dict] | None = None,
) -> tuple[dict[str, str], int]:
    """The colour ("r,g,b,a") most of the 7×7 pixels of the territory canvas have around each
    place (lon, lat) of the map of `window[hook]`, once its group `restyle[0]` is restyled with
    `restyle[1]` when given; and the number of groups the canvas draws."""
    found = page.evaluate(_TERRITORY_COLOURS, [hook, places, restyle])
    return found["colours"], found["groups"]


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module: Playwright's sync API holds an event loop while it runs,
    which other modules' asyncio tests must not find."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_log() -> dict[str, list[str]]:
    """What the `page` saw: `external_requests` (URLs off this machine) and `console_errors`."""
    return {"external_requests": [], "console_errors": []}


@pytest.fixture
def page(browser: Browser, page_log: dict[str, list[str]]) -> Iterator[Page]:
    """A French, wall-sized page that logs external requests and console errors."""
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, locale="fr-FR", bypass_csp=True
    )
    new_page = context.new_page()

    def record_request(request: Request) -> None:
        if not is_local(request.url):
            page_log["external_requests"].append(request.url)

    def record_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            page_log["console_errors"].append(f"{message.text} ({message.location.get('url')})")

    new_page.on("request", record_request)
    new_page.on("console", record_console)
    new_page.on("pageerror", lambda error: page_log["console_errors"].append(str(error)))
    yield new_page
    context.close()


def axe_violations(page: Page) -> list[str]:
    """What axe-core finds against WCAG 2.1 AA on the page as it stands: one line per rule."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
            .violations.map((v) => `${v.id} (${v.impact}) : ${v.help} — `
                + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "))""",
        WCAG_21_AA,
    )
    return list(found)


def assert_accessible(page: Page) -> None:
    """Zero axe-core violation of WCAG 2.1 AA (RGAA) on the page as it stands."""
    violations = axe_violations(page)
    assert violations == [], f"{page.url} :\n" + "\n".join(violations)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


ELU_EMAIL = "elu-carte@arras.test"
ELU_PASSWORD = "vivre-ensemble-2026"
CU_ARRAS = "200033579"


@pytest.fixture(scope="session")
def elu_credentials(demo_url: str) -> dict[str, str]:
    """An elected official of the CU d'Arras, who may read its residences' grades."""
    from sqlalchemy import create_engine, text

    from app.auth.accounts import create_account
    from app.core.database import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.begin() as conn:
        known = conn.execute(text("SELECT 1 FROM account WHERE email = :e"), {"e": ELU_EMAIL})
        if not known.first():
            create_account(conn, ELU_EMAIL, "elu", [CU_ARRAS], password=ELU_PASSWORD)
    engine.dispose()
    return {"email": ELU_EMAIL, "password": ELU_PASSWORD}
