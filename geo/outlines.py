"""Polygon outlines packed for a web map: projected, quantized, binary.

A browser drawing the 3,782 communes of a region (175,000 vertices) spent longer parsing their
GeoJSON and projecting every vertex than drawing them (issue #10). Packed here, each vertex is
already in the pixels of Web Mercator (EPSG:3857) at zoom 0, Leaflet's `latLngToPoint(…, 0)`,
with its Douglas–Peucker rank, and the page reads typed arrays straight from the bytes: nothing
is decoded vertex by vertex.

The bytes (little-endian): a `uint32` length, then that many bytes of UTF-8 JSON (padded with
spaces to a multiple of 4), `{"groups": [{"name", "codes", "rings", "vertices", "origin"}…]}`;
then, for each group in order, `uint32 feature_rings[len(codes) + 1]` (the first ring of each
feature, then the number of rings), `uint32 ring_ends[rings]` (the end of each ring in the
vertices), `float32 boxes[4 × len(codes)]` (min x, min y, max x, max y of each feature; +∞, +∞,
−∞, −∞ without vertices), `float32 points[2 × vertices]` (x, y of each vertex) and
`uint8 levels[vertices]` (the rank of each vertex, `rank_levels`), padded with zeros to a
multiple of 4. Boxes and points are counted from `origin` (the least x and y of the group), so
that a `float32` holds them to about 0.1 m over the whole of France.

The ranks are those the page computed itself before: a simplification of tolerance t (in pixels
of zoom 0) keeps the vertices of rank at least t, so the map draws a ring within one screen pixel
of its data at any zoom from a few of its vertices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

MAX_LATITUDE = 85.0511287798
"""Web Mercator's limit, as Leaflet clamps it."""
TILE_SIZE = 256
LEVELS_PER_ZOOM = 8
"""Levels of rank per zoom level: a vertex is drawn from at most an eighth of a zoom early."""
NEVER = 255
"""The level of a vertex of rank 0 (on the line of its neighbours): never drawn."""

Floats = npt.NDArray[np.float64]
Indices = npt.NDArray[np.uint32]


def mercator_pixels(lon_lat: Floats) -> Floats:
    """WGS84 `[[lon, lat]…]` (degrees) → Web Mercator pixels at zoom 0 (`[[x, y]…]`, y down), as
    Leaflet's `CRS.EPSG3857.latLngToPoint(latLng, 0)` computes them."""
    lon = lon_lat[:, 0]
    lat = np.clip(lon_lat[:, 1], -MAX_LATITUDE, MAX_LATITUDE)
    sin = np.sin(np.radians(lat))
    x = TILE_SIZE * (np.radians(lon) / (2 * np.pi) + 0.5)
    y = TILE_SIZE * (0.5 - np.log((1 + sin) / (1 - sin)) / (4 * np.pi))
    return np.column_stack([x, y])


@dataclass(frozen=True)
class Rings:
    """Every ring of some (Multi)Polygons, flattened: `feature_rings[i]` is the first ring of
    feature i (one more entry: the ring count), `ring_ends[r]` the end of ring r in `points`."""

    feature_rings: Indices
    ring_ends: Indices
    points: Floats


def flatten_rings(geometries: Sequence[shapely.Geometry | None]) -> Rings:
    """The rings of `geometries` (Polygon or MultiPolygon, WGS84; None or anything else has no
    ring), exterior then holes, polygon by polygon, in Web Mercator pixels at zoom 0."""
    polygons, polygon_owner = shapely.get_parts(
        np.array(
            [
                g if isinstance(g, shapely.Polygon | shapely.MultiPolygon) else None
                for g in geometries
            ],
            dtype=object,
        ),
        return_index=True,
    )
    rings, ring_polygon = shapely.get_rings(polygons, return_index=True)
    ring_owner = polygon_owner[ring_polygon]
    counts = np.bincount(ring_owner, minlength=len(geometries))
    feature_rings = np.concatenate([[0], np.cumsum(counts)]).astype(np.uint32)
    ring_ends = np.cumsum(shapely.get_num_coordinates(rings)).astype(np.uint32)
    lon_lat = shapely.get_coordinates(rings)
    return Rings(feature_rings, ring_ends, mercator_pixels(lon_lat))


