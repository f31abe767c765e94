"""The OpenAPI document: every operation lists the statuses it may answer, with the error schema.

The statuses derive from what a route declares: its access policy (a role list: 401 and 403),
its parameters (422, and 400 on the OGC API), its database connection (503), its body (413, and
403 for a missing CSRF token), its path parameters or `campaign` filter (404); the few that only a
service knows are in `EXTRA_STATUSES`. They are written here once, never on the routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from app.access.policy import declared_policy
from app.api.responses import GEOJSON_SCHEMA, GeoJSONResponse
from app.api.routes.ogc import OgcRoute
from app.auth.deps import SAFE_METHODS, get_connection, optional_principal

REF = "#/components/schemas/{model}"


class ErrorDetail(BaseModel):
    """What went wrong; some errors add fields (`details`, `errors`, `current`…)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Code stable, ex. « parametre_invalide », « interdit »")
    message: str = Field(description="Explication en français")


class ErrorBody(BaseModel):
    """Every error of the API: `{"error": {"code", "message", …}}`."""

    error: ErrorDetail


STATUS_DESCRIPTIONS = {
    400: "Paramètre invalide (OGC API – Features)",
    401: "Connexion requise, ou jeton d'API invalide ou révoqué",
    403: "Action hors des droits du compte (ou jeton CSRF manquant)",
    404: "Ressource introuvable",
    409: "Conflit : version périmée, doublon ou changement d'état impossible",
    413: "Corps de requête trop volumineux",
    422: "Paramètre, adresse ou corps invalide",
    429: "Trop de tentatives : réessayer plus tard",
    503: "Service momentanément indisponible",
}
CAMPAIGN = "/api/campaigns/{campaign_id}"
EXTRA_STATUSES: dict[tuple[str, str], frozenset[int]] = {
    ("POST", "/api/auth/login"): frozenset({401, 429}),
    ("POST", "/api/campaigns"): frozenset({404, 409}),
    ("PATCH", CAMPAIGN): frozenset({409}),
    ("PUT", CAMPAIGN + "/grades/{residence_code}"): frozenset({409}),
    ("PUT", CAMPAIGN + "/harmonisations/{residence_code}"): frozenset({409}),
    ("PATCH", CAMPAIGN + "/day"): frozenset({409}),
    ("POST", CAMPAIGN + "/day/sign-off"): frozenset({409}),
    ("GET", "/api/quartiers"): frozenset({403}),
    ("GET", "/elu/print.pdf"): frozenset({404}),
    ("GET", "/ogc/collections/{collection_id}/items"): frozenset({403}),
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): frozenset({403}),
}
"""Statuses that only the service behind a route knows: (method, path) → statuses."""


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _response_class(route: RouteContext) -> type:
    declared = route.response_class
    return declared.value if isinstance(declared, DefaultPlaceholder) else declared


def route_statuses(route: RouteContext, method: str) -> set[int]:
    """The error statuses `route` may answer to `method`."""
    statuses = {422}  # any request may carry a bad path, query or body (app.api.inputs)
    if isinstance(route.original_route, OgcRoute):
        statuses.add(400)  # the OGC API's invalid parameters
    identifies = any(d.call is optional_principal for d in _dependants(route.dependant))
    if identifies:
        statuses.add(401)
    policy = declared_policy(route.dependant.dependencies)
    if policy is not None and policy.signed_in:
        statuses |= {401, 403}
    if route.body_field is not None:
        statuses.add(413)
        if identifies and method not in SAFE_METHODS:
            statuses.add(403)
    dependants = list(_dependants(route.dependant))
    if any(d.call is get_connection for d in dependants):
        statuses.add(503)  # no free database connection in time
    if any(d.path_params for d in dependants) or any(
        param.name == "campaign" for d in dependants for param in d.query_params
    ):
        statuses.add(404)
    return statuses | EXTRA_STATUSES.get((method, route.path), frozenset())


def api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """The routes of the OpenAPI document, as mounted (prefixes and router dependencies in)."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            yield route


def error_response(status: int) -> dict[str, Any]:
    return {
        "description": STATUS_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}},
    }


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every operation's error statuses and the GeoJSON bodies."""
    spec = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for route in api_routes(app):
        for method in route.methods:
            operation = spec["paths"][route.path_format][method.lower()]
            responses = operation["responses"]
            for status in sorted(route_statuses(route, method)):
                if status == 422 or str(status) not in responses:
                    responses[str(status)] = error_response(status)
            if _response_class(route) is GeoJSONResponse:
                success = responses[str(route.status_code or 200)]
                success["content"] = {GeoJSONResponse.media_type: {"schema": GEOJSON_SCHEMA}}
            operation["responses"] = dict(sorted(responses.items()))
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    error_schema = ErrorBody.model_json_schema(ref_template=REF)
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    return spec


def install_openapi(app: FastAPI) -> None:
    """Serve `document(app)` as the application's OpenAPI (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
