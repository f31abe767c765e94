"""Migration 0007: outlines stored by the right-hand rule of RFC 7946. Polygons stored clockwise
before it are turned, and every later write is turned by the database, whoever writes: an
importer, the demo, a union of communes."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from app.core.migrate import alembic_config, upgrade

CLOCKWISE = (
    "MULTIPOLYGON(((3 50, 3 51, 4 51, 4 50, 3 50), (3.2 50.2, 3.8 50.2, 3.8 50.8, 3.2 50.2)))"
)
"""An exterior ring clockwise and a hole counter-clockwise: both against the rule."""
INSERTS = {
    "epci": "INSERT INTO epci (siren, name, geom) VALUES ('200000001', 'E', {geom})",
    "commune": "INSERT INTO commune (insee, name, geom) VALUES ('59999', 'C', {geom})",
    "qpv": "INSERT INTO qpv (code, name, source, geom) VALUES ('QN05999N', 'Q', 'demo', {geom})",
    "iris": "INSERT INTO iris (code, name, geom) VALUES ('599990101', 'I', {geom})",
}
ORIENTED = " AND ".join(f"(SELECT bool_and(ST_IsPolygonCCW(geom)) FROM {t})" for t in INSERTS)


def test_outlines_stored_clockwise_are_turned_and_stay_turned(cluster):
    name = "qualiparc_migration_0007"
    cluster.create_database(name)
    url = cluster.url(name)
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        command.upgrade(alembic_config(url), "0006")
        geom = f"ST_GeomFromText('{CLOCKWISE}', 4326)"
        with engine.begin() as conn:
            for sql in INSERTS.values():
                conn.execute(text(sql.format(geom=geom)))
            assert conn.execute(text(f"SELECT {ORIENTED}")).scalar_one() is False
        upgrade(url)
        with engine.begin() as conn:
            assert conn.execute(text(f"SELECT {ORIENTED}")).scalar_one() is True
            for table in INSERTS:
                conn.execute(text(f"UPDATE {table} SET geom = {geom}"))
            conn.execute(text("UPDATE epci SET geom = (SELECT ST_Multi(ST_Union(geom)) FROM qpv)"))
            assert conn.execute(text(f"SELECT {ORIENTED}")).scalar_one() is True
            holes = conn.execute(
                text("SELECT ST_NumInteriorRings(ST_GeometryN(geom, 1)) FROM iris")
            )
            assert holes.scalar_one() == 1, "turning a polygon keeps its hole"
    finally:
        engine.dispose()
        cluster.drop_database(name)
