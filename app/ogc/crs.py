"""Coordinate reference systems of the OGC API (Features Part 2: `crs`, `bbox-crs`).

Features are stored in WGS84 longitude/latitude (CRS84, the default of Part 1 and RFC 7946).
A client may ask for EPSG:4326, whose axis order is latitude then longitude, or Lambert-93
(EPSG:2154, easting then northing, in metres), as French GIS users work. PostGIS transforms.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from pyproj import CRS

from app.core.errors import InvalidParameter
from geo.crs import LAMBERT93, WGS84, transformer

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"


@dataclass(frozen=True)
class OgcCrs:
    """A CRS a client may ask for, as PostGIS writes it."""

    uri: str
    label: str
    """As French users name it."""
    srid: int
    latitude_first: bool = False
    """EPSG:4326: coordinates written latitude, longitude (the EPSG axis order)."""

    @property
    def metric(self) -> bool:
        return self.srid != 4326

    @property
    def stored(self) -> bool:
        """Coordinates as stored: no transform, no axis swap."""
        return not (self.metric or self.latitude_first)

    def geometry_sql(self, column: str) -> str:
        """SQL of the stored WGS84 geometry `column` in this CRS and its axis order."""
        if self.latitude_first:
            return f"ST_FlipCoordinates({column})"
        if self.metric:  # SRID 0 after the transform: ST_AsGeoJSON then adds no `crs` member
            return f"ST_SetSRID(ST_Transform({column}, {self.srid}), 0)"
        return column

    def digits(self, degree_digits: int) -> int:
        """Decimals written: a degree is about 100 km, so n decimals of a degree are about
        n - 5 decimals of a metre."""
        return max(degree_digits - 5, 0) if self.metric else degree_digits

    def header(self) -> str:
        """The `Content-Crs` header of a response in this CRS."""
        return f"<{self.uri}>"


CRS84 = OgcCrs(CRS84_URI, "WGS84 longitude, latitude (CRS84)", 4326)
EPSG_4326 = OgcCrs(EPSG_URI.format(code=4326), "WGS84 latitude, longitude (EPSG:4326)", 4326, True)
EPSG_2154 = OgcCrs(EPSG_URI.format(code=2154), "Lambert-93 (EPSG:2154)", 2154)
SUPPORTED = (CRS84, EPSG_4326, EPSG_2154)
STORAGE_CRS = CRS84
"""The stored geometry: PostGIS SRID 4326, longitude first."""

_BY_NAME = {
    **{c.uri: c for c in SUPPORTED},
    "[OGC:CRS84]": CRS84,
    "[EPSG:4326]": EPSG_4326,
    "[EPSG:2154]": EPSG_2154,
}
"""URIs, and the safe CURIEs Part 2 also allows."""


def parse_crs(value: str | None, parameter: str) -> OgcCrs:
    """The CRS named by `value` (CRS84 when absent); a French error naming `parameter` else."""
    if value is None or value == "":
        return CRS84
    found = _BY_NAME.get(value.strip())
    if found is None:
        offered = ", ".join(c.uri for c in SUPPORTED)
        raise InvalidParameter(
            f"{parameter} : système de coordonnées non proposé ; valeurs possibles : {offered}."
        )
    return found


_NUMBER = r"[-+]?(?:[0-9]{1,9}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})(?:[eE][-+]?[0-9]{1,3})?"
BBOX_PATTERN = f"^{_NUMBER}(?:,{_NUMBER}){{3}}(?:,{_NUMBER},{_NUMBER})?$"
"""Four numbers (minimum and maximum corners), or six with heights, which are ignored."""


@dataclass(frozen=True)
class Box:
    """A bbox in its CRS's x/y (longitude/latitude or easting/northing) order."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    crs: OgcCrs


@cache
def _lambert93_bounds() -> tuple[float, float, float, float]:
    """Lambert-93's area of use, in metres: a bbox is cut to it before PostGIS transforms it."""
    area = CRS(LAMBERT93).area_of_use
    assert area is not None
    return transformer(WGS84, LAMBERT93).transform_bounds(*area.bounds)


def parse_bbox(value: str | None, crs: OgcCrs) -> Box | None:
    """The `bbox` parameter in `crs` (`bbox-crs`), corners in that CRS's axis order."""
    if not value:
        return None
    if not re.fullmatch(BBOX_PATTERN, value):
        raise InvalidParameter(
            "bbox : attendu quatre nombres « minX,minY,maxX,maxY » séparés par des virgules "
            "(ou six, avec les hauteurs)."
        )
    numbers = [float(part) for part in value.split(",")]
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidParameter("bbox : nombres finis attendus.")
    x0, y0, x1, y1 = numbers
    if crs.latitude_first:
        x0, y0, x1, y1 = y0, x0, y1, x1
    if crs.metric:
        if x0 > x1 or y0 > y1:
            raise InvalidParameter("bbox : il faut minX ≤ maxX et minY ≤ maxY.")
        bx0, by0, bx1, by1 = _lambert93_bounds()
        return Box(max(x0, bx0), max(y0, by0), min(x1, bx1), min(y1, by1), crs)
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InvalidParameter(
            "bbox : il faut -180 ≤ longitudes ≤ 180 et -90 ≤ latitude min ≤ latitude max ≤ 90."
        )
    return Box(x0, y0, x1, y1, crs)


def _envelope(xmin: str, xmax: str, srid: int = 4326) -> str:
    return f"ST_MakeEnvelope({xmin}, :bbox_y0, {xmax}, :bbox_y1, {srid})"


def bbox_condition(box: Box | None, column: str) -> tuple[str, dict[str, float]]:
    """SQL selecting the rows whose WGS84 geometry `column` intersects `box`, and its params.
    A longitude minimum past the maximum crosses the antimeridian (Part 1)."""
    if box is None:
        return "true", {}
    if box.crs.metric:
        if box.xmin > box.xmax or box.ymin > box.ymax:
            return "false", {}  # entirely outside Lambert-93's area of use
        lambert = _envelope(":bbox_x0", ":bbox_x1", box.crs.srid)
        sql = f"ST_Intersects({column}, ST_Transform(ST_Segmentize({lambert}, 1000), 4326))"
    elif box.xmin <= box.xmax:
        sql = f"ST_Intersects({column}, {_envelope(':bbox_x0', ':bbox_x1')})"
    else:
        east, west = _envelope(":bbox_x0", "180"), _envelope("-180", ":bbox_x1")
        sql = f"(ST_Intersects({column}, {east}) OR ST_Intersects({column}, {west}))"
    params = {"bbox_x0": box.xmin, "bbox_y0": box.ymin, "bbox_x1": box.xmax, "bbox_y1": box.ymax}
    return sql, params
