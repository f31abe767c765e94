"""The accounts page in Chromium, under the Content-Security-Policy: an administrator signs in
through the form, finds the page from the header, and disables then enables an account with the
keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from app.auth.accounts import create_account
from app.core.database import sqlalchemy_url

pytestmark = pytest.mark.browser

CU_ARRAS, ARRAS = "200033579", "62041"
ADMIN = "admin-comptes@arras.test"
TARGET = "mairie-comptes@arras.test"
PASSWORD = "gestion-des-comptes"


@pytest.fixture(scope="module")
def accounts(demo_url: str) -> None:
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.begin() as conn:
        for email, role, scope in ((ADMIN, "admin", CU_ARRAS), (TARGET, "commune", ARRAS)):
            if not conn.execute(
                text("SELECT 1 FROM account WHERE email = :e"), {"e": email}
            ).first():
                create_account(conn, email, role, [scope], password=PASSWORD)
    engine.dispose()


def test_an_administrator_disables_and_enables_an_account_with_the_keyboard(
    live_server: str, accounts: None, page: Page, page_log: dict[str, list[str]]
) -> None:
    page.goto(f"{live_server}/connexion?next=/")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name="Comptes")
    expect(link).to_be_visible()
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.body.dataset.state === 'ready'")
    row = page.locator("#accounts tr", has=page.get_by_text(TARGET))
    expect(row).to_contain_text("Actif")
    row.get_by_role("button", name="Désactiver").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text(f"Compte {TARGET} désactivé")
    expect(row).to_contain_text("Désactivé")
    row.get_by_role("button", name="Réactiver").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text(f"Compte {TARGET} réactivé")
    expect(row).to_contain_text("Actif")
    assert page_log["console_errors"] == []
    assert page_log["external_requests"] == []
