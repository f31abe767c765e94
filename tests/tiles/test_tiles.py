"""Vector tiles over the demo: every residence counted once at every zoom, for every caller and
phase; no grade distribution to a visitor or during blind grading; TileJSON; French errors; ETag,
304 and the data version that a grade, a harmonisation or an import bumps (issue #10, 2–3)."""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.core.database import get_engine, sqlalchemy_url
from app.core.settings import get_settings
from app.tiles import CLUSTER_MAXZOOM, MERCATOR_HALF
from geo.grades import GRADES

ARRAS_EPCI = "200033579"
ARRAS = "62041"
CLASSES = (*(f"grade_{g}" for g in GRADES), "hidden", "none")


@dataclass
class Demo:
    client: TestClient
    url: str
    headers: dict[str, dict[str, str]]
    campaigns: dict[str, int]
    """`closed`, `harmonisation`, `grading` → the demo's campaign of the CU d'Arras in it."""
    bounds: tuple[float, float, float, float]
    total: int


@pytest.fixture(scope="module")
def demo(demo_copy, request: pytest.FixtureRequest) -> Iterator[Demo]:
    """A copy of the demo per test module (this one's fixture is shared), served in process."""
    from app.auth.accounts import create_account, create_token
    from app.main import create_app

    module = request.module.__name__.rpartition(".")[2]
    url = demo_copy(f"qualiparc_{module}_{os.getpid()}")
    engine = create_engine(sqlalchemy_url(url))
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with engine.begin() as conn:
        for name, role, scope in (("admin", "admin", ARRAS_EPCI), ("elu", "elu", ARRAS)):
            email = f"tuiles_{name}@demo.test"
            create_account(conn, email, role, [scope])
            headers[name] = {"Authorization": f"Bearer {create_token(conn, email)}"}
        campaigns = {
            status: id_
            for id_, status in conn.execute(
                text("SELECT id, status FROM campaign WHERE epci_siren = :e ORDER BY year"),
                {"e": ARRAS_EPCI},
            )
        }
        box = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
                " FROM (SELECT ST_Extent(geom) e FROM residence) s"
            )
        ).one()
        total = conn.execute(text("SELECT count(*) FROM residence")).scalar_one()
    engine.dispose()
    previous = os.environ.get("QUALIPARC_DATABASE_URL")
    os.environ["QUALIPARC_DATABASE_URL"] = url
    get_settings.cache_clear()
    get_engine.cache_clear()
    with TestClient(create_app()) as client:
        yield Demo(client, url, headers, campaigns, tuple(box), total)
    get_engine.cache_clear()
    if previous is not None:
        os.environ["QUALIPARC_DATABASE_URL"] = previous
    get_settings.cache_clear()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(x), int(y)


def tiles_over(bounds: tuple[float, float, float, float], z: int) -> Iterator[tuple[int, int]]:
    """Every tile of zoom `z` meeting `bounds`, one more on each side (the edges included)."""
    x0, y1 = tile_of(bounds[0], bounds[1], z)
    x1, y0 = tile_of(bounds[2], bounds[3], z)
    n = 2**z
    for x in range(max(0, x0 - 1), min(n - 1, x1 + 1) + 1):
        for y in range(max(0, y0 - 1), min(n - 1, y1 + 1) + 1):
            yield x, y


def features(response) -> list[dict]:
    assert response.status_code in (200, 204), response.text
    if response.status_code == 204:
        assert response.content == b""
        return []
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(response.content)
    assert set(layers) == {"residences"}
    return layers["residences"]["features"]


def zoom_totals(demo: Demo, who: str, z: int, query: str = "") -> tuple[int, int, Counter]:
    """(residences, dwellings, counts per class) over every tile of zoom `z`."""
    residences = dwellings = 0
    classes: Counter[str] = Counter()
    for x, y in tiles_over(demo.bounds, z):
        url = f"/tiles/residences/{z}/{x}/{y}.pbf{query}"
        for feature in features(demo.client.get(url, headers=demo.headers[who])):
            props = feature["properties"]
            if z < CLUSTER_MAXZOOM:
                assert sum(props.get(c, 0) for c in CLASSES) == props["residences"], props
                residences += props["residences"]
                dwellings += props["dwellings"]
                classes.update({c: props[c] for c in CLASSES if c in props})
                classes.update({f"{c}_dwellings": props.get(f"{c}_dwellings", 0) for c in CLASSES})
            else:
                residences += 1
                dwellings += props["nb_logements"]
                status = props["grade_status"]
                key = f"grade_{props['grade']}" if status == "visible" else status
                classes[key] += 1
                classes[f"{key}_dwellings"] += props["nb_logements"]
    return residences, dwellings, classes


