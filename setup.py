"""Build hook of the package (the metadata are in pyproject.toml): a wheel, a `pip install .` or an
sdist carries the built front end (app/static), built here by `node frontend/build.mjs` when it is
missing and the npm packages are installed. Without them the package is built anyway, with a
French warning; the application then says on every page how to build the front end."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent


def _assets():
    """app/core/assets.py, read without importing the application (nothing is installed yet)."""
    spec = importlib.util.spec_from_file_location("_qualiparc_assets", ROOT / "app/core/assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_front_end() -> None:
    """Run `node frontend/build.mjs` when app/static lacks a built file and it can run."""
    assets = _assets()
    if not assets.missing_assets(assets.STATIC_DIR):
        return
    node = shutil.which("node")
    if node and (ROOT / "frontend" / "node_modules").is_dir():
        subprocess.run([node, str(ROOT / "frontend" / "build.mjs")], cwd=ROOT, check=True)
        return
    print(
        "qualiparc : front end non construit (node ou frontend/node_modules absent) ; le paquet "
        f"n'aura pas la carte. Lancez « {assets.BUILD_COMMAND} » avant de construire le paquet.",
        file=sys.stderr,
    )


class BuildPy(build_py):
    """Build the front end before collecting the package data (not for an editable install,
    which serves app/static from the sources)."""

    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            build_front_end()
        super().run()


class Sdist(sdist):
    def run(self) -> None:
        build_front_end()
        super().run()


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
