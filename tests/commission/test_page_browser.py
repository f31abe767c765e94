"""The commission page in Chromium on a private copy of the demo (CU d'Arras): the landlord ranks
its vacancies for a category, opens one, records an allocation that then counts in the year's
figures, and cancels it; the elected official reads the same page without any form."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from app.demo.accounts import DemoAccount, create_demo_accounts
from tests.browsing import assert_accessible, is_local
from tests.servers import running_app

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Site:
    base: str
    url: str
    accounts: dict[str, DemoAccount]


@pytest.fixture(scope="module")
def site(demo_copy) -> Iterator[Site]:
    url = demo_copy("qualiparc_commission_page")
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        accounts = {a.role: a for a in create_demo_accounts(conn) if a.password}
    engine.dispose()
    with running_app(url, workers=1) as base:
        yield Site(base, url, accounts)


def open_as(browser: Browser, site: Site, role: str) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport={"width": 1500, "height": 950}, locale="fr-FR", bypass_csp=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("request", lambda r: None if is_local(r.url) else problems.append(r.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    account = site.accounts[role]
    signed = context.request.post(
        f"{site.base}/api/auth/login", data={"email": account.email, "password": account.password}
    )
    assert signed.ok, signed.text()
    page.goto(f"{site.base}/commission")
    page.evaluate("() => window.qualiparcCommission.ready")
    return page, problems


def landlord_vacancies(site: Site, landlord: str) -> set[str]:
    engine = create_engine(sqlalchemy_url(site.url))
    with engine.connect() as conn:
        codes = set(
            conn.execute(
                text(
                    "SELECT r.code FROM vacancy v JOIN residence r ON r.id = v.residence_id"
                    " JOIN bailleur b ON b.id = r.bailleur_id WHERE b.name = :landlord"
                ),
                {"landlord": landlord},
            ).scalars()
        )
    engine.dispose()
    return codes


def test_a_landlord_ranks_its_vacancies_and_records_an_allocation(browser: Browser, site: Site):
    page, problems = open_as(browser, site, "bailleur")
    landlord = site.accounts["bailleur"].scope.removeprefix("Bailleur ")
    own = landlord_vacancies(site, landlord)
    assert own, "the demo declares vacancies of its largest landlord"
    assert set(page.evaluate("() => window.qualiparcCommission.codes()")) == own
    page.select_option("#category", "q1")
    page.wait_for_function(
        "() => window.qualiparcCommission.vacancies().every((v) => v.category === 'q1')"
    )
    ranked = page.evaluate("() => window.qualiparcCommission.vacancies()")
    assert [v["rank"] for v in ranked] == list(range(1, len(ranked) + 1))
    assert all(v["reasons"] for v in ranked)
    first = page.locator(".vacancy-list__pick").first
    assert first.locator(".stance").inner_text() == ranked[0]["stance_label"]
    first.click()
    page.wait_for_function("() => window.qualiparcCommission.detail() !== null")
    detail = page.locator("#detail")
    assert detail.get_by_role("heading", level=2).inner_text().endswith(f"({ranked[0]['code']})")
    assert "une attribution Q1 ici" in detail.inner_text()
    year_effect = page.evaluate(
        "() => window.qualiparcCommission.detail().effects[0].units[0].allocations_before"
    )
    assert_accessible(page)

    detail.get_by_label("Autres quartiles").check()
    detail.get_by_label("Ménage DALO ou prioritaire").check()
    detail.get_by_role("button", name="Enregistrer l'attribution").click()
    page.wait_for_function("() => window.qualiparcCommission.detail().decisions.length === 1")
    shown = page.evaluate("() => window.qualiparcCommission.detail()")
    assert shown["decisions"][0]["category"] == "other" and shown["decisions"][0]["priority"]
    # The decision counts at once in the year's figures: one more allocation for the EPCI.
    assert shown["effects"][0]["units"][0]["allocations_before"] == year_effect + 1
    assert "Attribution enregistrée" in detail.inner_text()

    detail.get_by_role("button", name="Annuler l'attribution").click()
    page.wait_for_function("() => window.qualiparcCommission.detail().decisions.length === 0")
    assert problems == []
    page.context.close()


def test_the_elected_official_reads_without_forms(browser: Browser, site: Site):
    page, problems = open_as(browser, site, "elu")
    codes = page.evaluate("() => window.qualiparcCommission.codes()")
    assert codes
    assert page.locator("#import-form").count() == 0
    page.evaluate(f"() => window.qualiparcCommission.select({codes[0]!r})")
    detail = page.locator("#detail")
    assert "Lecture seule" in detail.inner_text()
    assert detail.locator("form").count() == 0
    assert_accessible(page)
    assert problems == []
    page.context.close()
