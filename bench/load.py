"""Load on the real server: concurrent authenticated readers, then concurrent harmonisation saves,
against the app served by uvicorn with two workers on the demo (loopback only, bounded in count
and time). Every save attempt, applied or refused as stale, must be in the history."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url

EPCI = "200093201"
"""The Métropole Européenne de Lille, the demo's largest EPCI."""
READERS = 100
READS_EACH = 3
"""Rounds of the reader's three pages (residence layer, one commune, quartiers)."""
SAVERS = 50
SAVES_EACH = 4
CONTESTED = 10
"""Divergent residences the savers share, so that many attempts are stale (409)."""
PHASE_TIMEOUT = 300
SCALE_PHASE_TIMEOUT = 900
"""At 200,000 residences, 100 full layers at once take minutes on two cores."""
REQUEST_TIMEOUT = 120
ADMIN = "bench-load-admin@qualiparc.test"
READER = "bench-load-reader@qualiparc.test"


@dataclass
class Phase:
    """What one phase measured: latencies in ms, statuses, transport errors, wall time."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def record(self, started: float, response: httpx.Response | None, failure: str = "") -> None:
        self.latencies.append((time.perf_counter() - started) * 1000)
        if response is None:
            self.failures.append(failure)
        else:
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        p50 = statistics.median(self.latencies)
        p95 = statistics.quantiles(self.latencies, n=20)[-1]
        rate = len(self.latencies) / self.seconds
        statuses = ", ".join(f"{n} × {status}" for status, n in sorted(self.statuses.items()))
        kinds = ", ".join(f"{self.failures.count(k)} × {k}" for k in sorted(set(self.failures)))
        failed = f", {len(self.failures)} without answer ({kinds})" if self.failures else ""
        return (
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {rate:.1f} req/s "
            f"({len(self.latencies)} requests in {self.seconds:.1f} s: {statuses}{failed})"
        )


async def _call(
    client: httpx.AsyncClient, phase: Phase, method: str, url: str, **kwargs: object
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        phase.record(started, None, type(exc).__name__)
        return None
    phase.record(started, response)
    return response


READER_PAGES = ("/api/residences", "/api/residences?commune=59350", "/api/quartiers?level=commune")
"""The demo reader's three pages: residence layer, one commune, quartiers."""


async def _readers(
    base: str,
    tokens: list[str | None],
    pages: tuple[str, ...] | list[str],
    rounds: int,
    timeout: float = PHASE_TIMEOUT,
) -> Phase:
    """Each reader (one per token; None: anonymous) asks `pages` in turn, `rounds` times."""
    phase = Phase()

    async def reader(client: httpx.AsyncClient, token: str | None) -> None:
        headers = {"Accept-Encoding": "gzip"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        for _ in range(rounds):
            for page in pages:
                await _call(client, phase, "GET", base + page, headers=headers)

    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(reader(client, token) for token in tokens)), timeout
        )
        phase.seconds = time.perf_counter() - start
    return phase


async def reader_load(url: str, base: str, pages: list[str], *, authenticated: bool) -> Phase:
    """`READERS` readers at once on the server `base` (database `url`), each asking `pages`
    once: anonymous, or each with its own API token of a reader of the MEL."""
    tokens: list[str | None] = [None] * READERS
    if authenticated:
        from app.auth.accounts import create_account, create_token

        engine = create_engine(sqlalchemy_url(url))
        with engine.begin() as conn:
            create_account(conn, READER, "reader", [EPCI])
            tokens = [create_token(conn, READER) for _ in range(READERS)]
        engine.dispose()
    return await _readers(base, tokens, pages, 1, SCALE_PHASE_TIMEOUT)


async def _savers(base: str, token: str, campaign: int, codes: list[str]) -> tuple[Phase, int]:
    """The save phase, and how many attempts got an answer that says they were recorded
    (200 applied, 409 refused as stale)."""
    phase = Phase()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base}/api/campaigns/{campaign}/harmonisations/"

    async def saver(client: httpx.AsyncClient, number: int) -> None:
        for attempt in range(SAVES_EACH):
            code = codes[(number + attempt) % len(codes)]
            current = await client.get(url + code, headers=headers)
            version = current.json()["version"] if current.status_code == 200 else 0
            await _call(
                client,
                phase,
                "PUT",
                url + code,
                headers=headers,
                json={
                    "value": 1 + (number + attempt) % 4,
                    "rationale": f"banc de charge {number}-{attempt}",
                    "expected_version": version,
                },
            )

    limits = httpx.Limits(max_connections=SAVERS, max_keepalive_connections=SAVERS)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(saver(client, n) for n in range(SAVERS))), PHASE_TIMEOUT
        )
        phase.seconds = time.perf_counter() - start
    recorded = phase.statuses.get(200, 0) + phase.statuses.get(409, 0)
    return phase, recorded


def load_test(url: str) -> list[tuple[str, str]]:
    """Run both phases on the demo database `url`; the figures for bench/README.md."""
    from app.auth.accounts import create_account, create_token
    from tests.servers import running_app

    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        admin_id = create_account(conn, ADMIN, "admin", [EPCI])
        create_account(conn, READER, "reader", [EPCI])
        admin_token = create_token(conn, ADMIN)
        reader_tokens = [create_token(conn, READER) for _ in range(READERS)]
        campaign = conn.execute(
            text("SELECT id FROM campaign WHERE epci_siren = :e AND status = 'harmonisation'"),
            {"e": EPCI},
        ).scalar_one()
    with running_app(url, workers=2) as base:
        queue = httpx.get(
            f"{base}/api/campaigns/{campaign}/divergences",
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=REQUEST_TIMEOUT,
        ).json()
        codes = [r["code"] for r in queue["residences"]][:CONTESTED]
        reads = asyncio.run(_readers(base, list(reader_tokens), READER_PAGES, READS_EACH))
        saves, answered = asyncio.run(_savers(base, admin_token, campaign, codes))
    with engine.connect() as conn:
        in_history = conn.execute(
            text(
                "SELECT count(*) FROM grade_event WHERE actor_id = :a AND kind = 'harmonisation'"
                " AND campaign_id = :c"
            ),
            {"a": admin_id, "c": campaign},
        ).scalar_one()
    engine.dispose()
    attempts = len(saves.latencies)
    history = (
        f"{in_history} of {attempts} attempts in the history"
        f" ({saves.statuses.get(200, 0)} applied, {saves.statuses.get(409, 0)} refused as stale)"
    )
    return [
        (
            f"load: {READERS} concurrent authenticated readers × {READS_EACH} rounds of "
            "(residence layer, one commune, quartiers), 2 workers",
            reads.summary() + f"; 5xx: {reads.server_errors}",
        ),
        (
            f"load: {SAVERS} concurrent harmonisation saves × {SAVES_EACH} on {len(codes)} "
            "residences (expected_version), 2 workers",
            saves.summary()
            + f"; 5xx: {saves.server_errors}; {history}"
            + ("" if in_history == answered == attempts else " — ATTEMPTS MISSING"),
        ),
    ]
