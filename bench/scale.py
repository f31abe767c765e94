"""The bench at scale: the demo plus 20,000, 200,000 and 1,000,000 generated residences.

For each size, a scratch database cloned from the loaded demo receives the generated residences
through `qualiparc import residences` (timed, peak memory measured by `/usr/bin/time -v`), then:
the full residence layer against the PostGIS floor and tipg 1.6, bbox queries at commune scale,
tiles over a recorded pan-and-zoom sequence (cold then warm), Chromium's first complete map and
JS heap, and 100 concurrent readers. Beyond `HTTP_SIZES_MAX`, only the import, the floor and the
bbox queries are measured (a full run at 1,000,000 would pass half an hour on two cores).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from app.core.cluster import free_port
from app.core.settings import LOCAL_STATE_DIR, PROJECT_ROOT
from bench.load import READ_SECONDS, READERS, reader_load
from bench.residences import write_residences
from tests.servers import running_app, serving

SIZES = (20_000, 200_000, 1_000_000)
HTTP_SIZES_MAX = 200_000
BROWSER_SIZES = (20_000, 200_000)
FULL_LAYER_LOAD_MAX = 20_000
"""Beyond, 100 readers of the full layer at once would each pull 90 MB (before gzip): the load
scenario asks one commune's layer instead, as a map zoomed on a town does."""
TIPG_VERSION = "1.6.0"
TIPG_VENV = LOCAL_STATE_DIR / "bench" / "tipg-venv"
"""tipg lives in its own environment, never among the app's dependencies."""
COMMUNES = {
    "59350": "Lille",
    "59512": "Roubaix",
    "80021": "Amiens",
    "62041": "Arras",
    "02691": "Saint-Quentin",
}
"""Communes whose bounding box makes the bbox queries (a map zoomed on one town)."""

LAYER_COLUMNS = (
    "r.id, r.code, r.name, b.name AS bailleur, r.commune_insee, r.nb_logements, r.qpv_code, r.geom"
)
LAYER_VIEW = f"""
CREATE VIEW bench_residence AS
SELECT {LAYER_COLUMNS} FROM residence r JOIN bailleur b ON b.id = r.bailleur_id
"""
"""The rows of the floor and of tipg: a residence's public fields, the landlord's name joined."""
FLOOR_SQL = "SELECT string_agg(ST_AsGeoJSON(t.*, 'geom', 6), ',') FROM ({rows}) AS t"
"""The floor: the same rows as GeoJSON text built in the database, no HTTP, no Python."""

VIEWPORT = (1600, 1000)
TILE_PATH = "/tiles/residences/{z}/{x}/{y}.pbf"
"""The tile contract (issue #10 part 2)."""
PAN_AND_ZOOM = (
    (7, 2.80, 50.10),
    (8, 2.80, 50.10),
    (9, 3.00, 50.50),
    (10, 3.06, 50.63),
    (11, 3.06, 50.63),
    (12, 3.06, 50.63),
    (13, 3.06, 50.63),
    (13, 3.15, 50.66),
    (13, 3.17, 50.69),
    (14, 3.17, 50.69),
    (15, 3.17, 50.69),
    (14, 3.10, 50.65),
    (12, 2.90, 50.45),
    (11, 2.78, 50.29),
    (12, 2.78, 50.29),
    (13, 2.78, 50.29),
    (10, 2.30, 49.90),
    (11, 2.30, 49.89),
    (12, 2.30, 49.89),
    (9, 2.80, 50.10),
)
"""A planner's session: the region, down to Lille and Roubaix, over to Arras, then Amiens."""


LOAD_TILES = tuple((13, x, y) for x in range(4164, 4168) for y in range(2754, 2757))
"""Twelve tiles over Lille and Roubaix at zoom 13 (the first views of `PAN_AND_ZOOM` are
mostly sea and neighbouring regions, empty tiles)."""


