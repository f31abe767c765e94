"""OGC API – Features under /ogc, on the demo: the documents of Part 1 Core, pages of items
(bbox, limit, offset, links, counts), Part 2 CRS (crs, bbox-crs, Content-Crs, axis order), JSON
and French HTML, 400 for invalid parameters, and the gate and secrecy of the map and the
analysis page, unchanged."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from app.analysis.aggregates import LEVELS
from app.core.database import sqlalchemy_url
from app.ogc.collections import COLLECTIONS
from geo.crs import LAMBERT93, WGS84, transformer
from tests import rfc7946

CU_ARRAS = "200033579"
"""The demo's EPCI (tests/conftest.py)."""
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_2154 = "http://www.opengis.net/def/crs/EPSG/0/2154"
ARRAS_BOX = (2.74, 50.27, 2.80, 50.31)
"""Around Arras, longitudes and latitudes."""


@dataclass(frozen=True)
class Demo:
    token: str
    campaign: int
    codes: list[str]
    """Every residence code, in order."""
    url: str

    def query(self, sql: str, **params: object) -> list:
        engine = create_engine(sqlalchemy_url(self.url))
        with engine.connect() as conn:
            rows = conn.execute(text(sql), params).all()
        engine.dispose()
        return rows

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def basic(self) -> dict[str, str]:
        credentials = base64.b64encode(f"admin@ogc.test:{self.token}".encode()).decode()
        return {"Authorization": f"Basic {credentials}"}


@pytest.fixture(scope="module")
def demo(demo_url: str) -> Iterator[Demo]:
    from app.auth.accounts import create_account, create_token

    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.begin() as conn:
        create_account(conn, "admin@ogc.test", "admin", [CU_ARRAS])
        token = create_token(conn, "admin@ogc.test")
        campaign = conn.execute(
            text("SELECT id FROM campaign WHERE status = 'harmonisation' ORDER BY id LIMIT 1")
        ).scalar_one()
        codes = list(conn.execute(text("SELECT code FROM residence ORDER BY code")).scalars())
    engine.dispose()
    yield Demo(token, campaign, codes, demo_url)


