"""Every page, as each of its users opens it, passes axe-core against WCAG 2.1 AA (RGAA) with
zero violation, and can be walked with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
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