@dataclass
class Row:
    size: int
    what: str
    value: str


def median_ms(action: Callable[[], object], runs: int) -> tuple[float, object]:
    durations = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        durations.append((time.perf_counter() - start) * 1000)
    return statistics.median(durations), result


def percentiles(latencies: list[float]) -> str:
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms ({len(latencies)} tiles)"


def runs_for(size: int) -> int:
    return 5 if size <= 20_000 else 3


def tile_sequence() -> list[tuple[int, int, int]]:
    """The tiles each step of `PAN_AND_ZOOM` shows in a `VIEWPORT`, in order (a tile may come
    back: the warm pass asks every tile again)."""
    import math

    tiles: list[tuple[int, int, int]] = []
    for zoom, lon, lat in PAN_AND_ZOOM:
        n = 2**zoom
        x = (lon + 180) / 360 * n
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        half_w, half_h = VIEWPORT[0] / 512, VIEWPORT[1] / 512
        for tx in range(int(x - half_w), int(x + half_w) + 1):
            for ty in range(int(y - half_h), int(y + half_h) + 1):
                if 0 <= tx < n and 0 <= ty < n:
                    tiles.append((zoom, tx, ty))
    return tiles


def import_generated(url: str, path: Path) -> tuple[float, int, str]:
    """Run `qualiparc import residences` as a user would, under `/usr/bin/time -v`: wall
    seconds, peak resident memory in MB, and what the command said it wrote."""
    env = dict(os.environ, QUALIPARC_DATABASE_URL=url)
    command = [sys.executable, "-m", "app.cli", "import", "residences", str(path)]
    command += ["--crs", "EPSG:2154"]
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", *command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"import failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert peak, done.stderr
    said = [line for line in (done.stdout + done.stderr).splitlines() if "ajoutées" in line]
    return seconds, int(peak.group(1)) // 1024, " ".join(" ".join(said).split())


def commune_boxes(conn: psycopg.Connection) -> dict[str, tuple[float, float, float, float]]:
    rows = conn.execute(
        "SELECT insee, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM commune"
        " WHERE insee = ANY(%s)",
        (list(COMMUNES),),
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def floor_figures(url: str, size: int) -> tuple[list[Row], float, dict]:
    """The floor for the full layer and the bbox queries, straight from PostGIS."""
    rows: list[Row] = []
    with psycopg.connect(url) as conn:
        conn.execute(LAYER_VIEW)
        conn.commit()
        count = conn.execute("SELECT count(*) FROM bench_residence").fetchone()[0]
        full = FLOOR_SQL.format(rows="SELECT * FROM bench_residence")
        floor_ms, body = median_ms(lambda: conn.execute(full).fetchone()[0], runs_for(size))
        rows.append(
            Row(
                size,
                f"full layer floor, {count} residences (PostGIS text, no HTTP)",
                f"{floor_ms:.0f} ms ({len(body.encode()) / 1e6:.1f} MB)",
            )
        )
        boxes = commune_boxes(conn)
        bbox_sql = FLOOR_SQL.format(
            rows="SELECT * FROM bench_residence WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        )
        timings = []
        for box in boxes.values():
            ms, _ = median_ms(lambda b=box: conn.execute(bbox_sql, b).fetchone(), runs_for(size))
            timings.append(ms)
        rows.append(
            Row(
                size,
                f"bbox floor, one commune ({len(boxes)} communes, median of their medians)",
                f"{statistics.median(timings):.0f} ms (max {max(timings):.0f} ms)",
            )
        )
    return rows, floor_ms, boxes


def app_sql_figures(url: str, size: int, floor_ms: float) -> list[Row]:
    """The app's own layer SQL (`app/layers.py`, anonymous gate: default campaigns joined,
    grades hidden), in process: first its rows (every column the map reads, the grade joined)
    as text built by PostGIS alone, the floor of the same rows; then `residences_geojson`, what
    the server adds to that before HTTP and gzip."""
    from sqlalchemy import create_engine, text

    from app.core.database import sqlalchemy_url
    from app.layers import ResidenceFilter, residence_rows_sql, residences_geojson

    engine = create_engine(sqlalchemy_url(url))
    rows_sql, params = residence_rows_sql(ResidenceFilter())
    same_rows = text(FLOOR_SQL.format(rows=rows_sql))
    with engine.connect() as conn:
        same_ms, same_body = median_ms(
            lambda: conn.execute(same_rows, params).scalar_one(), runs_for(size)
        )
        ms, body = median_ms(lambda: residences_geojson(conn, ResidenceFilter()), runs_for(size))
    engine.dispose()
    assert isinstance(body, bytes) and isinstance(same_body, str)
    return [
        Row(
            size,
            "floor of the app's rows (its layer SQL, every column and the grade joined, "
            "text built by PostGIS alone)",
            f"{same_ms:.0f} ms ({same_ms / floor_ms:.1f}× the plain floor; "
            f"{len(same_body.encode()) / 1e6:.1f} MB)",
        ),
        Row(
            size,
            "full layer, qualiparc's SQL in process (`residences_geojson`, anonymous, no HTTP)",
            f"{ms:.0f} ms ({ms / same_ms:.2f}× the floor of its rows, {ms / floor_ms:.1f}× the "
            f"plain floor; {len(body) / 1e6:.1f} MB)",
        ),
    ]


def tipg_available() -> bool:
    """tipg in its own environment (`TIPG_VENV`), installed from the configured index once."""
    python = TIPG_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"tipg=={TIPG_VERSION}", "uvicorn"],
            check=False,
        )
        if installed.returncode != 0:
            return False
    return True