def layer_classes(demo: Demo, who: str, query: str = "") -> tuple[int, Counter]:
    """(dwellings, counts per class) of the GeoJSON layer for the same caller and filters."""
    collection = demo.client.get(f"/api/residences{query}", headers=demo.headers[who]).json()
    classes: Counter[str] = Counter()
    dwellings = 0
    for feature in collection["features"]:
        props = feature["properties"]
        dwellings += props["nb_logements"]
        status = props["grade_status"]
        key = f"grade_{props['grade']}" if status == "visible" else status
        classes[key] += 1
        classes[f"{key}_dwellings"] += props["nb_logements"]
    return dwellings, classes


@pytest.mark.parametrize("who", ["anonymous", "elu", "admin"])
def test_every_zoom_counts_every_residence_once(demo: Demo, who: str) -> None:
    """Zoom 0 to 14, the default campaign: the tiles add up to the database and to the layer."""
    dwellings, classes = layer_classes(demo, who)
    assert sum(classes[c] for c in CLASSES) == demo.total
    for z in range(0, 15):
        found = zoom_totals(demo, who, z)
        assert found == (demo.total, dwellings, classes), f"zoom {z}"
    if who == "anonymous":
        assert not any(key.startswith("grade_") and classes[key] for key in classes)
    else:
        assert any(key.startswith("grade_") and classes[key] for key in classes)


@pytest.mark.parametrize("phase", ["closed", "harmonisation", "grading"])
@pytest.mark.parametrize("who", ["anonymous", "elu", "admin"])
def test_phases_and_filters(demo: Demo, who: str, phase: str) -> None:
    """Each phase's campaign, with and without filters: the clustered zooms add up to the
    layer; a grade distribution only where the caller reads grades one by one."""
    for query in (
        f"?campaign={demo.campaigns[phase]}",
        f"?campaign={demo.campaigns[phase]}&commune={ARRAS}&grade=1&grade=2&grade=hidden",
    ):
        dwellings, classes = layer_classes(demo, who, query)
        for z in (0, 5, 9, 11, 12, 13):
            total = sum(classes[c] for c in CLASSES)
            assert zoom_totals(demo, who, z, query) == (total, dwellings, classes)
        graded = any(key.startswith("grade_") and classes[key] for key in classes)
        blind = phase == "grading"
        assert graded == (who == "admin" or (who == "elu" and not blind)), (query, classes)


def test_tilejson_and_errors(demo: Demo) -> None:
    client = demo.client
    document = client.get(f"/tiles/residences.json?campaign={demo.campaigns['closed']}").json()
    assert document["tilejson"] == "3.0.0"
    assert document["tiles"] == [
        "http://testserver/tiles/residences/{z}/{x}/{y}.pbf"
        f"?campaign={demo.campaigns['closed']}"
    ]
    assert (document["minzoom"], document["maxzoom"]) == (0, 22)
    west, south, east, north = document["bounds"]
    assert west < demo.bounds[0] + 1e-9 and east > demo.bounds[2] - 1e-9 and south < north
    fields = document["vector_layers"][0]["fields"]
    assert {"residences", "dwellings", "grade_1", "hidden", "none", "code"} <= set(fields)
    qpv = client.get("/tiles/qpv.json").json()
    assert qpv["vector_layers"][0]["id"] == "qpv"

    x, y = tile_of(2.78, 50.29, 11)
    qpv_tile = client.get(f"/tiles/qpv/11/{x}/{y}.pbf")
    assert qpv_tile.status_code == 200
    assert mapbox_vector_tile.decode(qpv_tile.content)["qpv"]["features"]

    assert client.get("/tiles/residences/3/0/0.pbf").status_code == 204  # the Pacific
    for url, status in (
        ("/tiles/routes/3/4/2.pbf", 404),
        ("/tiles/routes.json", 404),
        ("/tiles/residences/23/0/0.pbf", 422),
        ("/tiles/residences/3/8/0.pbf", 422),
        ("/tiles/residences/3/0/8.pbf", 422),
        ("/tiles/residences/-1/0/0.pbf", 422),
        ("/tiles/residences/a/0/0.pbf", 422),
        ("/tiles/residences/3/0/0.pbf?campaign=999999", 404),
        ("/tiles/residences/3/0/0.pbf?grade=7", 422),
        ("/tiles/residences/3/0/0.pbf?bbox=3,50,2,51", 422),
    ):
        response = client.get(url)
        assert response.status_code == status, (url, response.text)
        error = response.json()["error"]
        assert error["message"] and error["code"], url
    assert "inconnue" in client.get("/tiles/routes/3/4/2.pbf").json()["error"]["message"]


