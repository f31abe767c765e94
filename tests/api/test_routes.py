"""The map API on the demo of the CU d'Arras: GeoJSON layers, filters, errors."""

from __future__ import annotations

from itertools import accumulate

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from geo.grades import DEFAULT_LABELS
from geo.outlines import mercator_pixels
from tests.packed_outlines import unpack
from tests.tokens import bearer

ARRAS = "62041"
CU_ARRAS = "200033579"


@pytest.fixture(scope="module")
def demo_counts(demo_url: str) -> dict:
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                text(
                    "SELECT count(*) AS total,"
                    " count(*) FILTER (WHERE qpv_code IS NOT NULL) AS in_qpv,"
                    " count(*) FILTER (WHERE commune_insee = :arras) AS arras FROM residence"
                ),
                {"arras": ARRAS},
            )
            .mappings()
            .one()
        )
    engine.dispose()
    return counts


def test_health_and_readiness(demo_client):
    assert demo_client.get("/healthz").json() == {"status": "ok"}
    assert demo_client.get("/readyz").json() == {"status": "ok"}


def test_residences_layer_is_geojson_with_contract_properties(demo_client, demo_counts):
    response = demo_client.get("/api/residences")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == demo_counts["total"] > 100
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Point"
    for key in (
        "code",
        "name",
        "bailleur",
        "commune_insee",
        "nb_logements",
        "grade",
        "qpv_code",
        "distance_qpv_m",
    ):
        assert key in feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    assert 1.5 < lon < 3.5 and 49.9 < lat < 50.6


def test_anonymous_callers_never_get_residence_grades(demo_client):
    features = demo_client.get("/api/residences").json()["features"]
    assert {f["properties"]["grade"] for f in features} == {None}


def test_signed_in_administrator_sees_agreed_grades(demo_client, demo_url):
    headers = bearer(demo_url, "admin-api-test@arras.test", "admin", [CU_ARRAS])
    features = demo_client.get("/api/residences", headers=headers).json()["features"]
    grades = {f["properties"]["grade"] for f in features}
    assert {1, 2, 3, 4} <= grades
    graded = next(f for f in features if f["properties"]["grade"])
    assert graded["properties"]["grade_label"] == DEFAULT_LABELS[graded["properties"]["grade"]]
    only_fragile = demo_client.get("/api/residences?grade=1&grade=2", headers=headers).json()
    assert only_fragile["features"]
    assert {f["properties"]["grade"] for f in only_fragile["features"]} <= {1, 2}


def test_filters_commune_qpv_and_bbox(demo_client, demo_counts):
    arras = demo_client.get(f"/api/residences?commune={ARRAS}").json()["features"]
    assert len(arras) == demo_counts["arras"] > 0
    assert {f["properties"]["commune_insee"] for f in arras} == {ARRAS}
    inside = demo_client.get("/api/residences?in_qpv=true").json()["features"]
    assert len(inside) == demo_counts["in_qpv"] > 0
    assert all(
        f["properties"]["qpv_code"] and f["properties"]["distance_qpv_m"] == 0 for f in inside
    )
    outside = demo_client.get("/api/residences?in_qpv=false").json()["features"]
    assert len(outside) == demo_counts["total"] - demo_counts["in_qpv"]
    assert all(f["properties"]["distance_qpv_m"] > 0 for f in outside)
    bbox = "2.74,50.27,2.80,50.31"
    boxed = demo_client.get(f"/api/residences?bbox={bbox}").json()["features"]
    assert 0 < len(boxed) < demo_counts["total"]
    for f in boxed:
        lon, lat = f["geometry"]["coordinates"]
        assert 2.74 <= lon <= 2.80 and 50.27 <= lat <= 50.31


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=3,50,2,51", "bbox"),
        ("grade=5", "grade"),
        ("epci=123", "epci"),
        ("commune=ABC", "commune"),
        ("in_qpv=peut-etre", "in_qpv"),
    ],
)
def test_bad_parameters_are_422_in_french(demo_client, query, fragment):
    response = demo_client.get(f"/api/residences?{query}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "parametre_invalide"
    assert fragment in error["message"]


def test_one_residence_and_unknown_code(demo_client):
    code = demo_client.get("/api/residences").json()["features"][0]["properties"]["code"]
    feature = demo_client.get(f"/api/residences/{code}").json()
    assert feature["type"] == "Feature" and feature["properties"]["code"] == code
    missing = demo_client.get("/api/residences/NEXISTE-PAS")
    assert missing.status_code == 404
    assert "introuvable" in missing.json()["error"]["message"]


def test_qpv_communes_epci_layers(demo_client):
    qpv = demo_client.get("/api/qpv").json()["features"]
    assert qpv and all(f["properties"]["source"] == "demo" for f in qpv)
    assert all(f["properties"]["code"].startswith("DEMO-") for f in qpv)
    assert all(f["properties"]["communes"] for f in qpv)
    communes = demo_client.get(f"/api/communes?epci={CU_ARRAS}").json()["features"]
    assert ARRAS in {f["properties"]["code"] for f in communes}
    assert all(f["properties"]["epci_siren"] == CU_ARRAS for f in communes)
    epci = demo_client.get("/api/epci").json()["features"]
    assert len(epci) == 92


def test_packed_outlines_hold_the_communes_and_epci_of_the_geojson_layers(demo_client):
    answer = demo_client.get("/api/outlines")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["cache-control"] == "public, no-cache"
    groups = unpack(answer.content)
    for name in ("communes", "epci"):
        layer = demo_client.get(f"/api/{name}").json()["features"]
        assert groups[name]["codes"] == [f["properties"]["code"] for f in layer]
        rings = [
            ring for f in layer for polygon in f["geometry"]["coordinates"] for ring in polygon
        ]
        assert groups[name]["ring_ends"] == list(accumulate(len(ring) for ring in rings))
        first = mercator_pixels(np.array(rings[0][:1]))
        assert groups[name]["points"][0] == pytest.approx(first[0], abs=1e-4)
    again = demo_client.get("/api/outlines", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304


def test_meta_lists_legend_and_filters(demo_client):
    meta = demo_client.get("/api/meta").json()
    assert [(entry["grade"], entry["status"]) for entry in meta["legend"]] == [
        *((grade, "visible") for grade in (1, 2, 3, 4)),
        (None, "hidden"),
        (None, "none"),
    ]
    assert meta["demo"] is True
    assert [e["siren"] for e in meta["epci"]] == [CU_ARRAS]
    assert ARRAS in {c["insee"] for c in meta["communes"]}
    assert meta["qpv_sources"] == ["demo"]
    assert meta["tile_url"] is None


def test_anonymous_visitors_see_only_published_aggregates(demo_client):
    communes = demo_client.get("/api/quartiers?level=commune")
    assert communes.status_code == 200
    features = communes.json()["features"]
    assert ARRAS in {f["properties"]["code"] for f in features}
    assert sum(f["properties"]["nb_residences"] for f in features) > 100
    assert demo_client.get("/api/quartiers?level=qpv").json()["features"] == []
