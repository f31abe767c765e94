"""GIS clients read the OGC API from a live server (uvicorn, the demo): GDAL's OAPIF driver
(`ogrinfo`, Debian's gdal-bin) and QGIS 3.22 (Debian's python3-qgis, headless) list every
collection, count its features and read the small ones, anonymously and with an administrator's
API token; the counts are the database's, and grades appear only with the token.

scripts/setup.sh installs both (WITH_GIS=1, set by `make test`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.access.gate import Gate, default_campaign_id
from app.analysis.aggregates import quartier_rows
from app.auth.principal import load_principal
from app.core.database import sqlalchemy_url
from app.ogc.collections import COLLECTIONS

CU_ARRAS = "200033579"
"""The demo's EPCI (tests/conftest.py)."""
QGIS_PYTHON = "/usr/bin/python3"
"""Debian's Python, which holds QGIS's bindings (not the project's virtualenv)."""
QGIS_SCRIPT = Path(__file__).with_name("qgis_layers.py")
LARGE = {"communes"}
"""Counted, not read: 3,782 outlines paged by the client would only slow the test down."""
TABLES = {
    "residences": "SELECT count(*) FROM residence",
    "qpv": "SELECT count(*) FROM qpv",
    "communes": "SELECT count(*) FROM commune WHERE geom IS NOT NULL",
    "epci": "SELECT count(*) FROM epci WHERE geom IS NOT NULL",
}
TIMEOUT_S = 300


@dataclass(frozen=True)
class Caller:
    name: str
    token: str | None
    counts: dict[str, int]
    """The database's count of each collection's features, as this caller may read them."""
    graded: int
    """Residences whose grade this caller reads."""


@pytest.fixture(scope="module")
def callers(demo_url: str) -> Iterator[list[Caller]]:
    from app.auth.accounts import create_account, create_token

    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.begin() as conn:
        account_id = create_account(conn, "qgis@arras.test", "admin", [CU_ARRAS])
        token = create_token(conn, "qgis@arras.test")
        graded = conn.execute(
            text(
                "SELECT count(*) FROM campaign_residence"
                " WHERE campaign_id = :c AND agreed_grade IS NOT NULL"
            ),
            {"c": default_campaign_id(conn, CU_ARRAS)},
        ).scalar_one()
        territory = {name: conn.execute(text(sql)).scalar_one() for name, sql in TABLES.items()}
        found = []
        for name, principal, credential, readable in (
            ("anonyme", None, None, 0),
            ("administrateur", load_principal(conn, account_id), token, graded),
        ):
            counts = {
                f"quartiers-{level}": len(quartier_rows(conn, level, gate=Gate(principal)))
                for level in ("qpv", "iris", "commune", "epci")
            }
            found.append(Caller(name, credential, {**territory, **counts}, readable))
    engine.dispose()
    assert set(found[0].counts) == set(COLLECTIONS)
    assert found[1].graded > 0 and found[1].counts["quartiers-qpv"] > 0
    yield found


def ogrinfo(source: str, *args: str, token: str | None = None) -> str:
    headers = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"] if token else []
    result = subprocess.run(
        ["ogrinfo", *headers, "-ro", "-oo", "PAGE_SIZE=1000", f"OAPIF:{source}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0 and "ERROR" not in result.stderr, result.stderr
    return result.stdout


def test_gdal_lists_counts_and_reads_every_collection(live_server: str, callers: list[Caller]):
    source = f"{live_server}/ogc"
    listed = re.findall(r"^\d+: (\S+) \(title: ", ogrinfo(source, "-so"), re.MULTILINE)
    assert listed == list(COLLECTIONS)
    for caller in callers:
        for name, expected in caller.counts.items():
            summary = ogrinfo(source, "-so", name, token=caller.token)
            count = re.search(r"^Feature Count: (\d+)$", summary, re.MULTILINE)
            assert count and int(count[1]) == expected, f"{caller.name}, {name}: {summary}"
            if name in LARGE:
                continue
            features = ogrinfo(source, "-q", name, token=caller.token)
            read = len(re.findall(r"^OGRFeature\(", features, re.MULTILINE))
            assert read == expected, f"{caller.name}, {name}: {read} read, {expected} expected"
            if name == "residences":
                graded = re.findall(r"^\s+grade \(Integer\) = \d", features, re.MULTILINE)
                assert len(graded) == caller.graded, caller.name


def test_qgis_opens_counts_and_reads_every_collection(
    live_server: str, callers: list[Caller], tmp_path: Path
):
    environment = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "QGIS_AUTH_DB_DIR_PATH": str(tmp_path),
    }
    specs = [name if name in LARGE else f"{name}:read" for name in COLLECTIONS]
    for caller in callers:
        out = tmp_path / f"{caller.name}.json"
        command = [QGIS_PYTHON, str(QGIS_SCRIPT), str(out), f"{live_server}/ogc"]
        result = subprocess.run(
            [*command, caller.token or "-", *specs],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=environment,
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        layers = json.loads(out.read_text(encoding="utf-8"))
        for name, expected in caller.counts.items():
            layer = layers[name]
            assert layer["valid"], f"{caller.name}, {name}: invalid layer"
            assert layer["count"] == expected, f"{caller.name}, {name}: {layer}"
            if expected:
                assert layer["crs"] == "EPSG:4326", f"{caller.name}, {name}: {layer}"
            if name not in LARGE:
                assert layer["read"] == expected, f"{caller.name}, {name}: {layer}"
        assert layers["residences"]["graded"] == caller.graded, caller.name