def test_a_residence_on_a_tile_edge_is_in_one_tile(demo: Demo) -> None:
    """A residence placed exactly on the corner of four tiles of zoom 14 (hence of every coarser
    zoom) is counted once at each zoom."""
    z = 14
    size = 2 * MERCATOR_HALF / 2**z
    x, y = tile_of(2.78, 50.29, z)
    corner_x, corner_y = -MERCATOR_HALF + x * size, MERCATOR_HALF - y * size
    engine = create_engine(sqlalchemy_url(demo.url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO residence (code, name, bailleur_id, commune_insee, epci_siren,"
                " nb_logements, geom) SELECT 'BORD', 'Au coin', min(id), :arras, :epci, 7,"
                " ST_Transform(ST_SetSRID(ST_Point(:x, :y), 3857), 4326) FROM bailleur"
            ),
            {"arras": ARRAS, "epci": ARRAS_EPCI, "x": corner_x, "y": corner_y},
        )
    try:
        for zoom in (14, 15, 16):
            col, row = x * 2 ** (zoom - z), y * 2 ** (zoom - z)
            found = 0
            for tx in (col - 1, col):
                for ty in (row - 1, row):
                    url = f"/tiles/residences/{zoom}/{tx}/{ty}.pbf?commune={ARRAS}"
                    found += sum(
                        f["properties"]["code"] == "BORD" for f in features(demo.client.get(url))
                    )
            assert found == 1, zoom
        assert zoom_totals(demo, "anonymous", 14)[0] == demo.total + 1
        assert zoom_totals(demo, "anonymous", 8)[0] == demo.total + 1
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM residence WHERE code = 'BORD'"))
        engine.dispose()


def test_a_moved_residence_moves_to_its_new_tile(demo: Demo) -> None:
    """Tiles place residences by their stored Web Mercator position (`merc_x`, `merc_y`, kept
    by PostgreSQL): moving a residence moves it to the tile of its new point at once."""
    engine = create_engine(sqlalchemy_url(demo.url))
    with engine.connect() as conn:
        code, lon, lat = conn.execute(
            text(
                "SELECT code, ST_X(geom), ST_Y(geom) FROM residence"
                " WHERE commune_insee = :arras ORDER BY code LIMIT 1"
            ),
            {"arras": ARRAS},
        ).one()
    moved = (lon + 0.2, lat - 0.1)  # more than a tile of zoom 11 away (0.18° of longitude)

    def codes_in(point: tuple[float, float], z: int) -> list[str]:
        x, y = tile_of(*point, z)
        response = demo.client.get(f"/tiles/residences/{z}/{x}/{y}.pbf")
        return [f["properties"].get("code") for f in features(response)]

    def dwellings_in(point: tuple[float, float], z: int) -> int:
        x, y = tile_of(*point, z)
        response = demo.client.get(f"/tiles/residences/{z}/{x}/{y}.pbf")
        return sum(f["properties"]["dwellings"] for f in features(response))

    assert code in codes_in((lon, lat), 15) and code not in codes_in(moved, 15)
    move = text("UPDATE residence SET geom = ST_SetSRID(ST_Point(:x, :y), 4326) WHERE code = :c")
    cells_before = dwellings_in(moved, 11)
    with engine.begin() as conn:
        conn.execute(move, {"x": moved[0], "y": moved[1], "c": code})
        dwellings = conn.execute(
            text("SELECT nb_logements FROM residence WHERE code = :c"), {"c": code}
        ).scalar_one()
    try:
        assert code in codes_in(moved, 15) and code not in codes_in((lon, lat), 15)
        assert dwellings_in(moved, 11) == cells_before + dwellings
    finally:
        with engine.begin() as conn:
            conn.execute(move, {"x": lon, "y": lat, "c": code})
        engine.dispose()


def point_tile_url(demo: Demo, code: str, query: str = "") -> str:
    engine = create_engine(sqlalchemy_url(demo.url))
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM residence WHERE code = :c"), {"c": code}
        ).one()
    engine.dispose()
    x, y = tile_of(lon, lat, 15)
    return f"/tiles/residences/15/{x}/{y}.pbf{query}"


