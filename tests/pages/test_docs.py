"""The interactive API documentation works offline: Swagger UI is served by the app."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_api_docs_render_without_any_external_request(
    live_server: str, page: Page, page_log: dict[str, list[str]]
) -> None:
    page.goto(f"{live_server}/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("qualiparc")
    expect(page.locator(".opblock-summary-path", has_text="/api/residences").first).to_be_visible()
    assert page_log["external_requests"] == []
    assert page_log["console_errors"] == []
