"""Measure the heavy paths on the full demo (7 EPCI) and write the figures to bench/README.md.

Runs on a scratch database `qualiparc_bench` of the project-local cluster (or of the server named by
QUALIPARC_DATABASE_URL), dropped at the end.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import create_engine, text

from app.core.database import get_engine, resolve_database_url, sqlalchemy_url
from app.core.settings import get_settings
from app.layers import ResidenceFilter, residence_rows_sql, residences_geojson
from bench.load import CONTESTED, READ_SECONDS, READERS, SAVERS, load_test
from bench.scale import SIZES, Row, drop, median_ms, run_scale

BENCH_DB = "qualiparc_bench"
SCALE_TEMPLATE_DB = "qualiparc_bench_scale"
README = Path(__file__).parent / "README.md"
RUNS = 7


def python_loop_geojson(conn, flt: ResidenceFilter) -> bytes:
    """The baseline we avoid: one dict per row built in Python, then json.dumps."""
    sql, params = residence_rows_sql(flt)
    rows = conn.execute(
        text(f"SELECT t.*, ST_AsGeoJSON(t.geom, 6) AS geometry FROM ({sql}) AS t"), params
    ).mappings()
    features = []
    for row in rows:
        properties = {k: v for k, v in row.items() if k not in ("geom", "geometry")}
        properties["distance_qpv_m"] = (
            float(properties["distance_qpv_m"])
            if properties["distance_qpv_m"] is not None
            else None
        )
        features.append(
            {"type": "Feature", "geometry": json.loads(row["geometry"]), "properties": properties}
        )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def meeting_latency(url: str, decisions: int = 20) -> list[float]:
    """Milliseconds from a harmonisation PUT (answered by one worker) to its event on the SSE
    stream of another connection, the app running with two workers."""
    from app.auth.accounts import create_account, create_token
    from tests.meeting.support import SseReader
    from tests.servers import running_app

    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        create_account(conn, "bench-admin@qualiparc.test", "admin", ["200093201"])
        token = create_token(conn, "bench-admin@qualiparc.test")
        campaign = conn.execute(
            text(
                "SELECT id FROM campaign WHERE epci_siren = '200093201'"
                " AND status = 'harmonisation'"
            )
        ).scalar_one()
    engine.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    with running_app(url, workers=2) as base:
        queue = httpx.get(f"{base}/api/campaigns/{campaign}/divergences", headers=headers).json()
        pending = [r for r in queue["residences"] if not r["harmonised"]][:decisions]
        stream = SseReader(f"{base}/api/campaigns/{campaign}/events", token)
        try:
            for residence in pending:
                start = time.perf_counter()
                response = httpx.put(
                    f"{base}/api/campaigns/{campaign}/harmonisations/{residence['code']}",
                    headers=headers,
                    json={
                        "value": residence["commune_grade"],
                        "rationale": "mesure",
                        "expected_version": residence["harmonisation_version"] or 0,
                    },
                )
                response.raise_for_status()
                while (
                    stream.next_event(timeout=5)["data"].get("residence_code") != residence["code"]
                ):
                    pass
                latencies.append((time.perf_counter() - start) * 1000)
        finally:
            stream.close()
    return latencies


def scratch_url(name: str = BENCH_DB) -> str:
    base = resolve_database_url()
    with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def load_scratch_demo(url: str) -> None:
    """Migrate the scratch database `url` and load the full demo into it."""
    from app.core.migrate import upgrade
    from app.demo.loader import load_demo

    upgrade(url)
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        load_demo(conn)
    engine.dispose()


def main(*, scale: bool = True) -> None:
    """The demo's figures (its section of the README), then the bench at scale unless `scale` is
    false (`--demo`)."""
    from fastapi.testclient import TestClient

    from app.core.migrate import upgrade
    from app.demo.loader import load_demo
    from app.importers.residences import import_residences
    from app.main import create_app

    load_before = os.getloadavg()[0]
    url = scratch_url()
    os.environ["QUALIPARC_DATABASE_URL"] = url
    get_settings.cache_clear()
    figures: list[tuple[str, str]] = []
    try:
        start = time.perf_counter()
        upgrade(url)
        figures.append(("migrations on an empty database", f"{time.perf_counter() - start:.1f} s"))
        engine = create_engine(sqlalchemy_url(url))
        start = time.perf_counter()
        with engine.begin() as conn:
            summary = load_demo(conn)
        figures.append(
            (
                f"demo load (territory + {summary.residences} residences, {summary.grades} grades)",
                f"{time.perf_counter() - start:.1f} s",
            )
        )
        with engine.connect() as conn:
            flt = ResidenceFilter()
            postgis_ms, body = median_ms(lambda: residences_geojson(conn, flt), RUNS)
            loop_ms, loop_body = median_ms(lambda: python_loop_geojson(conn, flt), RUNS)
            count = len(json.loads(body)["features"])
            assert count == len(json.loads(loop_body)["features"])
            figures.append(
                (
                    f"residence layer, {count} features, GeoJSON built by PostGIS",
                    f"{postgis_ms:.0f} ms ({len(body) / 1e6:.1f} MB)",
                )
            )
            figures.append(
                ("same layer, built row by row in Python (baseline)", f"{loop_ms:.0f} ms")
            )
            lille = ResidenceFilter(commune="59350")
            ms, _ = median_ms(lambda: residences_geojson(conn, lille), RUNS)
            figures.append(("residence layer filtered on one commune (Lille)", f"{ms:.0f} ms"))

        client = TestClient(create_app())
        for path in (
            "/api/residences",
            "/api/residences?epci=200093201&in_qpv=true",
            "/api/qpv",
            "/api/communes",
            "/api/meta",
        ):
            ms, response = median_ms(lambda p=path: client.get(p), RUNS)
            assert response.status_code == 200, response.text
            figures.append((f"HTTP GET {path} (in-process client)", f"{ms:.0f} ms"))

        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "residences.csv"
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT r.code, r.name, b.name AS bailleur, r.commune_insee,"
                        " r.nb_logements, ST_X(ST_Transform(r.geom, 2154)) AS x,"
                        " ST_Y(ST_Transform(r.geom, 2154)) AS y"
                        " FROM residence r JOIN bailleur b ON b.id = r.bailleur_id"
                    )
                ).all()
            lines = ["code;nom;bailleur;code_insee;nb_logements;x;y"]
            lines += [
                f"{r.code};{r.name};{r.bailleur};{r.commune_insee};{r.nb_logements};"
                f"{r.x:.2f};{r.y:.2f}".replace(".", ",")
                for r in rows
            ]
            csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            start = time.perf_counter()
            with engine.begin() as conn:
                result = import_residences(conn, csv_path, crs="EPSG:2154")
            figures.append(
                (
                    f"re-import of {result.updated} residences (CSV in Lambert-93, upsert)",
                    f"{time.perf_counter() - start:.1f} s",
                )
            )
        engine.dispose()
        get_engine.cache_clear()
        latencies = meeting_latency(url)
        figures.append(
            (
                f"live meeting: harmonisation PUT to its SSE event on another screen, 2 workers "
                f"({len(latencies)} decisions, median; max {max(latencies):.0f} ms)",
                f"{statistics.median(latencies):.0f} ms",
            )
        )
        load = load_test(url)
    finally:
        get_engine.cache_clear()
        drop(url)
    write_readme(figures, load, (load_before, os.getloadavg()[0]))
    for name, value in figures + load:
        print(f"{value:>22}  {name}")
    if scale:
        scale_only(SIZES)


def scale_only(sizes: tuple[int, ...]) -> None:
    """The bench at scale (bench/scale.py) on a demo of its own; its section of the README."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    peak = LoadPeak()
    peak.start()
    template = scratch_url(SCALE_TEMPLATE_DB)
    try:
        load_scratch_demo(template)
        get_engine.cache_clear()
        rows = run_scale(template, sizes)
    finally:
        get_engine.cache_clear()
        drop(template)
    peak.stop.set()
    write_scale_section(
        rows,
        (load_before, os.getloadavg()[0]),
        (time.perf_counter() - started) / 60,
        peak.highest,
    )


