"""The package is whole (issue #9): a wheel carries the built front end, and an install without
it says in French how to build it, never a map whose assets are all 404 nor a 500."""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.assets import BUILD_COMMAND, BUILT_ASSETS
from app.core.settings import PROJECT_ROOT

SOURCES = ("pyproject.toml", "setup.py", "README.md", "app", "geo", "frontend")
LEFT_OUT = shutil.ignore_patterns(
    "node_modules", "__pycache__", "*.egg-info", "js", "css", "vendor", "build", "dist"
)
"""What a fresh checkout lacks: the npm packages, caches and the built front end."""


def checkout(directory: Path, *, npm_packages: bool) -> Path:
    """The package's sources in `directory`, without app/static's built files; the npm
    packages of this checkout linked in when `npm_packages`."""
    source = directory / "qualiparc"
    source.mkdir()
    for name in SOURCES:
        origin = PROJECT_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=LEFT_OUT)
        else:
            shutil.copy2(origin, source / name)
    assert not (source / "app" / "static" / "js").exists()
    if npm_packages:
        (source / "frontend" / "node_modules").symlink_to(PROJECT_ROOT / "frontend/node_modules")
    return source


def build_wheel(source: Path) -> tuple[zipfile.ZipFile, str]:
    """`pip wheel .` offline (no build isolation); the wheel and pip's output."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", "dist", "-v"],
        cwd=source, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = (source / "dist").glob("qualiparc-*.whl")
    return zipfile.ZipFile(wheel), done.stdout + done.stderr


def test_a_wheel_built_from_a_fresh_checkout_carries_the_built_front_end(tmp_path):
    wheel, _ = build_wheel(checkout(tmp_path, npm_packages=True))
    names = set(wheel.namelist())
    assert {f"app/static/{asset}" for asset in BUILT_ASSETS} <= names
    assert "app/templates/index.html" in names
    assert "app/static/vendor/leaflet/images/marker-icon.png" in names


def test_without_npm_packages_the_wheel_is_built_with_a_french_warning(tmp_path):
    wheel, output = build_wheel(checkout(tmp_path, npm_packages=False))
    assert "front end non construit" in output and BUILD_COMMAND in output
    assert "app/static/js/main.js" not in wheel.namelist()
    assert "app/templates/index.html" in wheel.namelist()


@pytest.fixture
def unbuilt(db_url, tmp_path):
    """The application serving an empty app/static, as an install without the front end."""
    from app.main import create_app

    with TestClient(create_app(static_dir=tmp_path / "static")) as client:
        yield client


def test_without_the_front_end_every_page_says_how_to_build_it(unbuilt):
    page = unbuilt.get("/")
    assert page.status_code == 503
    text = html.unescape(page.text)
    assert "Le front end n'est pas construit" in text
    assert "scripts/setup.sh" in text and BUILD_COMMAND in text
    for path in ("/docs", "/quartiers", "/connexion"):
        assert "Le front end n'est pas construit" in html.unescape(unbuilt.get(path).text), path


def test_without_the_front_end_assets_and_the_offline_map_answer_in_french(unbuilt):
    asset = unbuilt.get("/static/js/main.js")
    assert asset.status_code == 404
    assert asset.json()["error"]["message"].startswith("Le front end n'est pas construit")
    offline = unbuilt.get("/api/exports/map.html")
    assert offline.status_code == 503
    message = offline.json()["error"]["message"]
    assert message.startswith("Carte hors ligne indisponible. Le front end n'est pas construit")
    assert BUILD_COMMAND in message


def test_with_the_front_end_no_page_warns(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Le front end n'est pas construit" not in html.unescape(page.text)
    assert client.get("/static/js/main.js").status_code == 200
    missing = client.get("/static/js/absent.js")
    assert missing.json()["error"]["message"] == "Ressource introuvable."


def test_built_files_go_as_the_gzip_twins_the_build_wrote(client: TestClient):
    """No compression per request: a browser that takes gzip gets the twin (the same bytes once
    decoded, the original's media type, a 304 when it has it), another gets the file."""
    from app.core.assets import STATIC_DIR

    path = "vendor/leaflet/leaflet-src.esm.js"
    original = (STATIC_DIR / path).read_bytes()
    zipped = client.get(f"/static/{path}", headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200 and zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"].startswith("text/javascript")
    assert int(zipped.headers["content-length"]) == (STATIC_DIR / f"{path}.gz").stat().st_size
    assert zipped.content == original
    kept = {"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]}
    assert client.get(f"/static/{path}", headers=kept).status_code == 304
    plain = client.get(f"/static/{path}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == original