def douglas_peucker_ranks(points: Floats, ring_ends: Indices) -> Floats:
    """The Douglas–Peucker rank of each vertex of the rings ending at `ring_ends` in `points`:
    a simplification of tolerance t (in the unit of the points) keeps the vertices of rank at
    least t. The ends of a ring are always kept (infinite rank); a vertex is ranked by its
    distance to the segment it splits, never above the rank of the vertex that split that
    segment. The segments of every ring are split together, one depth at a time."""
    ranks = np.zeros(len(points))
    ends = ring_ends.astype(np.int64)
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    some = ends > starts
    first, last = starts[some], ends[some] - 1
    ranks[first] = np.inf
    ranks[last] = np.inf
    ceiling = np.full(len(first), np.inf)
    xs, ys = points[:, 0], points[:, 1]
    while True:
        split = last - first >= 2
        first, last, ceiling = first[split], last[split], ceiling[split]
        if len(first) == 0:
            return ranks
        counts = last - first - 1
        offsets = np.cumsum(counts) - counts
        segment = np.repeat(np.arange(len(first)), counts)
        vertex = np.arange(int(counts.sum())) + np.repeat(first + 1 - offsets, counts)
        dx, dy = (xs[last] - xs[first])[segment], (ys[last] - ys[first])[segment]
        px, py = xs[vertex] - xs[first][segment], ys[vertex] - ys[first][segment]
        length2 = dx * dx + dy * dy
        with np.errstate(divide="ignore", invalid="ignore"):
            along = np.where(length2 > 0, np.clip((px * dx + py * dy) / length2, 0, 1), 0)
        px -= along * dx
        py -= along * dy
        distance2 = px * px + py * py
        farthest2 = np.maximum.reduceat(distance2, offsets)
        hits = np.flatnonzero(distance2 == farthest2[segment])
        first_hit = np.ones(len(hits), dtype=bool)
        first_hit[1:] = segment[hits[1:]] != segment[hits[:-1]]
        farthest = vertex[hits[first_hit]]
        rank = np.minimum(ceiling, np.sqrt(farthest2))
        ranks[farthest] = rank
        first, last = np.concatenate([first, farthest]), np.concatenate([farthest, last])
        ceiling = np.concatenate([rank, rank])


def rank_levels(ranks: Floats) -> npt.NDArray[np.uint8]:
    """Ranks (pixels of zoom 0) as bytes: level `floor(-LEVELS_PER_ZOOM × log2(rank))`, within
    0..254, `NEVER` for 0. The rank a level stands for, `2 ** (-level / LEVELS_PER_ZOOM)`, is at
    least the true one: a vertex is never left out of a simplification that keeps it."""
    with np.errstate(divide="ignore"):
        levels = np.floor(-LEVELS_PER_ZOOM * np.log2(ranks))
    clipped: Floats = np.clip(np.nan_to_num(levels, posinf=NEVER, neginf=0), 0, NEVER - 1)
    out: npt.NDArray[np.uint8] = clipped.astype(np.uint8)
    out[ranks == 0] = NEVER
    return out


def feature_boxes(points: npt.NDArray[np.float32], rings: Rings) -> npt.NDArray[np.float32]:
    """`[[min x, min y, max x, max y]…]` of each feature of `rings` whose vertices are `points`;
    `[+∞, +∞, −∞, −∞]` for a feature without any."""
    boxes = np.tile(
        np.array([np.inf, np.inf, -np.inf, -np.inf], dtype=np.float32),
        (len(rings.feature_rings) - 1, 1),
    )
    vertex_bounds = np.concatenate([[0], rings.ring_ends]).astype(np.int64)
    starts = vertex_bounds[rings.feature_rings[:-1]]
    some = vertex_bounds[rings.feature_rings[1:]] > starts
    if some.any():
        boxes[some, :2] = np.minimum.reduceat(points, starts[some], axis=0)
        boxes[some, 2:] = np.maximum.reduceat(points, starts[some], axis=0)
    return boxes


@dataclass(frozen=True)
class Group:
    """One layer of outlines to pack: its name, and the code and geometry of each feature."""

    name: str
    codes: Sequence[str]
    geometries: Sequence[shapely.Geometry | None]


def pack(groups: Sequence[Group]) -> bytes:
    """The packed bytes of `groups` (the format of this module's docstring)."""
    header: dict[str, list[dict[str, object]]] = {"groups": []}
    blocks: list[bytes] = []
    for group in groups:
        rings = flatten_rings(group.geometries)
        origin = rings.points.min(axis=0) if len(rings.points) else np.zeros(2)
        points = (rings.points - origin).astype(np.float32)
        levels = rank_levels(douglas_peucker_ranks(points.astype(np.float64), rings.ring_ends))
        header["groups"].append(
            {
                "name": group.name,
                "codes": list(group.codes),
                "rings": len(rings.ring_ends),
                "vertices": len(points),
                "origin": [float(origin[0]), float(origin[1])],
            }
        )
        blocks += [
            rings.feature_rings.astype("<u4").tobytes(),
            rings.ring_ends.astype("<u4").tobytes(),
            feature_boxes(points, rings).astype("<f4").tobytes(),
            points.astype("<f4").tobytes(),
            levels.tobytes() + bytes(-len(levels) % 4),
        ]
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    return len(text).to_bytes(4, "little") + text + b"".join(blocks)
