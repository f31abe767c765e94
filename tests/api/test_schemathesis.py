"""schemathesis against the served app, as an anonymous visitor and as an EPCI administrator.

`--checks all` on every operation of the OpenAPI: no 5xx, no status the OpenAPI does not list,
bodies and content types as documented, schema-invalid input refused. Bounded (a few examples per
operation, a fixed seed), the two callers run side by side, on a private copy of the demo that
the administrator may change. The live stream (`/events`) is left out: it answers only when its
campaign changes, so every call would wait for schemathesis's time-out; tests/meeting covers it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from tests.servers import running_app

CONFIG = Path(__file__).with_name("schemathesis.toml")
CU_ARRAS = "200033579"
EXAMPLES = 5
SEED = 2026
RUN_LIMIT_S = 540
"""A run takes about 2–3 minutes on 2 cores; past this, something hangs."""


@dataclass
class Target:
    base: str
    token: str
    dictionaries: str
    """TOML: the database's identifiers, for schemathesis to reach existing resources."""


def _toml_list(values: list) -> str:
    return "[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in values) + "]"


@pytest.fixture(scope="module")
def target(demo_copy: Callable[[str], str]) -> Iterator[Target]:
    from app.auth.accounts import create_account, create_token

    url = demo_copy(f"qualiparc_schemathesis_{os.getpid()}")
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        create_account(conn, "fuzz@arras.test", "admin", [CU_ARRAS])
        token = create_token(conn, "fuzz@arras.test")
        campaigns = list(conn.execute(text("SELECT id FROM campaign ORDER BY id")).scalars())
        residences = list(
            conn.execute(text("SELECT code FROM residence ORDER BY code LIMIT 3")).scalars()
        )
        communes = list(
            conn.execute(
                text("SELECT DISTINCT commune_insee FROM residence ORDER BY 1 LIMIT 3")
            ).scalars()
        )
    engine.dispose()
    dictionaries = "\n".join(
        f"[dictionaries.{name}]\nvalues = {_toml_list(values)}"
        for name, values in (
            ("campaigns", campaigns),
            ("residences", residences),
            ("communes", communes),
            ("epci", [CU_ARRAS]),
        )
    )
    with running_app(url, workers=2) as base:
        yield Target(base, token, dictionaries)


def _command(config: Path, base: str, headers: list[str]) -> list[str]:
    executable = Path(sys.executable).with_name("schemathesis")
    program = str(executable) if executable.exists() else shutil.which("schemathesis")
    assert program, "schemathesis n'est pas installé (extra « test » de pyproject.toml)"
    command = [program, "--config-file", str(config), "run", f"{base}/openapi.json"]
    command += ["--checks", "all", "--max-examples", str(EXAMPLES), "--seed", str(SEED)]
    command += ["--exclude-path-regex", "/events$", "--workers", "1", "--no-color"]
    for header in headers:
        command += ["--header", header]
    return command


def test_schemathesis_finds_no_server_error_nor_undocumented_status(target: Target, tmp_path):
    """One worker each: Hypothesis parses its strategies' sources, which CPython 3.11 does not
    do safely from several threads."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8") + "\n" + target.dictionaries + "\n")
    callers = {
        "anonyme": [],
        "administrateur": [f"Authorization: Bearer {target.token}"],
    }
    runs = {}
    for caller, headers in callers.items():
        directory = tmp_path / caller
        directory.mkdir()
        log = (directory / "schemathesis.log").open("w", encoding="utf-8")
        runs[caller] = (
            subprocess.Popen(
                _command(config, target.base, headers),
                cwd=directory,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "NO_COLOR": "1"},
            ),
            log,
        )
    outcomes = {}
    for caller, (process, log) in runs.items():
        try:
            process.wait(timeout=RUN_LIMIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        output = (tmp_path / caller / "schemathesis.log").read_text(encoding="utf-8")
        outcomes[caller] = (process.returncode, output)
    for caller, (code, output) in outcomes.items():
        assert code == 0, f"schemathesis ({caller}) a trouvé des défauts :\n{output[-12000:]}"
        assert "No issues found" in output or " passed" in output, output[-3000:]
