"""Vector tiles (Mapbox Vector Tile 2.1) built by PostGIS: residences and QPV.

Residence tiles read the rows of the map layer (`app.layers.residence_rows_sql`): the same
filters, and the grades exactly as the access gate shows them to the caller. Every residence
belongs to exactly one tile of each zoom: the tile whose half-open Web Mercator square
[xmin, xmax) × (ymin, ymax] holds its point (`floor` of its position in tiles), so the counts
of the tiles of any zoom add up to the total of the selection, whatever lies on a tile edge.
That position is stored (`residence.merc_x`, `merc_y`, migration 0011, kept by PostgreSQL): a
tile reprojects no point.

- From `CLUSTER_MAXZOOM` on, a tile holds its residences (code, grade, status, dwellings); the
  map asks `/api/residences/{code}` for the rest when one is clicked.
- Below, residences are gathered in the cells of a `CELLS` × `CELLS` grid of each tile (cells
  nest in tiles, so each cell lies in one tile), drawn at the mean point of their residences
  (inside the cell, hence inside its tile). A cell carries its numbers of residences
  (`residences`) and dwellings (`dwellings`), then per class of the legend: `grade_1`…`grade_4`
  (agreed grades the caller reads), `hidden` (a grade exists that the caller may not read) and
  `none` (no agreed grade), each with its dwellings (`grade_1_dwellings`…). A zero is left out
  (MVT omits NULL values).

A cell counts by grade only grades the gate shows the caller one by one on the map layer, and
counts the others as `hidden`: it publishes no figure derived from a grade the caller cannot
read, so the statistical secret (`geo/secrecy.py`, which protects the grades a reader does not
see, below 11 residences) has nothing to hide in it, whatever its size. An anonymous visitor,
and anyone but the EPCI's administrators during blind grading, gets no `grade_*` at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.layers import ResidenceFilter, residence_rows_sql
from geo.grades import GRADES

MAX_ZOOM = 22
CLUSTER_MAXZOOM = 13
"""Below this zoom (a commune's scale), residences come gathered in cells."""
CELLS = 8
"""Cells per side of a tile when gathered: 32 pixels of a 256-pixel tile."""
EXTENT = 4096
BUFFER = 64
MERCATOR_HALF = 20037508.342789244
"""Half the side of the Web Mercator square (EPSG:3857), in metres."""
MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
RESIDENCES, QPV = "residences", "qpv"
LAYERS = (RESIDENCES, QPV)


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise ValueError(f"zoom {self.z} hors de 0 à {MAX_ZOOM}")
        if not (0 <= self.x < 2**self.z and 0 <= self.y < 2**self.z):
            raise ValueError(f"tuile {self.x}/{self.y} hors de la grille du zoom {self.z}")

    @property
    def size(self) -> float:
        """The side of the tile in Web Mercator metres."""
        return 2 * MERCATOR_HALF / 2**self.z

    @property
    def clustered(self) -> bool:
        return self.z < CLUSTER_MAXZOOM

    def lonlat_bounds(self, margin: float = 0.01) -> tuple[float, float, float, float]:
        """The tile in WGS84 (minLon, minLat, maxLon, maxLat), widened by `margin` of its side so
        that a prefilter on it never misses a point of its edges."""
        n = 2**self.z

        def lon(x: float) -> float:
            return x / n * 360.0 - 180.0

        def lat(y: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

        x0, x1 = self.x - margin, self.x + 1 + margin
        y0, y1 = self.y - margin, self.y + 1 + margin
        return (
            max(-180.0, lon(x0)),
            max(-90.0, lat(min(n, y1))),
            min(180.0, lon(x1)),
            min(90.0, lat(max(0.0, y0))),
        )


def _intersection(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float] | None
) -> tuple[float, float, float, float] | None:
    if b is None:
        return a
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


_IN_TILE = """
    floor((t.merc_x + :tile_half) / :tile_size) = :tile_x
    AND floor((:tile_half - t.merc_y) / :tile_size) = :tile_y
"""
"""The tile of a point by its position in tiles: every point in exactly one tile."""

_ROWS = """
    WITH t AS MATERIALIZED ({rows}),
    inside AS (SELECT t.* FROM t WHERE {in_tile})
"""
"""The rows of the tile's box, then those of the tile. `MATERIALIZED` keeps the tile test out of
the rows' query: the planner cannot estimate it (it would expect a handful of rows and join a
hundred thousand by nested loops), while it estimates the box from the spatial index's
statistics."""

_POINTS = (
    _ROWS
    + """
    SELECT ST_AsMVT(f, 'residences', {extent}, 'geom') FROM (
        SELECT code, grade, grade_status, nb_logements,
               ST_AsMVTGeom(ST_MakePoint(merc_x, merc_y),
                            ST_TileEnvelope(:tile_z, :tile_x, :tile_y), {extent}, {buffer})
                   AS geom
        FROM inside
    ) f WHERE f.geom IS NOT NULL
"""
)

_CLASS_CONDITIONS = {
    **{f"grade_{g}": f"grade = {g}" for g in GRADES},
    "hidden": "grade_status = 'hidden'",
    "none": "grade_status = 'none'",
}
"""The classes of the legend a cell counts, with the condition on a residence of each."""
_CLASS_COUNTS = ",\n".join(
    f'NULLIF(count(*) FILTER (WHERE {condition}), 0) AS "{name}", '
    f'NULLIF(sum(nb_logements) FILTER (WHERE {condition}), 0) AS "{name}_dwellings"'
    for name, condition in _CLASS_CONDITIONS.items()
)

_CELLS = (
    _ROWS
    + """
    SELECT ST_AsMVT(f, 'residences', {extent}, 'geom') FROM (
        SELECT count(*) AS residences, sum(nb_logements) AS dwellings,
               {class_counts},
               ST_AsMVTGeom(ST_MakePoint(avg(merc_x), avg(merc_y)),
                            ST_TileEnvelope(:tile_z, :tile_x, :tile_y), {extent}, {buffer})
                   AS geom
        FROM inside
        GROUP BY floor((merc_x + :tile_half) / :cell_size),
                 floor((:tile_half - merc_y) / :cell_size)
    ) f WHERE f.geom IS NOT NULL
"""
)


def residence_tile(conn: Connection, tile: Tile, flt: ResidenceFilter) -> bytes:
    """The MVT of the residences of `flt` (gate included) in `tile`: points, or cells below
    `CLUSTER_MAXZOOM`; empty bytes when none."""
    box = _intersection(tile.lonlat_bounds(), flt.bbox)
    if box is None:
        return b""
    rows, params = residence_rows_sql(replace(flt, bbox=box), for_tiles=True)
    template = _CELLS if tile.clustered else _POINTS
    sql = template.format(
        rows=rows, in_tile=_IN_TILE, extent=EXTENT, buffer=BUFFER, class_counts=_CLASS_COUNTS
    )
    params.update(
        tile_z=tile.z,
        tile_x=tile.x,
        tile_y=tile.y,
        tile_half=MERCATOR_HALF,
        tile_size=tile.size,
        cell_size=tile.size / CELLS,
    )
    return bytes(conn.execute(text(sql), params).scalar_one() or b"")


QPV_TILE_SQL = f"""
    SELECT ST_AsMVT(f, 'qpv', {EXTENT}, 'geom') FROM (
        SELECT q.code, q.name, q.source,
               ST_AsMVTGeom(ST_Transform(q.geom, 3857),
                            ST_TileEnvelope(:tile_z, :tile_x, :tile_y), {EXTENT}, {BUFFER})
                   AS geom
        FROM qpv q
        WHERE q.geom && ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326)
    ) f WHERE f.geom IS NOT NULL
"""
"""QPV perimeters clipped to the tile (and its buffer), as the GeoJSON layer gives them."""


def qpv_tile(conn: Connection, tile: Tile) -> bytes:
    xmin, ymin, xmax, ymax = tile.lonlat_bounds(margin=BUFFER / EXTENT)
    params = {"tile_z": tile.z, "tile_x": tile.x, "tile_y": tile.y}
    params.update(xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax)
    return bytes(conn.execute(text(QPV_TILE_SQL), params).scalar_one() or b"")


CELL_FIELDS = {
    "residences": "Number",
    "dwellings": "Number",
    **{name: "Number" for name in _CLASS_CONDITIONS},
    **{f"{name}_dwellings": "Number" for name in _CLASS_CONDITIONS},
}
POINT_FIELDS = {
    "code": "String",
    "grade": "Number",
    "grade_status": "String",
    "nb_logements": "Number",
}
QPV_FIELDS = {"code": "String", "name": "String", "source": "String"}

LAYER_DESCRIPTIONS = {
    RESIDENCES: (
        f"Résidences : jusqu'au zoom {CLUSTER_MAXZOOM - 1}, regroupées par cellule (nombre de "
        "résidences, de logements et répartition par classe de la légende, selon vos droits) ; "
        f"à partir du zoom {CLUSTER_MAXZOOM}, une par résidence."
    ),
    QPV: "Périmètres des quartiers prioritaires de la politique de la ville.",
}


def extent(conn: Connection, layer: str) -> list[float] | None:
    """The bounds of a layer's table in WGS84 (None: empty)."""
    table = "residence" if layer == RESIDENCES else "qpv"
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            f" FROM (SELECT ST_Extent(geom) AS e FROM {table}) s"
        )
    ).one()
    return None if row[0] is None else [float(v) for v in row]


