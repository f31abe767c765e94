"""Every page, as each of its users opens it, passes axe-core against WCAG 2.1 AA (RGAA) with
zero violation, and can be walked with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from app.demo.accounts import DemoAccount, create_demo_accounts
from tests.browsing import assert_accessible


@pytest.fixture(scope="module")
def accounts(demo_url: str) -> Iterator[dict[str, DemoAccount]]:
    """The demo's accounts (one per role) with fresh passwords, and its campaign ids."""
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM account WHERE email LIKE '%@qualiparc.example'"))
        created = create_demo_accounts(conn)
    engine.dispose()
    yield {account.role: account for account in created if account.password}


@pytest.fixture(scope="module")
def campaign_id(demo_url: str) -> int:
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT id FROM campaign WHERE status = 'harmonisation' ORDER BY id LIMIT 1")
        ).scalar_one()
    engine.dispose()
    return found


def sign_in(page: Page, base: str, account: DemoAccount) -> None:
    response = page.request.post(
        f"{base}/api/auth/login", data={"email": account.email, "password": account.password}
    )
    assert response.ok, response.text()


def settle(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


PUBLIC = (
    "/",
    "/connexion",
    "/quartiers",
    "/ogc",
    "/ogc/collections",
    "/ogc/collections/residences",
    "/ogc/collections/residences/items",
    "/ogc/collections/communes/items/62041",
)


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_pass_axe(live_server: str, page: Page, path: str):
    settle(page, f"{live_server}{path}")
    assert_accessible(page)


ADMIN_PAGES = (
    "/campagnes/{id}",
    "/campagnes/{id}/notation",
    "/campagnes/{id}/import",
    "/reunion/{id}",
    "/reunion/{id}/ordre-du-jour",
    "/reunion/{id}/bilan",
    "/elu",
    "/quartiers",
    "/",
    "/commission",
)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_pages_of_the_administrator_pass_axe(
    live_server: str, page: Page, accounts: dict[str, DemoAccount], campaign_id: int, path: str
):
    sign_in(page, live_server, accounts["admin"])
    settle(page, live_server + path.format(id=campaign_id))
    assert_accessible(page)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("commune", "/campagnes/{id}/notation"),
        ("bailleur", "/campagnes/{id}/import"),
        ("elu", "/elu"),
        ("elu", "/commission"),
        ("bailleur", "/commission"),
        ("reader", "/reunion/{id}"),
    ],
)
def test_pages_of_the_partners_pass_axe(
    live_server: str,
    page: Page,
    accounts: dict[str, DemoAccount],
    campaign_id: int,
    role: str,
    path: str,
):
    sign_in(page, live_server, accounts[role])
    settle(page, live_server + path.format(id=campaign_id))
    assert_accessible(page)


def test_the_map_page_is_walked_with_the_keyboard(live_server: str, page: Page):
    """Tab reaches the navigation, the filters and the map, each with a visible focus."""
    settle(page, f"{live_server}/")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                """() => { const e = document.activeElement;
                    const style = getComputedStyle(e);
                    return [e.id || e.getAttribute('name') || e.tagName,
                            style.outlineStyle !== 'none' || style.boxShadow !== 'none'] }"""
            )
        )
    names = [name for name, _ in reached]
    assert any(name.startswith("filter-") or name == "grade" for name in names), names
    hidden = [name for name, visible in reached if not visible and name != "BODY"]
    assert hidden == [], hidden


# --- Every page on a phone (WCAG 1.4.10 reflow) ----------------------------------------------

