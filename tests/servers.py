"""Run the real app (uvicorn, N workers) on a database, for browser and multi-process tests."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from app.core.cluster import free_port
from app.core.settings import PROJECT_ROOT


@contextmanager
def running_app(database_url: str, *, workers: int = 2) -> Iterator[str]:
    """Serve the app on a free port until the block ends; yields its base URL once ready."""
    port = free_port()
    env = dict(os.environ, QUALIPARC_DATABASE_URL=database_url)
    env.setdefault("QUALIPARC_SECRET_KEY", secrets.token_urlsafe(48))  # e.g. for `make bench`
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"Le serveur de test n'a pas démarré : {process.stderr.read()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