def tilejson(conn: Connection, layer: str, tiles_url: str) -> dict:
    """The TileJSON 3.0.0 document of a layer, its tiles at `tiles_url` ({z}/{x}/{y} inside)."""
    bounds = extent(conn, layer) or [-180.0, -85.0511, 180.0, 85.0511]
    if layer == RESIDENCES:
        cells, points = CELL_FIELDS.items(), POINT_FIELDS.items()
        vector_layers = [
            {
                "id": RESIDENCES,
                "description": LAYER_DESCRIPTIONS[RESIDENCES],
                "minzoom": 0,
                "maxzoom": MAX_ZOOM,
                "fields": {
                    **{name: f"{kind} (zoom < {CLUSTER_MAXZOOM})" for name, kind in cells},
                    **{name: f"{kind} (zoom ≥ {CLUSTER_MAXZOOM})" for name, kind in points},
                },
            }
        ]
    else:
        vector_layers = [
            {
                "id": QPV,
                "description": LAYER_DESCRIPTIONS[QPV],
                "minzoom": 0,
                "maxzoom": MAX_ZOOM,
                "fields": QPV_FIELDS,
            }
        ]
    return {
        "tilejson": "3.0.0",
        "name": f"qualiparc — {layer}",
        "description": LAYER_DESCRIPTIONS[layer],
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 9],
        "vector_layers": vector_layers,
    }