PHONES = {"360x740": (360, 740), "390x844": (390, 844)}
PHONE_PAGES = [
    (None, "/"),
    (None, "/connexion"),
    (None, "/quartiers"),
    (None, "/ogc"),
    (None, "/ogc/collections/residences/items"),
    *(
        ("admin", path)
        for path in (*ADMIN_PAGES, "/campagnes", "/comptes")
        if path not in ("/", "/quartiers")
    ),
    ("elu", "/elu"),
    ("elu", "/"),
    ("elu", "/quartiers"),
    ("elu", "/commission"),
    ("bailleur", "/commission"),
    ("reader", "/reunion/{id}"),
]
KEY_CONTROLS = (
    ".site-header__brand",
    ".site-header__title",
    ".site-header__menu",
    ".meeting-progress",
    ".meeting-links",
    ".live-status",
    "#filters-toggle",
    ".panel",
    ".elu-panel",
    ".meeting-panel",
    ".commission-search",
    ".leaflet-control-zoom",
    ".leaflet-control-layers",
    ".legend",
    ".leaflet-control-attribution",
)
"""Controls that must never overlap one another (one containing another is fine)."""
OVERLAPS = """(selectors) => {
    const boxes = [];
    for (const selector of selectors) {
        for (const node of document.querySelectorAll(selector)) {
            const r = node.getBoundingClientRect();
            if (r.width > 0 && r.height > 0 && getComputedStyle(node).visibility !== "hidden") {
                boxes.push({ selector, node, r });
            }
        }
    }
    const found = [];
    for (const [i, a] of boxes.entries()) {
        for (const b of boxes.slice(i + 1)) {
            if (a.node.contains(b.node) || b.node.contains(a.node)) continue;
            const width = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
            const height = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
            if (width > 1 && height > 1) found.push(`${a.selector} × ${b.selector}`);
        }
    }
    return found;
}"""
OVERFLOW = """() => {
    const limit = window.innerWidth;
    const cut = [...document.querySelectorAll("main *, header *")]
        .filter((node) => !node.closest(".leaflet-container, .table-scroll"))
        .filter((node) => { const r = node.getBoundingClientRect();
                             return r.width > 0 && r.right > limit + 1; })
        .map((node) => node.id || node.className || node.tagName);
    return { width: document.scrollingElement.scrollWidth, limit, cut: cut.slice(0, 5) };
}"""


def phone_problems(page: Page) -> list[str]:
    """Horizontal overflow (the document, or content cut at the right edge) and overlaps."""
    problems = []
    overflow = page.evaluate(OVERFLOW)
    if overflow["width"] > overflow["limit"] or overflow["cut"]:
        problems.append(f"overflow {overflow}")
    problems += [f"overlap {pair}" for pair in page.evaluate(OVERLAPS, list(KEY_CONTROLS))]
    return problems


@pytest.fixture
def phone(browser: Browser, live_server: str, accounts: dict[str, DemoAccount]):
    """Pages of a given size, touch screen, signed in as a given role (None: anonymous)."""
    contexts = []

    def open_page(size: str, role: str | None) -> Page:
        width, height = PHONES[size]
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="fr-FR",
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            bypass_csp=True,
        )
        contexts.append(context)
        new_page = context.new_page()
        if role is not None:
            sign_in(new_page, live_server, accounts[role])
        return new_page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", PHONES)
@pytest.mark.parametrize(("role", "path"), PHONE_PAGES)
def test_every_page_reflows_on_a_phone(
    live_server: str, phone, campaign_id: int, size: str, role: str | None, path: str
):
    """Nothing cut at the right edge, no key control over another, axe-core clean; and so with
    each of the map's folded controls (legend, layers) unfolded in turn."""
    page = phone(size, role)
    settle(page, live_server + path.format(id=campaign_id))
    problems = phone_problems(page)
    folds = page.locator(".map-fold")
    for index in range(folds.count()):
        fold = folds.nth(index)
        if fold.is_visible():
            if fold.get_attribute("aria-expanded") == "false":
                fold.click()
            problems += [f"{p} ({fold.inner_text()} unfolded)" for p in phone_problems(page)]
    assert problems == [], f"{path} at {size}: {problems}"
    assert_accessible(page)


def test_the_header_folds_into_one_short_line(live_server: str, phone):
    page = phone("360x740", "admin")
    settle(page, f"{live_server}/commission")
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] <= 110
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Quartiers").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name="Quartiers").click()
    page.wait_for_url("**/quartiers")


def test_filters_and_legend_fold_away_and_the_map_takes_a_thumb(live_server: str, phone):
    page = phone("390x844", "elu")
    settle(page, f"{live_server}/")
    page.wait_for_function("() => window.qualiparc && window.qualiparc.state() === 'ready'")
    toggle = page.locator("#filters-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#filter-epci").is_visible()
    toggle.click()
    assert page.locator("#filter-epci").is_visible()
    legend = page.get_by_role("button", name="Légende")
    layers = page.get_by_role("button", name="Couches")
    assert legend.get_attribute("aria-expanded") == "false"
    assert layers.get_attribute("aria-expanded") == "false"
    legend.click()
    assert page.locator(".legend__table").is_visible()
    zoom = page.locator(".leaflet-control-zoom-in").bounding_box()
    assert zoom["width"] >= 44 and zoom["height"] >= 44
    before = page.evaluate("() => window.qualiparc.map().getZoom()")
    page.locator(".leaflet-control-zoom-in").tap()
    page.wait_for_function(f"() => window.qualiparc.map().getZoom() > {before}")


def test_the_elected_officials_figures_fit_the_screen(live_server: str, phone):
    page = phone("360x740", "elu")
    settle(page, f"{live_server}/elu")
    right = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.elu-figures dd')]"
        ".map((dd) => dd.getBoundingClientRect().right))"
    )
    assert right <= 360
