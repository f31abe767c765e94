"""Run the real app (uvicorn, N workers) on a database, for browser and multi-process tests."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO

import httpx

from app.core.cluster import free_port
from app.core.settings import PROJECT_ROOT

START_TIMEOUT_S = 120
"""Two workers importing the app on a loaded 2-core machine can take a minute."""


def _stop(process: subprocess.Popen, log: IO[bytes], timeout: float = 20) -> str:
    """Stop the server and its workers (its own process group); return what it wrote."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.seek(0)
    return log.read().decode(errors="replace")[-4000:]


def serving(process: subprocess.Popen, url: str, timeout_s: float) -> bool:
    """Whether `url` answers 200 before `process` ends or `timeout_s` pass (polled)."""
    deadline = time.monotonic() + timeout_s
    while process.poll() is None and time.monotonic() <= deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


@contextmanager
def running_app(database_url: str, *, workers: int = 2) -> Iterator[str]:
    """Serve the app on a free port until the block ends; yields its base URL once ready."""
    port = free_port()
    env = dict(os.environ, QUALIPARC_DATABASE_URL=database_url)
    env.setdefault("QUALIPARC_SECRET_KEY", secrets.token_urlsafe(48))  # e.g. for `make bench`
    # The server writes to a file, not a pipe: a full pipe would block it.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "app.cli", "serve"),
                *("--port", str(port), "--workers", str(workers)),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            if not serving(process, f"{base}/readyz", START_TIMEOUT_S):
                output = _stop(process, log, 5)
                raise RuntimeError(f"Le serveur de test n'a pas démarré : {output}")
            yield base
        finally:
            _stop(process, log)
