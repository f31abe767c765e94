"""Outlines packed for the map: projection, rings, Douglas–Peucker ranks and the binary format."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.outlines import (
    NEVER,
    Group,
    douglas_peucker_ranks,
    feature_boxes,
    flatten_rings,
    mercator_pixels,
    pack,
    rank_levels,
)
from tests.packed_outlines import unpack


def reference_ranks(points: np.ndarray, start: int, end: int) -> list[float]:
    """The page's own ranking (rankVertices of outlines.js), one segment at a time."""
    ranks = [0.0] * (end - start)
    ranks[0] = ranks[-1] = math.inf
    stack = [(start, end - 1, math.inf)]
    while stack:
        first, last, ceiling = stack.pop()
        if last - first < 2:
            continue
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        farthest, distance2 = first + 1, -1.0
        for vertex in range(first + 1, last):
            px, py = points[vertex][0] - ax, points[vertex][1] - ay
            if length2 > 0:
                t = max(0.0, min(1.0, (px * dx + py * dy) / length2))
                px, py = px - t * dx, py - t * dy
            if px * px + py * py > distance2:
                farthest, distance2 = vertex, px * px + py * py
        rank = min(ceiling, math.sqrt(distance2))
        ranks[farthest - start] = rank
        stack += [(first, farthest, rank), (farthest, last, rank)]
    return ranks


def test_mercator_pixels_are_leaflets_zoom_0():
    pixels = mercator_pixels(np.array([[0.0, 0.0], [180.0, 0.0], [3.0573, 50.6292], [0, 89.9]]))
    assert pixels[0] == pytest.approx([128, 128])
    assert pixels[1] == pytest.approx([256, 128])
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(3.0573, 50.6292)
    metres_per_pixel = 2 * math.pi * 6378137 / 256
    assert pixels[2] == pytest.approx([128 + x / metres_per_pixel, 128 - y / metres_per_pixel])
    assert pixels[3][1] == pytest.approx(0, abs=1e-6)  # clamped to Web Mercator's limit


def test_rings_of_polygons_with_holes_multipolygons_and_nothing():
    square = shapely.box(0, 40, 1, 41)
    holed = shapely.Polygon(
        [(2, 40), (4, 40), (4, 42), (2, 42)], [[(2.5, 40.5), (3, 40.5), (3, 41), (2.5, 40.5)]]
    )
    rings = flatten_rings([shapely.MultiPolygon([square, holed]), None, square])
    assert rings.feature_rings.tolist() == [0, 3, 3, 4]
    assert rings.ring_ends.tolist() == [5, 10, 14, 19]
    assert rings.points[:5] == pytest.approx(
        mercator_pixels(np.array(square.exterior.coords)), abs=1e-12
    )


def test_ranks_are_those_the_page_computed():
    rng = np.random.default_rng(10)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 300))
    radius = 1 + 0.2 * rng.standard_normal(300)
    ring = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    ring = np.vstack([ring, ring[:1]])
    line = np.column_stack([np.arange(5.0), np.zeros(5)])  # collinear: ranks 0 inside
    points = np.vstack([ring, line, [[7.0, 7.0]]])
    ends = np.array([len(ring), len(ring) + 5, len(ring) + 6], dtype=np.uint32)
    ranks = douglas_peucker_ranks(points, ends)
    expected = (
        reference_ranks(points, 0, len(ring))
        + reference_ranks(points, len(ring), len(ring) + 5)
        + [math.inf]
    )
    assert ranks.tolist() == expected
    assert ranks[len(ring) + 1 : len(ring) + 4].tolist() == [0, 0, 0]


def test_levels_never_leave_out_a_vertex_a_tolerance_keeps():
    ranks = np.array([math.inf, 0.0, 1.5, 1.0, 0.3, 2**-10, 2**-40])
    levels = rank_levels(ranks)
    assert levels.tolist() == [0, NEVER, 0, 0, 13, 80, 254]
    # the rank each level stands for in the page: level 0 is drawn at every zoom
    level = levels.astype(float)
    standing = np.where(level == 0, math.inf, np.where(level == NEVER, 0, 2 ** (-level / 8)))
    assert np.all(standing >= ranks)
    assert np.all(standing[4:6] < 2 ** (1 / 8) * ranks[4:6])


def test_boxes_of_features_with_and_without_vertices():
    rings = flatten_rings([shapely.box(0, 40, 1, 41), None, shapely.box(2, 42, 3, 43)])
    points = rings.points.astype(np.float32)
    boxes = feature_boxes(points, rings)
    assert boxes[0].tolist() == [*points[:5].min(axis=0), *points[:5].max(axis=0)]
    assert boxes[1].tolist() == [np.inf, np.inf, -np.inf, -np.inf]
    assert boxes[2].tolist() == [*points[5:].min(axis=0), *points[5:].max(axis=0)]


def test_packed_outlines_read_back_to_a_centimetre():
    arras = shapely.MultiPolygon([shapely.box(2.7, 50.2, 2.8, 50.3)])
    holed = shapely.Polygon(
        [(3, 50), (3.2, 50), (3.2, 50.2), (3, 50.2)], [[(3.05, 50.05), (3.1, 50.05), (3.1, 50.1)]]
    )
    groups = unpack(
        pack(
            [
                Group("communes", ["62041", "59350"], [arras, holed]),
                Group("epci", ["200033579"], [shapely.union(arras, holed)]),
            ]
        )
    )
    communes = groups["communes"]
    assert communes["codes"] == ["62041", "59350"]
    assert communes["feature_rings"] == [0, 1, 3]
    assert communes["ring_ends"] == [5, 10, 14]
    expected = flatten_rings([arras, holed]).points
    assert np.abs(communes["points"] - expected).max() < 1e-7  # 1 cm: 2.4e-7 pixel of zoom 0
    assert communes["origin"].tolist() == expected.min(axis=0).tolist()
    relative = communes["relative"].astype(np.float64)
    ranks = douglas_peucker_ranks(relative, np.array(communes["ring_ends"]))
    assert communes["levels"].tolist() == rank_levels(ranks).tolist()
    boxes = communes["boxes"] + np.tile(communes["origin"], 2)
    assert boxes[0] == pytest.approx([*expected[:5].min(axis=0), *expected[:5].max(axis=0)])
    assert groups["epci"]["codes"] == ["200033579"]
    assert groups["epci"]["feature_rings"] == [0, 3]
