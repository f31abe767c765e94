"""Every GeoJSON output follows RFC 7946 (`tests/rfc7946.py`): counter-clockwise exterior rings
and clockwise holes, WGS84 positions in range, no `crs` member, bboxes in order.

Each route whose OpenAPI says it sends `application/geo+json` is called here on the demo, by an
anonymous visitor and by the administrator of the demo's EPCI: the map's layers, the analysis
page's, the commission's vacancies, the GeoJSON exports and the OGC API's items (in CRS84, their
default).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from app.analysis.aggregates import LEVELS
from app.core.database import sqlalchemy_url
from app.ogc.collections import COLLECTIONS
from tests import rfc7946

CU_ARRAS, ARRAS = "200033579", "62041"
"""The demo's EPCI (tests/conftest.py) and one of its communes."""


@pytest.fixture(scope="module")
def demo(demo_url: str) -> Iterator[dict[str, str]]:
    """An administrator's token for the demo's EPCI, a campaign and a residence of the demo."""
    from app.auth.accounts import create_account, create_token

    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.begin() as conn:
        create_account(conn, "admin@rfc7946.test", "admin", [CU_ARRAS])
        token = create_token(conn, "admin@rfc7946.test")
        campaign = conn.execute(
            text("SELECT id FROM campaign WHERE status = 'harmonisation' ORDER BY id LIMIT 1")
        ).scalar_one()
        residence = conn.execute(text("SELECT min(code) FROM residence")).scalar_one()
    engine.dispose()
    yield {"token": token, "campaign": str(campaign), "residence": residence}


def calls(campaign: str, residence: str) -> dict[str, list[str]]:
    """OpenAPI path → the calls that check it."""
    return {
        "/api/residences": ["/api/residences", f"/api/residences?campaign={campaign}"],
        "/api/residences/{code}": [f"/api/residences/{residence}"],
        "/api/qpv": ["/api/qpv"],
        "/api/communes": ["/api/communes"],
        "/api/epci": ["/api/epci"],
        "/api/quartiers": [f"/api/quartiers?level={level}" for level in LEVELS],
        "/api/peuplements": ["/api/peuplements"],
        "/api/campaigns/{campaign_id}/grades": [f"/api/campaigns/{campaign}/grades"],
        "/api/campaigns/{campaign_id}/comparison": [f"/api/campaigns/{campaign}/comparison"],
        "/api/exports/residences.{fmt}": ["/api/exports/residences.geojson"],
        "/api/commission/vacancies": [
            "/api/commission/vacancies",
            "/api/commission/vacancies?category=q1",
        ],
        "/api/exports/quartiers.{fmt}": [
            f"/api/exports/quartiers.geojson?level={level}" for level in LEVELS
        ],
        "/ogc/collections/{collection_id}/items": [
            f"/ogc/collections/{name}/items?limit=10000" for name in COLLECTIONS
        ],
        "/ogc/collections/{collection_id}/items/{feature_id}": [
            f"/ogc/collections/residences/items/{residence}",
            f"/ogc/collections/communes/items/{ARRAS}",
            f"/ogc/collections/quartiers-commune/items/{campaign}-{ARRAS}?campaign={campaign}",
        ],
    }


def test_every_route_sending_geojson_is_checked(demo_client, demo: dict[str, str]):
    spec = demo_client.get("/openapi.json").json()
    sending = {
        path
        for path, operations in spec["paths"].items()
        for operation in operations.values()
        if "application/geo+json" in operation["responses"].get("200", {}).get("content", {})
    }
    checked = set(calls(demo["campaign"], demo["residence"]))
    assert sending == checked, f"unchecked: {sending - checked}; unknown: {checked - sending}"


@pytest.mark.parametrize("caller", ["anonymous", "admin"])
def test_every_geojson_output_follows_rfc_7946(demo_client, demo: dict[str, str], caller: str):
    headers = {"Authorization": f"Bearer {demo['token']}"} if caller == "admin" else {}
    found, polygons = [], 0
    for urls in calls(demo["campaign"], demo["residence"]).values():
        for url in urls:
            response = demo_client.get(url, headers=headers)
            if caller == "anonymous" and response.status_code == 401:
                continue  # signed-in only
            assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
            assert response.headers["content-type"].startswith("application/geo+json"), url
            found += [f"{url}: {problem}" for problem in rfc7946.problems(response.json())]
            polygons += response.text.count('"Polygon"') + response.text.count('"MultiPolygon"')
    assert polygons > 100, "too few polygons to judge the orientation"
    assert not found, "\n".join(found)


SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
"""Counter-clockwise."""
HOLE = [[0.2, 0.2], [0.2, 0.8], [0.8, 0.8], [0.8, 0.2], [0.2, 0.2]]
"""Clockwise."""


def _polygon(*rings: list, **members: object) -> dict:
    geometry = {"type": "Polygon", "coordinates": list(rings)}
    feature = {"type": "Feature", "id": "x", "properties": {}, "geometry": geometry}
    return {"type": "FeatureCollection", "features": [feature], **members}


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (_polygon(SQUARE[::-1]), "exterior ring clockwise"),
        (_polygon(SQUARE, HOLE[::-1]), "hole counter-clockwise"),
        (_polygon(SQUARE, crs={"type": "name"}), "`crs` member"),
        (_polygon([[0, 0], [1, 95], [0, 1], [0, 0]]), "out of longitude/latitude range"),
        (_polygon(SQUARE[:-1]), "closed"),
        (_polygon(SQUARE, bbox=[0, 1, 1, 0]), "southernmost latitude"),
    ],
)
def test_the_check_finds_each_breach(document: dict, problem: str):
    assert rfc7946.problems(_polygon(SQUARE, HOLE)) == []
    assert any(problem in found for found in rfc7946.problems(document))
