"""Features of a collection as GeoJSON text written by PostGIS: pages (bbox, limit, offset) and
single features, in the CRS asked (Part 2).

Each feature is `ST_AsGeoJSON` of its row with the feature `id` in front; the properties are the
columns of the collection's rows, whatever they are (read once per request from the query's
description), so that a column added to a layer appears here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.ogc.collections import Collection
from app.ogc.crs import Box, OgcCrs, bbox_condition

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
"""A larger `limit` is served as this one, with a `next` link (Part 1 allows the server's
maximum)."""


@dataclass(frozen=True)
class Page:
    features: bytes
    """GeoJSON Features separated by commas."""
    matched: int
    returned: int


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _properties(conn: Connection, sql: str, params: dict) -> list[str]:
    """The columns of the rows but the geometry, in order."""
    columns = conn.execute(text(f"SELECT * FROM ({sql}) AS t LIMIT 0"), params).keys()
    return [column for column in columns if column != "geom"]


def _features_sql(
    collection: Collection, rows_sql: str, properties: list[str], crs: OgcCrs, where: str
) -> str:
    """SQL of (count, features text) of the rows of `rows_sql` matching `where`, ordered by id;
    `:ogc_limit` and `:ogc_offset` page them."""
    columns = ", ".join(f"p.{_quoted(name)}" for name in properties)
    geometry = crs.geometry_sql("p.geom")
    digits = crs.digits(collection.digits)
    return f"""
        SELECT count(*),
               string_agg('{{"id":' || to_json(p.ogc_id)::text || ','
                          || substr(ST_AsGeoJSON(f.*, 'geom', {digits}), 2), ','
                          ORDER BY p.ogc_id)
        FROM (SELECT t.*, {collection.id_sql} AS ogc_id FROM ({rows_sql}) AS t
              WHERE {where} ORDER BY ogc_id LIMIT :ogc_limit OFFSET :ogc_offset) AS p
        CROSS JOIN LATERAL (SELECT {columns}, {geometry} AS geom) AS f
    """


def page(
    conn: Connection,
    collection: Collection,
    gate: Gate,
    *,
    campaign: int | None,
    crs: OgcCrs,
    box: Box | None,
    limit: int,
    offset: int,
) -> Page:
    """The features of `collection` the caller reads, intersecting `box`, from `offset` on."""
    rows_sql, params = collection.rows(conn, gate, campaign)
    where, bbox_params = bbox_condition(box, "t.geom")
    params = {**params, **bbox_params}
    matched = conn.execute(
        text(f"SELECT count(*) FROM ({rows_sql}) AS t WHERE {where}"), params
    ).scalar_one()
    sql = _features_sql(collection, rows_sql, _properties(conn, rows_sql, params), crs, where)
    params.update(ogc_limit=limit, ogc_offset=offset)
    returned, body = conn.execute(text(sql), params).one()
    return Page((body or "").encode(), matched, returned)


def feature(
    conn: Connection,
    collection: Collection,
    gate: Gate,
    *,
    campaign: int | None,
    crs: OgcCrs,
    feature_id: str,
) -> bytes | None:
    """One feature of `collection` by its id (None: no such feature)."""
    rows_sql, params = collection.rows(conn, gate, campaign)
    where = f"{collection.id_sql} = :ogc_feature_id"
    sql = _features_sql(collection, rows_sql, _properties(conn, rows_sql, params), crs, where)
    params.update(ogc_feature_id=feature_id, ogc_limit=1, ogc_offset=0)
    _, body = conn.execute(text(sql), params).one()
    return body.encode() if body else None
