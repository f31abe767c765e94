"""Place residences in their EPCI, QPV and IRIS, with the distance to the nearest QPV (PostGIS).

Set-based: the points to place are gathered in a temporary table, `residence_placement`, filled
by a few joins (commune, QPV, IRIS). The distance of a point outside every QPV is measured on the
sphere (within 0.5 % of the ellipsoid's, and five times cheaper) to its nearest few QPV, taken QPV
by QPV, so that PostGIS builds each QPV's distance tree once rather than once per residence; near
the 300 m band's edge it is measured again on the ellipsoid. An import reads the table as it
writes its residences; the other callers write it back to the residences in one update.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

NEAR_QPV_M = 300
"""The band of art. 278 sexies CGI (reduced VAT), shown as context only."""

NEAREST_CANDIDATES = 4
"""QPV pre-selected by the index (planar, in degrees) before the distance on the sphere."""
SPHERE_GAP = 0.01
"""The sphere's distances are within 0.5 % of the ellipsoid's in France: twice that margin."""
NEARER_AT_MOST = 1.7
"""A candidate further than this many times the nearest one, in planar degrees, cannot be nearer
on the sphere in metropolitan France: a degree of longitude is never shorter than cos(51.5°) =
0.62 degree of latitude there (1 / 0.62 = 1.61), so it is not measured."""

PLACEMENT_TABLE = "residence_placement"
PLACED_COLUMNS = ("epci_siren", "qpv_code", "iris_code", "distance_qpv_m", "near_qpv_300m")
"""What placement sets on a residence: the columns of `PLACEMENT_TABLE` beside `key`."""

GATHER = f"""
CREATE TEMP TABLE {PLACEMENT_TABLE} AS
SELECT p.key, p.geom, c.epci_siren, NULL::text AS qpv_code, NULL::text AS iris_code,
       NULL::float8 AS distance_qpv_m, false AS near_qpv_300m
FROM ({{points}}) AS p JOIN commune c ON c.insee = p.commune_insee
"""

IN_POLYGON = f"""
UPDATE {PLACEMENT_TABLE} p SET {{column}} = found.code
FROM (
    SELECT DISTINCT ON (p.key) p.key, a.code
    FROM {PLACEMENT_TABLE} p JOIN {{table}} a ON ST_Intersects(a.geom, p.geom)
    ORDER BY p.key, a.code
) AS found
WHERE found.key = p.key
"""

NEAREST_QPV = f"""
UPDATE {PLACEMENT_TABLE} p SET
    distance_qpv_m = measured.distance,
    near_qpv_300m = measured.distance <= {NEAR_QPV_M}
FROM (
    SELECT key, min(distance) AS distance
    FROM (
        SELECT c.key, ST_Distance(q.geog, c.geom::geography, false) AS distance
        FROM (
            SELECT p.key, p.geom, k.code
            FROM {PLACEMENT_TABLE} p
            CROSS JOIN LATERAL (
                SELECT n.code, n.planar, min(n.planar) OVER () AS nearest
                FROM (SELECT q.code, q.geom <-> p.geom AS planar FROM qpv q
                      ORDER BY q.geom <-> p.geom LIMIT {NEAREST_CANDIDATES}) AS n
            ) AS k
            WHERE p.qpv_code IS NULL AND k.planar <= k.nearest * {NEARER_AT_MOST}
            ORDER BY k.code
            OFFSET 0
        ) AS c
        JOIN (SELECT code, geom::geography AS geog FROM qpv) AS q ON q.code = c.code
        OFFSET 0
    ) AS candidate
    GROUP BY key
) AS measured
WHERE measured.key = p.key
"""
"""The `OFFSET 0` keep the candidates sorted by QPV until their distance is measured."""

NEAR_BAND_ON_ELLIPSOID = f"""
UPDATE {PLACEMENT_TABLE} p SET
    distance_qpv_m = exact.distance,
    near_qpv_300m = exact.distance <= {NEAR_QPV_M}
FROM (
    SELECT p.key,
           (SELECT min(ST_Distance(k.geom::geography, p.geom::geography))
              FROM (SELECT q.geom FROM qpv q ORDER BY q.geom <-> p.geom
                    LIMIT {NEAREST_CANDIDATES}) AS k) AS distance
    FROM {PLACEMENT_TABLE} p
    WHERE p.distance_qpv_m
          BETWEEN {NEAR_QPV_M * (1 - SPHERE_GAP)} AND {NEAR_QPV_M * (1 + SPHERE_GAP)}
) AS exact
WHERE exact.key = p.key
"""
"""Around the band's edge, the distance is measured again on the ellipsoid, so that the band
(`near_qpv_300m`) is decided exactly as the law measures it."""

INSIDE_QPV = f"UPDATE {PLACEMENT_TABLE} SET distance_qpv_m = 0 WHERE qpv_code IS NOT NULL"

WRITE_BACK = f"""
UPDATE residence r SET {", ".join(f"{c} = p.{c}" for c in PLACED_COLUMNS)}, updated_at = now()
FROM {PLACEMENT_TABLE} p
WHERE p.key = r.id
"""

RESIDENCE_POINTS = "SELECT id AS key, geom, commune_insee FROM residence"


def place_points(conn: Connection, points: str) -> None:
    """Fill `PLACEMENT_TABLE` for the rows of the query `points` (`key`, `geom` in WGS84,
    `commune_insee`); the caller drops the table once read."""
    conn.execute(text(GATHER.format(points=points)))
    conn.execute(text(f"ANALYZE {PLACEMENT_TABLE}"))
    conn.execute(text(IN_POLYGON.format(column="qpv_code", table="qpv")))
    conn.execute(text(IN_POLYGON.format(column="iris_code", table="iris")))
    conn.execute(text(NEAREST_QPV))
    conn.execute(text(NEAR_BAND_ON_ELLIPSOID))
    conn.execute(text(INSIDE_QPV))


def place_residences(conn: Connection) -> int:
    """Recompute the placement of every residence."""
    place_points(conn, RESIDENCE_POINTS)
    placed = conn.execute(text(WRITE_BACK)).rowcount
    conn.execute(text(f"DROP TABLE {PLACEMENT_TABLE}"))
    return placed
