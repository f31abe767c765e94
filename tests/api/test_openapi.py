"""The OpenAPI lists, for every operation, the statuses it answers, with the error schema."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.access.policy import declared_policy
from app.api.openapi import EXTRA_STATUSES, api_routes
from app.main import create_app


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture(scope="module")
def spec(app) -> dict:
    return TestClient(app).get("/openapi.json").json()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_every_operation_documents_bad_input_with_the_error_schema(spec):
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert "422" in responses, (method, path)
        for status, response in responses.items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert schema == error_ref, (method, path, status)
    error = spec["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_statuses_follow_the_access_policy_and_the_body(app, spec):
    for route in api_routes(app):
        policy = declared_policy(route.dependant.dependencies)
        assert policy is not None, route.path
        for method in route.methods:
            documented = set(spec["paths"][route.path_format][method.lower()]["responses"])
            assert "401" in documented, (method, route.path)
            if policy.signed_in:
                assert {"401", "403"} <= documented, (method, route.path)
            if route.body_field is not None:
                assert {"413", "403"} <= documented, (method, route.path)
            if "{" in route.path_format:
                assert "404" in documented, (method, route.path)


def test_extra_statuses_name_existing_operations(spec):
    for (method, path), statuses in EXTRA_STATUSES.items():
        responses = spec["paths"][path][method.lower()]["responses"]
        assert {str(status) for status in statuses} <= set(responses), (method, path)


def test_known_statuses_of_the_contract(spec):
    def documented(method: str, path: str) -> set[str]:
        return set(spec["paths"][path][method]["responses"])

    assert {"409", "404", "403", "401"} <= documented(
        "put", "/api/campaigns/{campaign_id}/harmonisations/{residence_code}"
    )
    assert "429" in documented("post", "/api/auth/login")
    assert "503" in documented("get", "/readyz")
    assert "404" in documented("get", "/api/residences")


def test_files_and_geojson_have_their_media_types(spec):
    residences = spec["paths"]["/api/residences"]["get"]["responses"]["200"]["content"]
    assert residences["application/geo+json"]["schema"]["required"] == ["type"]
    exports = spec["paths"]["/api/exports/residences.{fmt}"]["get"]["responses"]["200"]
    assert set(exports["content"]) == {
        "text/csv; charset=utf-8",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/geo+json",
        "application/geopackage+sqlite3",
    }
    png = spec["paths"]["/api/print/map.png"]["get"]["responses"]["200"]["content"]
    assert set(png) == {"image/png"}


def test_typed_limits_are_documented(spec):
    def parameter(path: str, name: str) -> dict:
        found = spec["paths"][path]["get"]["parameters"]
        return next(p for p in found if p["name"] == name)["schema"]

    campaign = parameter("/api/campaigns/{campaign_id}", "campaign_id")
    assert (campaign["minimum"], campaign["maximum"]) == (1, 2**31 - 1)
    epci = parameter("/api/residences", "epci")["anyOf"][0]
    assert epci["pattern"] == "^[0-9]{9}$"
    bailleur = parameter("/api/residences", "bailleur")["anyOf"][0]
    assert bailleur["maxLength"] == 200
    level = parameter("/api/quartiers", "level")
    assert level["enum"] == ["qpv", "iris", "commune", "epci"]
    grade = spec["components"]["schemas"]["GradeBody"]["properties"]["value"]
    assert (grade["type"], grade["minimum"], grade["maximum"]) == ("integer", 1, 4)
