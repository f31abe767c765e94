"""Features of a collection as GeoJSON text written by PostGIS: pages (bbox, limit, offset) and
single features, in the CRS asked (Part 2).

Each feature is `ST_AsGeoJSON` of its row with the feature `id` in front, so that the properties
are the columns of the collection's rows, whatever they are: a column added to a layer appears
here too. In CRS84, the stored one, the rows go to PostGIS as they are (the layers' floor); in
another CRS, their columns are read once from the query's description, to replace the geometry.
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


_PROPERTIES: dict[str, list[str]] = {}
"""Each collection's columns but the geometry, as its rows' SQL (code) defines them."""


def _properties(conn: Connection, collection: Collection, sql: str, params: dict) -> list[str]:
    if collection.id not in _PROPERTIES:
        columns = conn.execute(text(f"SELECT * FROM ({sql}) AS t LIMIT 0"), params).keys()
        _PROPERTIES[collection.id] = [column for column in columns if column != "geom"]
    return _PROPERTIES[collection.id]


def _features_sql(
    conn: Connection, collection: Collection, rows: tuple[str, dict], crs: OgcCrs, where: str
) -> str:
    """SQL of (count, features text) of the rows matching `where`, in their order;
    `:ogc_limit` and `:ogc_offset` page them."""
    sql, params = rows
    digits = crs.digits(collection.digits)
    record = "t"
    lateral = ""
    if not crs.stored:
        columns = "".join(
            't."' + name.replace('"', '""') + '", '
            for name in _properties(conn, collection, sql, params)
        )
        lateral = f"CROSS JOIN LATERAL (SELECT {columns}{crs.geometry_sql('t.geom')} AS geom) AS f"
        record = "f"
    return f"""
        SELECT count(*),
               string_agg('{{"id":' || to_json({collection.id_sql})::text || ','
                          || substr(ST_AsGeoJSON({record}.*, 'geom', {digits}), 2), ',')
        FROM (SELECT t.* FROM ({sql}) AS t WHERE {where}
              LIMIT :ogc_limit OFFSET :ogc_offset) AS t
        {lateral}
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
    sql = _features_sql(conn, collection, (rows_sql, params), crs, where)
    returned, body = conn.execute(
        text(sql), {**params, "ogc_limit": limit, "ogc_offset": offset}
    ).one()
    if returned < limit and (returned or not offset):
        matched = offset + returned  # the last page: no need to count
    else:
        count = f"SELECT count(*) FROM ({rows_sql}) AS t WHERE {where}"
        matched = conn.execute(text(count), params).scalar_one()
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
    sql = _features_sql(conn, collection, (rows_sql, params), crs, where)
    params.update(ogc_feature_id=feature_id, ogc_limit=1, ogc_offset=0)
    _, body = conn.execute(text(sql), params).one()
    return body.encode() if body else None