def grade_in_tile(response, code: str) -> int | None:
    found = [f["properties"] for f in features(response) if f["properties"]["code"] == code]
    assert len(found) == 1
    return found[0].get("grade")


def revalidate(demo: Demo, url: str, who: str, tag: str):
    return demo.client.get(url, headers={**demo.headers[who], "If-None-Match": tag})


def test_etag_304_and_a_harmonisation_shows_at_once(demo: Demo) -> None:
    """The live meeting's case: the admin's map holds a tile and the layer with their ETags; a
    harmonisation is saved; the next revalidation gets 200 and the new grade, never 304."""
    campaign = demo.campaigns["harmonisation"]
    admin = demo.headers["admin"]
    code = demo.client.get(f"/api/campaigns/{campaign}/divergences", headers=admin).json()[
        "residences"
    ][0]["code"]
    query = f"?campaign={campaign}"
    urls = [
        point_tile_url(demo, code, query),
        f"/api/residences{query}",
        f"/ogc/collections/residences/items{query}&limit=10000&f=json",
    ]
    tags = {}
    for url in urls:
        first = demo.client.get(url, headers=admin)
        assert first.status_code == 200
        assert first.headers["cache-control"] == "private, no-cache"
        assert first.headers["vary"].startswith("Cookie, Authorization, Accept-Encoding")
        tags[url] = first.headers["etag"]
        assert tags[url].startswith('"')
        again = revalidate(demo, url, "admin", tags[url])
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == tags[url]
    before = grade_in_tile(demo.client.get(urls[0], headers=admin), code)
    value = 4 if before != 4 else 1
    version = (
        demo.client.get(f"/api/campaigns/{campaign}/harmonisations/{code}", headers=admin)
        .json()
        .get("version", 0)
        or 0
    )
    saved = demo.client.put(
        f"/api/campaigns/{campaign}/harmonisations/{code}",
        json={"value": value, "expected_version": version, "rationale": "séance"},
        headers=admin,
    )
    assert saved.status_code == 200, saved.text
    tile = revalidate(demo, urls[0], "admin", tags[urls[0]])
    assert tile.status_code == 200 and tile.headers["etag"] != tags[urls[0]]
    assert grade_in_tile(tile, code) == value
    for url in urls[1:]:
        layer = revalidate(demo, url, "admin", tags[url])
        assert layer.status_code == 200, url
        features = layer.json()["features"]
        grades = {f["properties"]["code"]: f["properties"]["grade"] for f in features}
        assert grades[code] == value, url


def import_one(demo: Demo, tmp_path: Path, code: str, landlord: str, dwellings: int) -> None:
    """Import one residence in Arras with `qualiparc import residences`' own function."""
    from app.importers.residences import import_residences

    source = tmp_path / "residences.csv"
    source.write_text(
        "code;nom;bailleur;siren;commune_insee;nb_logements;lon;lat\n"
        f"{code};Résidence importée;{landlord};;{ARRAS};{dwellings};2.7663;50.2896\n",
        encoding="utf-8",
    )
    engine = create_engine(sqlalchemy_url(demo.url))
    with engine.begin() as conn:
        import_residences(conn, source)
    engine.dispose()


def test_a_grade_and_an_import_bump_the_version(demo: Demo, tmp_path: Path) -> None:
    campaign = demo.campaigns["grading"]
    admin = demo.headers["admin"]
    query = f"?campaign={campaign}"
    code = demo.client.get(f"/api/residences{query}&commune={ARRAS}", headers=admin).json()[
        "features"
    ][0]["properties"]["code"]
    url = point_tile_url(demo, code, query)
    tag = demo.client.get(url, headers=admin).headers["etag"]
    assert revalidate(demo, url, "admin", tag).status_code == 304
    for side in ("commune", "bailleur"):
        saved = demo.client.put(
            f"/api/campaigns/{campaign}/grades/{code}",
            json={"side": side, "value": 1, "comment": "essai"},
            headers=admin,
        )
        assert saved.status_code == 200, saved.text
    fresh = revalidate(demo, url, "admin", tag)
    assert fresh.status_code == 200 and grade_in_tile(fresh, code) == 1
    tag = fresh.headers["etag"]

    import_one(demo, tmp_path, "IMPTUILE", "Bailleur importé", 33)
    anonymous_url = f"/api/residences?commune={ARRAS}"
    after = demo.client.get(url, headers={**admin, "If-None-Match": tag})
    assert after.status_code == 200
    codes = [f["properties"]["code"] for f in demo.client.get(anonymous_url).json()["features"]]
    assert "IMPTUILE" in codes


