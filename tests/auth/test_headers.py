"""Security headers on every response (pages, API, errors, static files), a policy that forbids
inline scripts, templates that need none, and HTML downloads kept in a sandbox."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from app.core.headers import SecurityHeaders, content_security_policy, tile_origin
from app.core.settings import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "app" / "templates"


def policy(response) -> dict[str, str]:
    directives = response.headers["content-security-policy"].split(";")
    return {d.split()[0]: d.strip() for d in directives if d.strip()}


def test_pages_api_errors_and_static_files_carry_the_headers(client: TestClient):
    for path in (
        "/",
        "/connexion",
        "/docs",
        "/api/epci",
        "/api/nulle-part",
        "/static/css/base.css",
    ):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
        assert response.headers["x-frame-options"] == "DENY", path
        directives = policy(response)
        assert directives["frame-ancestors"] == "frame-ancestors 'none'", path
        assert directives["script-src"] == "script-src 'self'", path
        assert directives["object-src"] == "object-src 'none'", path
        assert "strict-transport-security" not in response.headers


def test_no_template_needs_an_inline_script():
    for template in sorted(TEMPLATES.glob("*.html")):
        html = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert " src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), template.name
        assert "javascript:" not in html, template.name


def test_the_api_docs_start_from_a_file(client: TestClient):
    html = client.get("/docs").text
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    assert scripts and all(not body.strip() for body in scripts)
    assert '<script src="/static/js/docs/swagger.js"></script>' in html


def test_an_html_download_is_sandboxed():
    def offline_map(_request):
        return HTMLResponse(
            "<script>alert(1)</script>",
            headers={"Content-Disposition": 'attachment; filename="carte.html"'},
        )

    app = SecurityHeaders(Starlette(routes=[Route("/carte.html", offline_map)]))
    directives = policy(TestClient(app).get("/carte.html"))
    assert directives["sandbox"] == "sandbox allow-scripts allow-popups"
    assert directives["default-src"] == "default-src 'none'"


def test_https_and_base_map_settings(db_url: str, settings_env):
    from app.main import create_app

    settings_env.setenv("QUALIPARC_SECURE_COOKIES", "true")
    response = TestClient(create_app()).get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert tile_origin("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://*.tile.openstreetmap.org"
    )
    images = content_security_policy("https://data.geopf.fr/wmts?TILEMATRIX={z}").split("; ")
    assert "img-src 'self' data: blob: https://data.geopf.fr" in images


def test_the_script_files_exist(client: TestClient):
    """The files the templates name are served (built by `node frontend/build.mjs`)."""
    names = set()
    for template in TEMPLATES.glob("*.html"):
        names |= set(re.findall(r'src="(/static/[^"]+)"', template.read_text(encoding="utf-8")))
    for name in sorted(names):
        assert client.get(name).status_code == 200, name
    assert Path(PROJECT_ROOT / "frontend" / "src" / "docs" / "swagger.js").is_file()
