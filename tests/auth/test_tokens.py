"""An API token signs in as `Authorization: Bearer TOKEN`, or as the password of HTTP Basic
authentication, the user name unread: the one credential GIS clients such as QGIS 3.22 store
(docs/qgis.md). A wrong, revoked or unreadable token is a 401, never an anonymous call."""

from __future__ import annotations

import base64

from tests.auth.conftest import Site


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_the_token_as_the_password_of_basic_authentication(site: Site):
    token = site.headers["lille"]["Authorization"].removeprefix("Bearer ")
    bearer = site.client.get("/api/auth/me", headers=site.headers["lille"])
    for user in ("lille@test.example", "planificateur", ""):
        answer = site.client.get("/api/auth/me", headers=basic(user, token))
        assert answer.status_code == 200, answer.text
        assert answer.json() == bearer.json()
    site.sql("UPDATE api_token SET revoked_at = now()")
    for headers in (
        basic("lille@test.example", token),
        basic("lille@test.example", "qp_faux"),
        {"Authorization": "Basic pas-du-base64!"},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe").decode()},
        {"Authorization": "Bearer"},
    ):
        refused = site.client.get("/api/auth/me", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.json()["error"]["message"] == "Jeton d'API invalide ou révoqué."