def rels(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for link in document["links"]:
        found.setdefault(link["rel"], []).append(link)
    return found


# --- Documents --------------------------------------------------------------------------------


def test_landing_page_and_conformance(demo_client):
    landing = demo_client.get("/ogc")
    assert landing.headers["content-type"] == "application/json"
    links = rels(landing.json())
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    assert links["data"][0]["href"] == "http://testserver/ogc/collections"
    assert links["service-desc"][0]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert demo_client.get(links["service-desc"][0]["href"]).json()["paths"]
    conforms = demo_client.get("/ogc/conformance").json()["conformsTo"]
    for conformance_class in ("core", "geojson", "html", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{conformance_class}" in (
            conforms
        )
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms


def test_collections_describe_items_crs_and_extent(demo_client, demo: Demo):
    document = demo_client.get("/ogc/collections").json()
    assert [c["id"] for c in document["collections"]] == list(COLLECTIONS)
    assert {f"quartiers-{level}" for level in LEVELS} <= set(COLLECTIONS)
    for listed in document["collections"]:
        one = demo_client.get(f"/ogc/collections/{listed['id']}").json()
        assert one["id"] == listed["id"] and one["itemType"] == "feature"
        items = {link["type"]: link["href"] for link in rels(one)["items"]}
        assert items["application/geo+json"].endswith(f"/ogc/collections/{one['id']}/items")
        assert "text/html" in items
        assert one["crs"] == [CRS84, EPSG_4326, EPSG_2154]
        assert one["storageCrs"] == CRS84
        if "extent" in one:
            xmin, ymin, xmax, ymax = one["extent"]["spatial"]["bbox"][0]
            assert -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90
    (box,) = demo.query(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
        " FROM (SELECT ST_Extent(geom) e FROM residence) s"
    )
    extent = demo_client.get("/ogc/collections/residences").json()["extent"]["spatial"]
    assert extent["bbox"] == [list(box)] and extent["crs"] == CRS84


def test_unknown_collection_or_feature_is_a_404_in_french(demo_client):
    missing = demo_client.get("/ogc/collections/logements/items")
    assert missing.status_code == 404
    assert "residences, qpv, communes" in missing.json()["error"]["message"]
    feature = demo_client.get("/ogc/collections/residences/items/INCONNUE")
    assert feature.status_code == 404
    assert "introuvable" in feature.json()["error"]["message"]


# --- Pages of items ---------------------------------------------------------------------------


def test_pages_follow_next_links_to_every_feature(demo_client, demo: Demo):
    url, seen, pages = "/ogc/collections/residences/items?limit=100", [], 0
    while url:
        response = demo_client.get(url)
        assert response.headers["content-type"] == "application/geo+json"
        page = response.json()
        assert page["numberMatched"] == len(demo.codes)
        assert page["numberReturned"] == len(page["features"]) <= 100
        assert rfc7946.problems(page) == []
        seen += [feature["id"] for feature in page["features"]]
        links = rels(page)
        if pages:
            assert "offset=" in links["prev"][0]["href"]
        url = links["next"][0]["href"] if "next" in links else None
        pages += 1
    assert seen == demo.codes
    assert pages == -(-len(demo.codes) // 100)
    beyond = demo_client.get("/ogc/collections/residences/items?offset=100000").json()
    assert (beyond["numberMatched"], beyond["numberReturned"]) == (len(demo.codes), 0)
    assert "next" not in rels(beyond) and "offset=99990" in rels(beyond)["prev"][0]["href"]


def test_a_limit_above_the_maximum_is_served_as_the_maximum(demo_client, monkeypatch):
    from app.api.routes import ogc as routes

    monkeypatch.setattr(routes, "MAX_LIMIT", 50)
    page = demo_client.get("/ogc/collections/residences/items?limit=100000").json()
    assert page["numberReturned"] == 50
    assert "limit=50" in rels(page)["next"][0]["href"]


def test_a_single_feature_has_its_id_and_links(demo_client, demo: Demo):
    code = demo.codes[0]
    feature = demo_client.get(f"/ogc/collections/residences/items/{code}").json()
    assert feature["type"] == "Feature" and feature["id"] == code
    assert feature["properties"]["code"] == code
    assert rels(feature)["collection"][0]["href"].endswith("/ogc/collections/residences")
    assert rfc7946.problems(feature) == []


def _ids(client, url: str, headers: dict | None = None) -> list[str]:
    page = client.get(url, headers=headers or {}).json()
    assert page["numberMatched"] == page["numberReturned"], url
    return [feature["id"] for feature in page["features"]]


def test_bbox_in_crs84_epsg_4326_and_lambert_93(demo_client, demo: Demo):
    xmin, ymin, xmax, ymax = ARRAS_BOX
    items = "/ogc/collections/residences/items?limit=10000"
    expected = [
        code
        for (code,) in demo.query(
            "SELECT code FROM residence WHERE ST_Intersects(geom,"
            " ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)) ORDER BY code",
            x0=xmin,
            y0=ymin,
            x1=xmax,
            y1=ymax,
        )
    ]
    assert 0 < len(expected) < len(demo.codes)
    assert _ids(demo_client, f"{items}&bbox={xmin},{ymin},{xmax},{ymax}") == expected
    latitude_first = f"{items}&bbox={ymin},{xmin},{ymax},{xmax}&bbox-crs={EPSG_4326}"
    assert _ids(demo_client, latitude_first) == expected
    assert _ids(demo_client, f"{items}&bbox={xmin},{ymin},0,{xmax},{ymax},100") == expected

    xs, ys = transformer(WGS84, LAMBERT93).transform([xmin, xmax], [ymin, ymax])
    lambert = [
        code
        for (code,) in demo.query(
            "SELECT code FROM residence WHERE ST_Intersects(ST_Transform(geom, 2154),"
            " ST_MakeEnvelope(:x0, :y0, :x1, :y1, 2154)) ORDER BY code",
            x0=xs[0],
            y0=ys[0],
            x1=xs[1],
            y1=ys[1],
        )
    ]
    box = f"{xs[0]:.1f},{ys[0]:.1f},{xs[1]:.1f},{ys[1]:.1f}"
    assert _ids(demo_client, f"{items}&bbox={box}&bbox-crs={EPSG_2154}") == lambert
    assert 0 < len(lambert) < len(demo.codes)


def test_a_bbox_across_the_antimeridian(demo_client, demo: Demo):
    items = "/ogc/collections/residences/items?limit=10000"
    assert _ids(demo_client, f"{items}&bbox=-5,40,-170,55") == demo.codes
    assert _ids(demo_client, f"{items}&bbox=170,40,-170,55") == []


def test_features_in_lambert_93_and_in_epsg_4326_axis_order(demo_client, demo: Demo):
    url = f"/ogc/collections/residences/items/{demo.codes[0]}"
    default = demo_client.get(url)
    assert default.headers["content-crs"] == f"<{CRS84}>"
    lon, lat = default.json()["geometry"]["coordinates"]

    lambert = demo_client.get(f"{url}?crs={EPSG_2154}")
    assert lambert.headers["content-crs"] == f"<{EPSG_2154}>"
    assert "crs" not in lambert.json()["geometry"]
    x, y = lambert.json()["geometry"]["coordinates"]
    expected_x, expected_y = transformer(WGS84, LAMBERT93).transform(lon, lat)
    assert abs(x - expected_x) < 0.3 and abs(y - expected_y) < 0.3

    swapped = demo_client.get(f"{url}?crs=[EPSG:4326]")
    assert swapped.headers["content-crs"] == f"<{EPSG_4326}>"
    assert swapped.json()["geometry"]["coordinates"] == [lat, lon]

    communes = demo_client.get(f"/ogc/collections/communes/items?limit=5&crs={EPSG_2154}")
    assert communes.headers["content-crs"] == f"<{EPSG_2154}>"
    ring = communes.json()["features"][0]["geometry"]["coordinates"][0][0]
    assert all(100_000 < px < 1_300_000 and 6_000_000 < py < 7_200_000 for px, py in ring)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=dix", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=2,51,3,50", "bbox"),
        ("bbox=2,50,200,51", "bbox"),
        ("crs=EPSG:2154", "crs"),
        (f"bbox=2,50,3,51&bbox-crs={EPSG_4326}x", "bbox-crs"),
        ("f=xml", "f"),
        ("campaign=0", "campaign"),
    ],
)
def test_an_invalid_parameter_is_a_400_in_french(demo_client, query: str, field: str):
    response = demo_client.get(f"/ogc/collections/residences/items?{query}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "parametre_invalide"
    assert error["message"].startswith((f"{field} :", f"Paramètre invalide : {field} :"))


def test_an_unknown_campaign_is_a_404(demo_client):
    response = demo_client.get("/ogc/collections/residences/items?campaign=999999")
    assert response.status_code == 404


# --- HTML -------------------------------------------------------------------------------------

SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/residences",
        "/ogc/collections/residences/items",
        "/ogc/collections/quartiers-commune/items",
    ],
)
def test_html_in_french_by_f_or_accept(demo_client, path: str):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for response in (
        demo_client.get(f"{path}?f=html"),
        demo_client.get(path, headers=browser),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="fr">' in response.text
        assert all("src=" in tag for tag in SCRIPT.findall(response.text)), "inline script"
    gis = {"Accept": "application/geo+json, application/json"}
    assert demo_client.get(path, headers=gis).headers["content-type"].startswith("application/")
    asked = demo_client.get(f"{path}?f=json", headers=browser)
    assert asked.headers["content-type"].startswith("application/")


def test_html_items_are_a_table_with_french_labels_and_paging(demo_client, demo: Demo):
    page = demo_client.get("/ogc/collections/residences/items?f=html&limit=5&offset=5").text
    assert f"Éléments 6 à 10 sur {len(demo.codes)}" in page
    assert '<th scope="col">Logements</th>' in page
    assert 'rel="next"' in page and 'rel="prev"' in page
    assert f"/ogc/collections/residences/items/{demo.codes[5]}?f=html" in page
    one = demo_client.get(f"/ogc/collections/residences/items/{demo.codes[5]}?f=html")
    assert one.headers["content-crs"] == f"<{CRS84}>"
    assert "<dt>Bailleur</dt>" in one.text


# --- The gate and the statistical secret, unchanged -------------------------------------------


def _by_id(features: list[dict], key=lambda f: f["id"]) -> dict[str, dict]:
    return {key(feature): feature["properties"] for feature in features}


def test_residence_grades_as_the_map_shows_them(demo_client, demo: Demo):
    items = "/ogc/collections/residences/items?limit=10000"
    anonymous = demo_client.get(items).json()["features"]
    assert all(f["properties"]["grade"] is None for f in anonymous)
    for headers in (demo.bearer, demo.basic):
        ogc = _by_id(demo_client.get(items, headers=headers).json()["features"])
        layer = demo_client.get("/api/residences", headers=headers).json()["features"]
        assert ogc == _by_id(layer, key=lambda f: f["properties"]["code"])
        assert any(properties["grade"] is not None for properties in ogc.values())
    wrong = base64.b64encode(b"admin@ogc.test:qp_faux").decode()
    refused = demo_client.get(items, headers={"Authorization": f"Basic {wrong}"})
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Jeton d'API invalide ou révoqué."


def _quartier_id(feature: dict) -> str:
    return f"{feature['properties']['campaign_id']}-{feature['properties']['code']}"


@pytest.mark.parametrize("level", LEVELS)
def test_quartier_aggregates_as_the_analysis_page_shows_them(demo_client, demo: Demo, level):
    for headers in ({}, demo.bearer):
        ogc = demo_client.get(
            f"/ogc/collections/quartiers-{level}/items?limit=10000", headers=headers
        ).json()
        api = demo_client.get(f"/api/quartiers?level={level}", headers=headers).json()
        assert _by_id(ogc["features"]) == _by_id(api["features"], key=_quartier_id)
        assert ogc["numberMatched"] == len(api["features"])
    refused = demo_client.get(f"/ogc/collections/quartiers-qpv/items?campaign={demo.campaign}")
    assert (
        refused.status_code
        == demo_client.get(f"/api/quartiers?level=qpv&campaign={demo.campaign}").status_code
        == 401
    )
