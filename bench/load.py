"""Load on the real server: concurrent authenticated readers, then concurrent harmonisation saves,
against the app served by uvicorn with two workers on the demo (loopback only, bounded in count
and time). Every save attempt, applied or refused as stale, must be in the history.

The readers are driven by wrk (Debian's package, installed by `make bench`): a C client takes
little of the two cores the server and the database share with it. The saves, which read then
write, are driven by httpx."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url

EPCI = "200093201"
"""The Métropole Européenne de Lille, the demo's largest EPCI."""
READERS = 100
SAVERS = 50
SAVES_EACH = 4
CONTESTED = 10
"""Divergent residences the savers share, so that many attempts are stale (409)."""
PHASE_TIMEOUT = 300
REQUEST_TIMEOUT = 120
ADMIN = "bench-load-admin@qualiparc.test"
READER = "bench-load-reader@qualiparc.test"
PAUSE_FACTOR = 1.25
"""A wrk run lasting more than this times the time asked was held up (`Reading.held_up`)."""


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
READ_SECONDS = 20
"""How long the readers read, after one round of their pages (the answers built)."""

WRK_SCRIPT = """
local pages = {%(pages)s}
local tokens = {%(tokens)s}
local n = 0
offset = 0
setup = function(thread)
  thread:set("offset", offset)
  offset = offset + 1
end
request = function()
  n = n + 1
  local headers = {["Accept-Encoding"] = "gzip"}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[((n * 2 + offset) %% #tokens) + 1]
  end
  return wrk.format("GET", pages[(n %% #pages) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read + e.write, e.status, e.timeout))
end
"""
"""wrk's scenario: each request asks the next page of the list, with the next token (if any);
the figures leave as one line (latencies in µs)."""


@dataclass
class Reading:
    """What wrk measured of the readers (latencies in ms, from sending to the whole answer)."""

    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    slowest: float
    unanswered: int
    """Connections refused or broken, and answers that did not come within the timeout."""
    refused: int
    """Answers other than 2xx and 3xx."""
    asked: float
    """The seconds the run was asked to last."""

    @property
    def held_up(self) -> bool:
        """Whether wrk ran well past the time asked: its threads stop on a 100 ms timer once
        the time is up, so wrk itself did not run meanwhile (the machine or the client paused),
        and it counts that pause in the latencies of the requests in flight."""
        return self.seconds > self.asked * PAUSE_FACTOR

    def summary(self) -> str:
        pause = (
            f"; wrk ran {self.seconds:.0f} s for a run of {self.asked:.0f} s: the client was held "
            "up, and its latencies count that pause"
            if self.held_up
            else ""
        )
        return (
            f"p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms, p99 {self.p99:.0f} ms, "
            f"max {self.slowest:.0f} ms, {self.requests / self.seconds:.0f} req/s "
            f"({self.requests} requests in {self.seconds:.0f} s); "
            f"errors: {self.refused} answers not 2xx/3xx, {self.unanswered} without answer{pause}"
        )


def _readers(
    base: str, tokens: list[str], pages: tuple[str, ...] | list[str], seconds: int = READ_SECONDS
) -> Reading:
    """`READERS` connections at once read `pages` in turn for `seconds` with wrk (a C client,
    so that the client takes little of the two cores), each request with the next of `tokens`
    (none: anonymous). One round of the pages first builds their answers."""
    headers = {"Accept-Encoding": "gzip"}
    if tokens:
        headers["Authorization"] = f"Bearer {tokens[0]}"
    with httpx.Client(timeout=REQUEST_TIMEOUT, headers=headers) as client:
        for page in pages:
            client.get(base + page)
    script = WRK_SCRIPT % {
        "pages": ", ".join(f'"{page}"' for page in pages),
        "tokens": ", ".join(f'"{token}"' for token in tokens),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        ran = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{READERS}",
                f"-d{seconds}s",
                "--timeout",
                "60s",
                "-s",
                lua.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 120,
        )
    line = next(line for line in ran.stdout.splitlines() if line.startswith("WRK "))
    count, micros, p50, p95, p99, slowest, connect, broken, status, late = map(
        int, line.split()[1:]
    )
    return Reading(
        count,
        micros / 1e6,
        p50 / 1000,
        p95 / 1000,
        p99 / 1000,
        slowest / 1000,
        connect + broken + late,
        status,
        seconds,
    )


def reader_load(url: str, base: str, pages: list[str], *, authenticated: bool) -> Reading:
    """`READERS` readers at once on the server `base` (database `url`) asking `pages` in turn:
    anonymous, or each with its own API token of a reader of the MEL."""
    tokens: list[str] = []
    if authenticated:
        from app.auth.accounts import create_account, create_token

        engine = create_engine(sqlalchemy_url(url))
        with engine.begin() as conn:
            create_account(conn, READER, "reader", [EPCI])
            tokens = [create_token(conn, READER) for _ in range(READERS)]
        engine.dispose()
    return _readers(base, tokens, pages)


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
        reads = _readers(base, reader_tokens, READER_PAGES)
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
            f"load: {READERS} concurrent authenticated readers for {READ_SECONDS} s, each "
            "request the next of (residence layer, one commune, quartiers), 2 workers",
            reads.summary(),
        ),
        (
            f"load: {SAVERS} concurrent harmonisation saves × {SAVES_EACH} on {len(codes)} "
            "residences (expected_version), 2 workers",
            saves.summary()
            + f"; 5xx: {saves.server_errors}; {history}"
            + ("" if in_history == answered == attempts else " — ATTEMPTS MISSING"),
        ),
    ]