def test_the_cache_serves_gzip_and_separates_callers(demo: Demo) -> None:
    """Compressed bytes from the cache; a visitor never gets an account's entry."""
    url = f"/api/residences?campaign={demo.campaigns['closed']}"
    raw = demo.client.get(url, headers={**demo.headers["admin"], "Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    anonymous = demo.client.get(url)
    assert anonymous.headers["etag"] != raw.headers["etag"]
    assert all(f["properties"]["grade"] is None for f in anonymous.json()["features"])
    plain = demo.client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == anonymous.json()
    assert plain.headers["etag"] != anonymous.headers["etag"]
    outlines = demo.client.get("/api/communes")
    assert outlines.headers["cache-control"] == "public, no-cache"
    assert revalidate(demo, "/api/communes", "anonymous", outlines.headers["etag"]).status_code == (
        304
    )


def cell_classes(demo: Demo, who: str, lon: float, lat: float, z: int, query: str) -> Counter:
    """Counts per class of the cells of the zoom-`z` tile over (lon, lat)."""
    x, y = tile_of(lon, lat, z)
    classes: Counter[str] = Counter()
    for feature in features(
        demo.client.get(f"/tiles/residences/{z}/{x}/{y}.pbf{query}", headers=demo.headers[who])
    ):
        classes.update({c: feature["properties"].get(c, 0) for c in CLASSES})
    return classes


def test_a_first_agreed_grade_shows_in_the_next_cell_tile_and_only_where_it_may(
    demo: Demo,
) -> None:
    """Cells look up agreed grades only for graded residences: a residence graded by one side has
    none agreed yet; once both sides agree, the administrator's next cell tile counts its grade,
    while the visitor and the elected official (blind phase) still count it hidden."""
    campaign = demo.campaigns["grading"]
    query = f"?campaign={campaign}"
    engine = create_engine(sqlalchemy_url(demo.url))
    with engine.connect() as conn:
        code, lon, lat = conn.execute(
            text(
                "SELECT r.code, ST_X(r.geom), ST_Y(r.geom) FROM residence r"
                " WHERE r.commune_insee = :arras AND NOT EXISTS (SELECT 1 FROM grade g"
                "  WHERE g.campaign_id = :c AND g.residence_id = r.id)"
                " AND NOT EXISTS (SELECT 1 FROM harmonisation h"
                "  WHERE h.campaign_id = :c AND h.residence_id = r.id)"
                " ORDER BY r.code LIMIT 1"
            ),
            {"arras": ARRAS, "c": campaign},
        ).one()
    engine.dispose()
    whos = ("admin", "elu", "anonymous")
    before = {who: cell_classes(demo, who, lon, lat, 8, query) for who in whos}
    for side, expected in (("commune", before["admin"]), ("bailleur", None)):
        saved = demo.client.put(
            f"/api/campaigns/{campaign}/grades/{code}",
            json={"side": side, "value": 2, "comment": "cellule"},
            headers=demo.headers["admin"],
        )
        assert saved.status_code == 200, saved.text
        if expected is not None:
            assert cell_classes(demo, "admin", lon, lat, 8, query) == expected
    after = cell_classes(demo, "admin", lon, lat, 8, query)
    assert after["grade_2"] == before["admin"]["grade_2"] + 1
    assert after["none"] == before["admin"]["none"] - 1
    assert sum(after.values()) == sum(before["admin"].values())
    for who in ("elu", "anonymous"):
        seen = cell_classes(demo, who, lon, lat, 8, query)
        assert seen == before[who]
        assert not any(seen[f"grade_{g}"] for g in GRADES)
        assert seen["hidden"] == sum(seen.values())