@contextmanager
def running_tipg(url: str) -> Iterator[str]:
    """tipg 1.6 served by uvicorn (one worker) on the scratch database."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        TIPG_MAX_FEATURES_PER_QUERY="2000000",
        TIPG_DB_SCHEMAS='["public"]',
        TIPG_DEFAULT_FEATURES_LIMIT="2000000",
    )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(TIPG_VENV / "bin" / "uvicorn"), "tipg.main:app", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            if not serving(process, f"{base}/healthz", 120):
                log.seek(0)
                raise RuntimeError(f"tipg did not start: {log.read()[-2000:]!r}")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


def http_ms(client: httpx.Client, url: str, runs: int) -> tuple[float, httpx.Response]:
    def get() -> httpx.Response:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        response.raise_for_status()
        return response

    ms, response = median_ms(get, runs)
    assert isinstance(response, httpx.Response)
    return ms, response


def layer_figures(base: str, size: int, count: int, floor_ms: float, boxes: dict) -> list[Row]:
    """The layer over HTTP: the first answer (built: a miss of the app's response cache), then
    the median of the next ones (served from the cache, until the data change)."""
    rows = []
    with httpx.Client(timeout=600) as client:
        cold_ms, _ = http_ms(client, f"{base}/api/residences", 1)
        rows.append(
            Row(
                size,
                f"full layer, qualiparc GET /api/residences, anonymous, gzip, first answer "
                f"(built, {count} residences)",
                f"{cold_ms:.0f} ms ({cold_ms / floor_ms:.1f}× floor)",
            )
        )
        ms, response = http_ms(client, f"{base}/api/residences", runs_for(size))
        wire = response.num_bytes_downloaded
        rows.append(
            Row(
                size,
                "full layer, qualiparc GET /api/residences, anonymous, gzip, next answers "
                "(the app's cache)",
                f"{ms:.0f} ms ({ms / floor_ms:.1f}× floor; {wire / 1e6:.1f} MB on the wire)",
            )
        )
        timings = []
        for box in boxes.values():
            bbox = ",".join(f"{v:.6f}" for v in box)
            ms, _ = http_ms(client, f"{base}/api/residences?bbox={bbox}", runs_for(size))
            timings.append(ms)
        rows.append(
            Row(
                size,
                "bbox query, one commune, qualiparc HTTP (median of the communes' medians)",
                f"{statistics.median(timings):.0f} ms (max {max(timings):.0f} ms)",
            )
        )
    return rows


def tipg_figures(url: str, size: int, count: int, floor_ms: float) -> list[Row]:
    if not tipg_available():
        return [Row(size, "full layer, tipg 1.6", "not measured: tipg could not be installed")]
    with running_tipg(url) as base, httpx.Client(timeout=900) as client:
        items = f"{base}/collections/public.bench_residence/items?limit={count + 1}"
        ms, response = http_ms(client, items, runs_for(size))
        returned = response.json().get("numberReturned")
    return [
        Row(
            size,
            f"full layer, tipg {TIPG_VERSION} on the same rows (HTTP, gzip; {returned} features)",
            f"{ms:.0f} ms ({ms / floor_ms:.1f}× floor)",
        )
    ]


def tile_figures(base: str, size: int) -> list[Row]:
    """Tiles of the pan-and-zoom sequence, once cold (first time asked since the server
    started) then warm; unmeasured when the server has no tiles (the `tiles` branch)."""
    sequence = tile_sequence()
    with httpx.Client(timeout=120) as client:
        probe = client.get(base + TILE_PATH.format(z=0, x=0, y=0))
        if probe.status_code == 404:
            return [
                Row(
                    size,
                    "tiles, pan-and-zoom sequence",
                    "not measured: no tile route on this build",
                )
            ]
        passes = {}
        for name in ("cold", "warm"):
            latencies = []
            for z, x, y in sequence:
                start = time.perf_counter()
                response = client.get(base + TILE_PATH.format(z=z, x=x, y=y))
                response.raise_for_status()
                latencies.append((time.perf_counter() - start) * 1000)
            passes[name] = latencies
    return [
        Row(
            size,
            f"tiles, pan-and-zoom sequence ({len(PAN_AND_ZOOM)} views), {name}",
            percentiles(latencies),
        )
        for name, latencies in passes.items()
    ]


BROWSER_LOADS = 5
"""Measured page loads, each in a fresh browser context (no HTTP cache, no compiled script)."""


def browser_figures(base: str, size: int) -> list[Row]:
    """Chromium's first complete map (navigation to `window.qualiparc.state() === 'ready'`)
    and its JS heap after a garbage collection, with the array buffers the heap only points to
    (the outlines' coordinates): median of `BROWSER_LOADS` page loads, each in a fresh context,
    after one load left out that starts the browser's own processes (its network service, GPU
    process and font cache: a visitor's browser is already running; that first load took
    0.3 to 0.6 s more)."""
    from playwright.sync_api import sync_playwright

    from tests.browsing import CHROMIUM, CHROMIUM_ARGS

    loads, heaps = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for index in range(BROWSER_LOADS + 1):
                context = browser.new_context(
                    viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]}, locale="fr-FR"
                )
                page = context.new_page()
                start = time.perf_counter()
                page.goto(base + "/")
                page.wait_for_function(
                    "() => window.qualiparc && window.qualiparc.state() === 'ready'",
                    timeout=180_000,
                )
                if index:  # the first load only starts the browser's processes
                    loads.append((time.perf_counter() - start) * 1000)
                    cdp = context.new_cdp_session(page)
                    cdp.send("HeapProfiler.collectGarbage")
                    usage = cdp.send("Runtime.getHeapUsage")
                    heaps.append((usage["usedSize"] + usage.get("backingStorageSize", 0)) / 1e6)
                context.close()
        finally:
            browser.close()
    return [
        Row(
            size,
            f"Chromium: first complete map (navigation to ready, median of {BROWSER_LOADS} loads "
            "in fresh contexts, the browser started)",
            f"{statistics.median(loads):.0f} ms ({min(loads):.0f} to {max(loads):.0f} ms)",
        ),
        Row(
            size,
            "Chromium: JS heap once the map is complete, with its array buffers",
            f"{statistics.median(heaps):.0f} MB",
        ),
    ]


def load_figures(url: str, base: str, size: int, boxes: dict) -> list[Row]:
    """100 concurrent readers for `READ_SECONDS`, anonymous then authenticated, asking in turn
    one commune's bbox, the full layer (up to `FULL_LAYER_LOAD_MAX` residences; beyond, one
    commune's layer) and, when the server has them, twelve tiles of Lille and Roubaix."""
    box = ",".join(f"{v:.6f}" for v in boxes.get("59350", next(iter(boxes.values()))))
    layer = "/api/residences" if size <= FULL_LAYER_LOAD_MAX else "/api/residences?commune=59350"
    pages = [f"/api/residences?bbox={box}", layer]
    with httpx.Client(timeout=60) as client:
        if client.get(base + TILE_PATH.format(z=0, x=0, y=0)).status_code != 404:
            pages += [TILE_PATH.format(z=z, x=x, y=y) for z, x, y in LOAD_TILES]
    rows = []
    for authenticated in (False, True):
        reading = reader_load(url, base, pages, authenticated=authenticated)
        who = "authenticated (API tokens of readers of the MEL)" if authenticated else "anonymous"
        rows.append(
            Row(
                size,
                f"load: {READERS} concurrent {who} readers for {READ_SECONDS} s, each request "
                "the next of (one commune bbox, "
                f"{'full layer' if layer == '/api/residences' else 'Lille layer'}"
                f"{', 12 tiles' if len(pages) > 2 else ''}), 2 workers",
                reading.summary(),
            )
        )
    return rows


def measure_size(template_url: str, size: int, scratch: Path) -> list[Row]:
    url = clone(template_url, f"qualiparc_bench_{size}")
    rows: list[Row] = []
    try:
        path = scratch / f"residences-{size}.csv"
        generated = write_residences(url, size, path)
        seconds, peak_mb, last = import_generated(url, path)
        rows.append(
            Row(
                size,
                f"import of {generated} generated Lambert-93 rows with placement "
                "(`qualiparc import residences`, one transaction)",
                f"{seconds:.1f} s ({generated / seconds:,.0f} rows/s), peak RSS {peak_mb} MB",
            )
        )
        print(f"  import: {rows[-1].value} — {last}", flush=True)
        floor_rows, floor_ms, boxes = floor_figures(url, size)
        rows += floor_rows
        with psycopg.connect(url) as conn:
            count = conn.execute("SELECT count(*) FROM residence").fetchone()[0]
        rows += app_sql_figures(url, size, floor_ms)
        if size > HTTP_SIZES_MAX:
            return rows
        rows += tipg_figures(url, size, count, floor_ms)
        with running_app(url, workers=2) as base:
            rows += tile_figures(base, size)
            rows += layer_figures(base, size, count, floor_ms, boxes)
            if size in BROWSER_SIZES:
                rows += browser_figures(base, size)
            rows += load_figures(url, base, size, boxes)
        return rows
    finally:
        drop(url)


def clone(template_url: str, name: str) -> str:
    server = template_url.rsplit("/", 1)[0]
    template = template_url.rsplit("/", 1)[1]
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return f"{server}/{name}"


def drop(url: str) -> None:
    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_scale(template_url: str, sizes: tuple[int, ...]) -> list[Row]:
    """Every size in turn, on the demo loaded in `template_url` (no connection may stay open on
    it: each size clones it)."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            print(f"size {size}…", flush=True)
            rows += measure_size(template_url, size, Path(tmp))
            for row in rows:
                if row.size == size:
                    print(f"  {row.what}: {row.value}", flush=True)
    return rows
