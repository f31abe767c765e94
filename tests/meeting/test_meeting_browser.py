"""The meeting screen in Chromium, the app served by two workers: a decision recorded on one
screen shows on the others without reload, within a second; a late decision gets a clear 409."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browsing import territory_colours
from tests.meeting.support import PASSWORD, CuttableRelay, MeetingServer

pytestmark = pytest.mark.browser

NETWORK_ERRORS = ("ERR_INCOMPLETE_CHUNKED_ENCODING", "ERR_CONNECTION", "ERR_EMPTY_RESPONSE")
"""What Chromium logs while the network is cut."""
WATCH_ITEM = """(code) => {
    window.__changedAt = null;
    const queue = document.getElementById("queue");
    const watcher = new MutationObserver(() => {
        const item = queue.querySelector(`li[data-code="${code}"]`);
        if (item && item.dataset.harmonised && window.__changedAt === null) {
            window.__changedAt = performance.timeOrigin + performance.now();
        }
    });
    watcher.observe(queue, { attributes: true, subtree: true, childList: true });
}"""


@contextmanager
def meeting_page(
    browser: Browser,
    server: MeetingServer,
    email: str,
    base: str | None = None,
    tolerated: tuple[str, ...] = (),
    *,
    audited: bool = False,
) -> Iterator[Page]:
    """A signed-in page on `/reunion/{campaign}` (served from `base`, default the server),
    loaded and listening; fails on page errors, console errors (but the `tolerated` ones) or
    requests leaving the machine. `audited`: axe-core may be injected (CSP bypassed)."""
    base = base or server.base
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, locale="fr-FR", bypass_csp=audited
    )
    problems: list[str] = []
    context.on(
        "request",
        lambda request: (
            urlsplit(request.url).hostname not in (None, "127.0.0.1")
            and problems.append(f"requête externe : {request.url}")
        ),
    )
    signed_in = context.request.post(
        f"{base}/api/auth/login", data={"email": email, "password": PASSWORD}
    )
    assert signed_in.ok, signed_in.text()
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not any(text in message.text for text in tolerated)
            and problems.append(message.text)
        ),
    )
    page.goto(f"{base}/reunion/{server.campaign_id}")
    page.evaluate("() => window.qualiparcMeeting.ready")
    page.wait_for_function("() => window.qualiparcMeeting.live() === 'live'", timeout=10_000)
    try:
        yield page
    finally:
        context.close()
    assert problems == []


def _harmonised_count(page: Page) -> int:
    return int(page.evaluate("() => window.qualiparcMeeting.progress()").split("/")[0].strip())


def test_the_meeting_map_fills_its_own_communes_only(
    browser: Browser, meeting_server: MeetingServer
) -> None:
    """The meeting map draws the campaign's communes on the light land colour; the rest of the
    region, where only the EPCI outlines are drawn, stays unfilled (the map page, which draws
    every commune, fills the land through the EPCI outlines instead)."""
    with meeting_page(browser, meeting_server, meeting_server.admin_email) as page:
        places = {"arras": (2.7775, 50.2910), "lille": (3.0635, 50.6372)}
        page.evaluate(
            """(places) => {
                const latLngs = Object.values(places).map(([lon, lat]) => [lat, lon]);
                const map = window.qualiparcMeeting.map();
                map.fitBounds(latLngs, { padding: [80, 80], animate: false });
            }""",
            places,
        )
        colours, _ = territory_colours(page, "qualiparcMeeting", places)
        assert colours == {"arras": "251,250,246,255", "lille": "0,0,0,0"}


def test_a_decision_reaches_the_other_screen_within_a_second(
    browser: Browser, meeting_server: MeetingServer
) -> None:
    with (
        meeting_page(browser, meeting_server, meeting_server.admin_email) as facilitator,
        meeting_page(browser, meeting_server, meeting_server.elu_email) as wall,
    ):
        code = facilitator.evaluate("() => window.qualiparcMeeting.current()")
        assert code and wall.evaluate("() => window.qualiparcMeeting.current()") == code
        assert wall.locator("#live-status").inner_text() == "en direct"
        assert wall.locator("#decision").is_hidden()  # an elected official only watches
        done_before = _harmonised_count(wall)
        wall.evaluate(WATCH_ITEM, code)

        facilitator.keyboard.press("3")
        facilitator.fill("#rationale", "Accord en séance : gardien présent, vacance faible")
        facilitator.press("#rationale", "Enter")

        wall.wait_for_function("() => window.__changedAt !== null", timeout=5_000)
        started = facilitator.evaluate("() => window.qualiparcMeeting.lastSave.startedAt")
        changed = wall.evaluate("() => window.__changedAt")
        latency = changed - started
        print(f"latence de la réunion en direct (PUT écran A → écran B) : {latency:.0f} ms")
        assert latency > 0  # how fast: the bench's live-meeting row

        item = wall.locator(f'#queue li[data-code="{code}"]')
        assert item.get_attribute("data-harmonised") == "3"
        assert wall.locator("#grade-agreed .grade-card__value").inner_text() == "3"
        assert "gardien présent" in wall.locator("#current-decided").inner_text()
        assert _harmonised_count(wall) == done_before + 1
        # The facilitator moved on to the next residence to harmonise.
        assert facilitator.evaluate("() => window.qualiparcMeeting.lastSave.status") == 200
        assert facilitator.evaluate("() => window.qualiparcMeeting.current()") != code
        assert "enregistrée" in facilitator.locator("#decision-message").inner_text()


def test_a_late_decision_gets_a_clear_conflict(
    browser: Browser, meeting_server: MeetingServer
) -> None:
    with (
        meeting_page(browser, meeting_server, meeting_server.admin_email) as first,
        meeting_page(
            browser, meeting_server, meeting_server.admin_email, tolerated=("409",)
        ) as second,
    ):
        code = first.evaluate("() => window.qualiparcMeeting.current()")
        assert second.evaluate("() => window.qualiparcMeeting.current()") == code
        second.keyboard.press("1")  # the second laptop starts deciding on the same residence
        first.keyboard.press("4")
        first.keyboard.press("Enter")
        first.wait_for_function("() => window.qualiparcMeeting.lastSave?.status === 200")

        # The second screen shows the newer decision at once, and keeps its own choice.
        second.wait_for_function(
            "(code) => document.querySelector(`#queue li[data-code='${code}']`)"
            "?.dataset.harmonised === '4'",
            arg=code,
        )
        second.keyboard.press("Enter")
        second.wait_for_function("() => window.qualiparcMeeting.lastSave?.status === 409")
        message = second.locator("#decision-message").inner_text()
        assert "Conflit" in message and "harmonisée à 4" in message
        assert second.locator("#grade-agreed .grade-card__value").inner_text() == "4"

        # Knowing it, the second laptop may still replace it: Enter again, on the newer version.
        second.keyboard.press("Enter")
        second.wait_for_function("() => window.qualiparcMeeting.lastSave?.status === 200")
        first.wait_for_function(
            "(code) => document.querySelector(`#queue li[data-code='${code}']`)"
            "?.dataset.harmonised === '1'",
            arg=code,
        )


def test_a_screen_that_lost_the_stream_catches_up(
    browser: Browser, meeting_server: MeetingServer
) -> None:
    relay = CuttableRelay(urlsplit(meeting_server.base).port)
    try:
        relayed = f"http://127.0.0.1:{relay.port}"
        with meeting_page(
            browser, meeting_server, meeting_server.elu_email, relayed, tolerated=NETWORK_ERRORS
        ) as wall:
            code = wall.evaluate("() => window.qualiparcMeeting.current()")
            item = wall.locator(f'#queue li[data-code="{code}"]')
            version = int(item.get_attribute("data-version"))
            relay.cut()
            wall.wait_for_function("() => window.qualiparcMeeting.live() === 'reconnecting'")
            assert wall.locator("#live-status").inner_text() == "reconnexion…"

            decided = httpx.put(
                f"{meeting_server.base}/api/campaigns/{meeting_server.campaign_id}"
                f"/harmonisations/{code}",
                headers={"Authorization": f"Bearer {meeting_server.admin_token}"},
                json={"value": 2, "rationale": "pendant la coupure", "expected_version": version},
            )
            assert decided.status_code == 200, decided.text
            wall.wait_for_timeout(300)
            assert item.get_attribute("data-harmonised") == ""

            relay.restore()
            wall.wait_for_function(
                "() => window.qualiparcMeeting.live() === 'live'", timeout=10_000
            )
            wall.wait_for_function(
                "(code) => document.querySelector(`#queue li[data-code='${code}']`)"
                "?.dataset.harmonised === '2'",
                arg=code,
                timeout=5_000,
            )
            assert wall.locator("#grade-agreed .grade-card__value").inner_text() == "2"
    finally:
        relay.close()
