"""Place residences in their EPCI, QPV and IRIS, with the distance to the nearest QPV (PostGIS)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

NEAR_QPV_M = 300
"""The band of art. 278 sexies CGI (reduced VAT), shown as context only."""

NEAREST_CANDIDATES = 4
"""QPV pre-selected by the index (planar, in degrees) before the exact distance on geography."""

PLACE_SQL = f"""
WITH placed AS (
    SELECT r.id, c.epci_siren,
        (SELECT q.code FROM qpv q WHERE ST_Intersects(q.geom, r.geom)
          ORDER BY q.code LIMIT 1) AS qpv_code,
        (SELECT i.code FROM iris i WHERE ST_Intersects(i.geom, r.geom)
          ORDER BY i.code LIMIT 1) AS iris_code,
        (SELECT min(ST_Distance(k.geom::geography, r.geom::geography))
           FROM (SELECT q.geom FROM qpv q ORDER BY q.geom <-> r.geom
                 LIMIT {NEAREST_CANDIDATES}) AS k) AS distance
    FROM residence r JOIN commune c ON c.insee = r.commune_insee
    WHERE {{scope}}
)
UPDATE residence r SET
    epci_siren = p.epci_siren,
    qpv_code = p.qpv_code,
    iris_code = p.iris_code,
    distance_qpv_m = CASE WHEN p.qpv_code IS NOT NULL THEN 0 ELSE p.distance END,
    near_qpv_300m = p.qpv_code IS NULL AND COALESCE(p.distance <= {NEAR_QPV_M}, false),
    updated_at = now()
FROM placed p
WHERE p.id = r.id
"""


def place_residences(conn: Connection, codes: list[str] | None = None) -> int:
    """Recompute the placement of the given residences (all when `codes` is None)."""
    scope = "r.code = ANY(:codes)" if codes is not None else "true"
    result = conn.execute(text(PLACE_SQL.format(scope=scope)), {"codes": codes or []})
    return result.rowcount