class LoadPeak(threading.Thread):
    """The highest load average of the machine while the bench runs, sampled every 5 s: on a
    shared machine, other work slows every figure."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.highest = os.getloadavg()[0]

    def run(self) -> None:
        while not self.stop.wait(5):
            self.highest = max(self.highest, os.getloadavg()[0])


def load_only() -> None:
    """`python -m bench.run --load`: the load scenario alone, printed (README left as it is)."""
    url = scratch_url()
    load_before = os.getloadavg()[0]
    try:
        load_scratch_demo(url)
        rows = load_test(url)
    finally:
        get_engine.cache_clear()
        drop(url)
    print(f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    for name, value in rows:
        print(f"| {name} | {value} |")


def write_section(name: str, body: str) -> None:
    """Replace the section `name` of bench/README.md (between its two markers), keeping the
    others: a partial run rewrites only what it measured."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    current = README.read_text() if README.exists() else ""
    block = f"{start}\n{body.strip()}\n{end}"
    if start in current and end in current:
        head, rest = current.split(start, 1)
        current = head + block + rest.split(end, 1)[1]
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    README.write_text(current)


def machine(load_average: tuple[float, float]) -> str:
    return (
        f"{date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, PostgreSQL 15 + PostGIS (project-local cluster); "
        f"load average of the machine {load_average[0]:.1f} at the start, "
        f"{load_average[1]:.1f} at the end"
    )


