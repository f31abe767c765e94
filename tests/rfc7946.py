"""What RFC 7946 asks of a GeoJSON document, as a list of readable problems (empty: it conforms).

- No `crs` member anywhere (§4: WGS84 longitude, latitude only).
- Positions of two or three numbers, longitudes in [-180, 180], latitudes in [-90, 90] (§3.1.1).
- Polygon rings closed, of four positions at least, exterior rings counter-clockwise and holes
  clockwise: the right-hand rule (§3.1.6), read by shapely.
- A `bbox` of 2 × n numbers, south before north (§5).
"""

from __future__ import annotations

from collections.abc import Iterator

from shapely.geometry import LinearRing

GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


def _crs_members(value: object, where: str) -> Iterator[str]:
    if isinstance(value, dict):
        if "crs" in value:
            yield f"{where}: a `crs` member"
        for key, item in value.items():
            if key not in ("properties", "coordinates"):
                yield from _crs_members(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _crs_members(item, f"{where}[{index}]")


def _position(position: object, where: str) -> Iterator[str]:
    if not (isinstance(position, list) and len(position) in (2, 3)):
        yield f"{where}: a position of 2 or 3 numbers expected, got {position!r}"
        return
    lon, lat = position[:2]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        yield f"{where}: ({lon}, {lat}) out of longitude/latitude range"


def _ring(ring: list, exterior: bool, where: str) -> Iterator[str]:
    for index, position in enumerate(ring):
        yield from _position(position, f"{where}[{index}]")
    if len(ring) < 4 or ring[0] != ring[-1]:
        yield f"{where}: a ring must be closed and hold four positions at least"
        return
    ccw = LinearRing([tuple(p[:2]) for p in ring]).is_ccw
    if exterior and not ccw:
        yield f"{where}: exterior ring clockwise (right-hand rule: counter-clockwise)"
    if not exterior and ccw:
        yield f"{where}: hole counter-clockwise (right-hand rule: clockwise)"


def _polygon(rings: list, where: str) -> Iterator[str]:
    for index, ring in enumerate(rings):
        yield from _ring(ring, index == 0, f"{where}[{index}]")


def _geometry(geometry: object, where: str) -> Iterator[str]:
    if geometry is None:
        return
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        yield f"{where}: not a GeoJSON geometry"
        return
    kind, coordinates = geometry["type"], geometry.get("coordinates")
    if kind == "GeometryCollection":
        for index, member in enumerate(geometry.get("geometries", [])):
            yield from _geometry(member, f"{where}.geometries[{index}]")
    elif kind == "Point":
        yield from _position(coordinates, where)
    elif kind in ("MultiPoint", "LineString"):
        for index, position in enumerate(coordinates):
            yield from _position(position, f"{where}[{index}]")
    elif kind == "MultiLineString":
        for i, line in enumerate(coordinates):
            for j, position in enumerate(line):
                yield from _position(position, f"{where}[{i}][{j}]")
    elif kind == "Polygon":
        yield from _polygon(coordinates, where)
    else:
        for index, polygon in enumerate(coordinates):
            yield from _polygon(polygon, f"{where}[{index}]")
    yield from _bbox(geometry, where)


def _bbox(member: dict, where: str) -> Iterator[str]:
    box = member.get("bbox")
    if box is None:
        return
    half = len(box) // 2
    if len(box) not in (4, 6):
        yield f"{where}.bbox: 4 or 6 numbers expected"
    elif not box[1] <= box[1 + half]:
        yield f"{where}.bbox: southernmost latitude after the northernmost"


def _feature(feature: object, where: str) -> Iterator[str]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        yield f"{where}: not a Feature"
        return
    if "geometry" not in feature or "properties" not in feature:
        yield f"{where}: a Feature has `geometry` and `properties` members"
    if "id" in feature and not isinstance(feature["id"], str | int | float):
        yield f"{where}.id: a string or a number"
    yield from _bbox(feature, where)
    name = feature.get("id") or (feature.get("properties") or {}).get("code")
    yield from _geometry(feature.get("geometry"), f"{where}[{name}].geometry")


def problems(document: object) -> list[str]:
    """Where `document` (parsed JSON) breaks RFC 7946; at most 20, then their count."""
    found = list(_crs_members(document, "$"))
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        found += _bbox(document, "$")
        for index, feature in enumerate(document.get("features", [])):
            found += _feature(feature, f"$.features[{index}]")
    else:
        found += _feature(document, "$")
    return found[:20] + ([f"… {len(found)} problems in all"] if len(found) > 20 else [])
