"""Polygon layers read from files (QPV, IRIS, …): repair, reprojection to WGS84, sanity checks."""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84, diagnose_point, guess_crs

GEOMETRY_COLUMN = "géométrie"
"""How errors name the geometry of a feature (it has no column in the user's file)."""


def to_multipolygon(geometry: BaseGeometry | None) -> MultiPolygon | None:
    """Keep the polygonal parts of a geometry, repaired if invalid, as a MultiPolygon (or None)."""
    if geometry is None or geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in ("Polygon", "MultiPolygon") and not part.is_empty
    ]
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    return MultiPolygon(polygons) if polygons else None


def guess_source(geometry: gpd.GeoSeries) -> str | None:
    """The CRS the coordinates look like (WGS84 or Lambert-93), from the features' centres."""
    bounds = geometry.bounds.dropna()
    return guess_crs((bounds.minx + bounds.maxx) / 2, (bounds.miny + bounds.maxy) / 2)


def repair(geometry: BaseGeometry | None) -> tuple[bool, MultiPolygon | None]:
    """(whether it was invalid, the valid MultiPolygon) — None for an empty geometry."""
    if geometry is None or geometry.is_empty:
        return False, None
    return not geometry.is_valid, to_multipolygon(geometry)


def to_wgs84_polygons(
    geometry: gpd.GeoSeries, source: str
) -> tuple[list[bool], list[MultiPolygon | None]]:
    """Repair in the source CRS, reproject, and repair again what reprojection broke."""
    first = [repair(g) for g in geometry]
    series = gpd.GeoSeries([g for _, g in first], crs=source)
    if source != WGS84:
        series = series.to_crs(WGS84)
    second = [repair(g) for g in series]
    flags = [a or b for (a, _), (b, _) in zip(first, second, strict=True)]
    return flags, [g for _, g in second]


def geometry_problem(
    raw: BaseGeometry | None, geometry: MultiPolygon | None, source: str
) -> str | None:
    """A French description of what is wrong with a feature's polygon, or None."""
    if raw is None or raw.is_empty:
        return "géométrie absente"
    if raw.geom_type not in ("Polygon", "MultiPolygon"):
        return f"géométrie de type {raw.geom_type} : un polygone est attendu"
    if geometry is None:
        return "géométrie invalide et irréparable"
    minx, miny, maxx, maxy = raw.bounds
    problem = diagnose_point((minx + maxx) / 2, (miny + maxy) / 2, source)
    if problem and problem != "point hors de France métropolitaine":
        return problem
    return None
