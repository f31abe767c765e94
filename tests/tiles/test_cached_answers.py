"""Answers served from the response cache before routing (app/api/caching.py, `CachedAnswers`):
the same bytes and headers as the route's, for the same caller only, never past a revoked
credential, and never for an answer negotiated on another header."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from tests.tiles.test_tiles import (
    ARRAS,
    Demo,
    demo,
    features,
    import_one,
    revalidate,
    tiles_over,
)

__all__ = ["demo"]  # the module's fixture, shared

HEADERS = ("content-type", "content-encoding", "etag", "cache-control", "vary")


def early_hits(demo: Demo) -> int:
    return demo.client.app.state.response_cache.early_hits


def a_busy_tile(demo: Demo) -> str:
    for x, y in tiles_over(demo.bounds, 10):
        url = f"/tiles/residences/10/{x}/{y}.pbf"
        if features(demo.client.get(url)):
            return url
    raise AssertionError("aucune tuile occupée au zoom 10")


def test_a_repeated_answer_is_the_routes_own(demo: Demo) -> None:
    """Tile, layer and outlines: the second answer comes before routing, byte for byte and
    header for header the first; a revalidation is a 304 there too."""
    for url in (a_busy_tile(demo), f"/api/residences?commune={ARRAS}", "/api/qpv"):
        for who in ("anonymous", "admin"):
            first = demo.client.get(url, headers=demo.headers[who])
            assert first.status_code == 200, (url, who)
            before = early_hits(demo)
            again = demo.client.get(url, headers=demo.headers[who])
            assert early_hits(demo) == before + 1, (url, who)
            assert again.content == first.content
            assert {h: again.headers.get(h) for h in HEADERS} == {
                h: first.headers.get(h) for h in HEADERS
            }
            assert revalidate(demo, url, who, first.headers["etag"]).status_code == 304
            assert early_hits(demo) == before + 2


def test_each_caller_gets_its_own_answer(demo: Demo) -> None:
    """A visitor's entry is never an account's, and an account's never a visitor's."""
    url = f"/api/residences?campaign={demo.campaigns['closed']}&commune={ARRAS}"

    def grades(who: str) -> list:
        return [
            f["properties"]["grade"]
            for f in demo.client.get(url, headers=demo.headers[who]).json()["features"]
        ]

    for _ in range(2):
        assert not any(grades("anonymous"))
        assert any(grades("admin"))


def test_a_revoked_token_or_a_closed_account_is_refused(demo: Demo) -> None:
    """The credential is checked on every answer, cached or not."""
    from app.auth.accounts import create_account, create_token

    url = a_busy_tile(demo)
    engine = create_engine(sqlalchemy_url(demo.url))
    with engine.begin() as conn:
        create_account(conn, "revoque@demo.test", "admin", ["200033579"])
        token = create_token(conn, "revoque@demo.test")
        create_account(conn, "ferme@demo.test", "admin", ["200033579"])
        other = create_token(conn, "ferme@demo.test")
    bearer = {"Authorization": f"Bearer {token}"}
    closed = {"Authorization": f"Bearer {other}"}
    for headers in (bearer, closed, demo.headers["admin"]):
        assert demo.client.get(url, headers=headers).status_code == 200
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE api_token SET revoked_at = now() WHERE account_id ="
                " (SELECT id FROM account WHERE email = 'revoque@demo.test')"
            )
        )
        conn.execute(text("UPDATE account SET active = false WHERE email = 'ferme@demo.test'"))
    engine.dispose()
    for headers in (bearer, closed):
        refused = demo.client.get(url, headers=headers)
        assert refused.status_code == 401, refused.text
        assert "jeton" in refused.json()["error"]["message"].lower()
    assert demo.client.get(url, headers=demo.headers["admin"]).status_code == 200


def test_a_negotiated_page_is_left_to_its_route(demo: Demo) -> None:
    """An OGC page answers JSON or HTML by `Accept`: its cached JSON never answers a browser."""
    url = "/ogc/collections/residences/items?limit=5"
    for _ in range(2):
        data = demo.client.get(url, headers={"Accept": "application/geo+json"})
        assert data.headers["content-type"].startswith("application/geo+json")
        page = demo.client.get(url, headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html"), page.headers


def test_a_repeated_parameter_keeps_its_order(demo: Demo) -> None:
    """The last of a repeated parameter is the one read: both orders are different answers."""
    everyone = demo.client.get("/api/residences").json()["features"]
    a, b = sorted({f["properties"]["commune_insee"] for f in everyone})[:2]
    for first, last in ((a, b), (b, a)):
        url = f"/api/residences?commune={first}&commune={last}"
        for _ in range(2):
            found = demo.client.get(url).json()["features"]
            assert {f["properties"]["commune_insee"] for f in found} == {last}


def test_shared_version_reads_are_never_older_than_the_request(demo: Demo) -> None:
    """Early answers share the version queries: many reads at once get the version of the moment,
    and a read that starts after a commit sees it, even with a query already on its way."""
    import asyncio

    from app.core.versions import VersionReads, data_version

    engine = create_engine(sqlalchemy_url(demo.url))

    def current() -> int:
        with engine.connect() as conn:
            return data_version(conn)

    def write() -> int:
        with engine.begin() as conn:
            conn.execute(text("UPDATE commune SET name = name WHERE insee = :c"), {"c": ARRAS})
        return current()

    async def scenario() -> None:
        reads = VersionReads()
        assert {v.data for v in await asyncio.gather(*(reads.read() for _ in range(50)))} == {
            current()
        }
        for _ in range(20):
            on_its_way = asyncio.ensure_future(reads.read())
            await asyncio.sleep(0)  # its query is sent
            written = write()
            assert (await reads.read()).data >= written
            assert (await on_its_way).data <= written

    asyncio.run(scenario())
    engine.dispose()


def test_the_maps_meta_keeps_its_territory_until_the_data_change(demo: Demo, tmp_path) -> None:
    """/api/meta: its territory part is kept per data version, its account part is the
    caller's own."""
    visitor = demo.client.get("/api/meta").json()
    admin = demo.client.get("/api/meta", headers=demo.headers["admin"]).json()
    assert visitor["account"] is None
    assert admin["account"]["email"] == "tuiles_admin@demo.test"
    elu = demo.client.get("/api/meta", headers=demo.headers["elu"]).json()
    assert elu["account"]["email"] == "tuiles_elu@demo.test"
    for other in (admin, elu):
        assert {k: v for k, v in other.items() if k != "account"} == {
            k: v for k, v in visitor.items() if k != "account"
        }
    import_one(demo, tmp_path, "IMPMETA", "Bailleur du méta", 12)
    after = demo.client.get("/api/meta").json()
    assert after["residence_count"] == visitor["residence_count"] + 1
    assert "Bailleur du méta" in {b["name"] for b in after["bailleurs"]}
