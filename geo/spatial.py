"""Metric geometry on WGS84 data: Lambert-93 projection, distances in metres, point lookup."""

from __future__ import annotations

from typing import TypeVar

import geopandas as gpd
import shapely
from pyproj import Geod
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geo.crs import LAMBERT93, WGS84, crs_name, transformer

Geometry = TypeVar("Geometry", bound=BaseGeometry)
ELLIPSOID = Geod(ellps="GRS80")


def _reproject(geometry: Geometry, source: str, target: str) -> Geometry:
    project = transformer(source, target)
    return shapely.transform(geometry, lambda x, y: project.transform(x, y), interleaved=False)


def to_lambert93(geometry: Geometry) -> Geometry:
    """A WGS84 geometry in Lambert-93 metres."""
    return _reproject(geometry, WGS84, LAMBERT93)


def from_lambert93(geometry: Geometry) -> Geometry:
    """A Lambert-93 geometry in WGS84 degrees."""
    return _reproject(geometry, LAMBERT93, WGS84)


def distance_m(point_wgs84: Point, geometry_wgs84: BaseGeometry) -> float:
    """Metres from a point to a geometry (0 inside), on the ellipsoid like PostGIS geography.

    The nearest point is found in Lambert-93, whose scale error (up to 3 mm/m) would otherwise
    show in the distance itself.
    """
    point, geometry = to_lambert93(point_wgs84), to_lambert93(geometry_wgs84)
    if geometry.intersects(point):
        return 0.0
    nearest = from_lambert93(nearest_points(point, geometry)[1])
    return float(ELLIPSOID.inv(point_wgs84.x, point_wgs84.y, nearest.x, nearest.y)[2])


def locate(point: Point, gdf: gpd.GeoDataFrame, key: str) -> str | None:
    """The `key` of the first polygon of `gdf` that holds the WGS84 point (edges included)."""
    source = crs_name(gdf.crs) or WGS84
    probe = point if source == WGS84 else _reproject(point, WGS84, source)
    hits = gdf.sindex.query(probe, predicate="intersects")
    if not len(hits):
        return None
    value = gdf[key].iloc[int(min(hits))]
    return None if value is None else str(value)