def write_readme(
    figures: list[tuple[str, str]], load: list[tuple[str, str]], load_average: tuple[float, float]
) -> None:
    """Rewrite the demo section of bench/README.md; `load_average`: the machine's at the start
    and the end, since other work on a shared machine slows every figure."""
    rows = "\n".join(f"| {name} | {value} |" for name, value in figures)
    load_rows = "\n".join(f"| {name} | {value} |" for name, value in load)
    write_section(
        "demo",
        f"""## The demo

`make bench` (`python -m bench.run`) first loads the full demo (the 7 EPCI of the URH method)
into a scratch database and measures the heavy paths; medians of {RUNS} runs.

Measured on {machine(load_average)}.

| what | median |
| --- | --- |
{rows}

The residence layer is built by PostGIS as GeoJSON text (`ST_AsGeoJSON` over the rows,
aggregated with `string_agg`, see `app/layers.py`); the baseline row is the tipg-style approach of
building each feature in Python, kept here only to measure the difference. HTTP figures include
gzip compression at level 5: on the commune layer, level 9 took 514 ms instead of 110 ms for an
output 1.6 % smaller. The commune and EPCI outlines are served as shipped, already simplified:
simplifying them again on each request cost 360 ms for 20 % fewer points.

### Load

The app served by uvicorn with two workers on the same demo, over the loopback: {READERS}
authenticated readers at once (API tokens of a reader of the MEL) for {READ_SECONDS} s, driven by
wrk, then {SAVERS} harmonisation saves at once on {CONTESTED} divergent residences of the MEL,
driven by httpx (asyncio), each reading the version then saving with `expected_version`, so that
many are refused as stale (409). Every attempt, applied or refused, must be in the history
(`grade_event`); no answer may be a 5xx. Latencies are per request, from sending to the whole
answer.

| scenario | figures |
| --- | --- |
{load_rows}
""",
    )


def write_scale_section(
    rows: list[Row], load_average: tuple[float, float], minutes: float, peak_load: float
) -> None:
    """Rewrite the scale section of bench/README.md: one table per size."""
    tables = []
    for size in sorted({row.size for row in rows}):
        lines = "\n".join(f"| {r.what} | {r.value} |" for r in rows if r.size == size)
        tables.append(
            f"### The demo + {size:,} generated residences\n\n| what | figure |\n"
            f"| --- | --- |\n{lines}\n"
        )
    write_section(
        "scale",
        f"""## At scale

Measured on {machine(load_average)}, {peak_load:.1f} at the highest; {minutes:.0f} minutes for
this part.

{chr(10).join(tables)}""",
    )


def sizes_asked(arguments: list[str]) -> tuple[int, ...] | None:
    """`--sizes 20000,200000`: the sizes of the scale part to run (and only that part)."""
    if "--sizes" not in arguments:
        return None
    return tuple(int(size) for size in arguments[arguments.index("--sizes") + 1].split(","))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sizes = sizes_asked(arguments)
    if "--load" in arguments:
        load_only()
    elif "--demo" in arguments:
        main(scale=False)
    elif sizes is not None:
        scale_only(sizes)
    else:
        main()
