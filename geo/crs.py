"""Coordinate reference systems of French data: naming, guessing and checking points.

French files come in Lambert-93 (EPSG:2154, metres) or WGS84 (EPSG:4326, degrees); users mix them
up or swap latitude and longitude, so every point is checked against metropolitan France.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"

FRANCE_LON = (-5.5, 10.0)
FRANCE_LAT = (41.0, 51.5)
"""Metropolitan France (with Corsica) in WGS84 degrees."""
LAMBERT93_X = (100_000.0, 1_300_000.0)
LAMBERT93_Y = (6_000_000.0, 7_200_000.0)
"""Metropolitan France in Lambert-93 metres."""
AROUND_FRANCE_LON = (-10.0, 15.0)
AROUND_FRANCE_LAT = (38.0, 55.0)
"""A looser box: degrees that are near France, to tell degrees from metres when guessing."""

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

_NAMES = {
    "lambert93": LAMBERT93,
    "l93": LAMBERT93,
    "rgf93": LAMBERT93,
    "rgf93lambert93": LAMBERT93,
    "wgs84": WGS84,
    "crs84": WGS84,
    "ogccrs84": WGS84,
    "urnogcdefcrsogc13crs84": WGS84,
}

_LABELS = {WGS84: "WGS84 (EPSG:4326)", LAMBERT93: "Lambert-93 (EPSG:2154)"}


def _squeeze(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-.:]+", "", ascii_text.lower())


def parse_crs(text: str) -> str:
    """Name a CRS given by a user ("2154", "EPSG:2154", "lambert93", "l93", "wgs84"…) as "EPSG:n".

    Any EPSG code known to PROJ is accepted (e.g. the CC50 conic zone, EPSG:3950).
    """
    key = _squeeze(str(text))
    if key in _NAMES:
        return _NAMES[key]
    match = re.fullmatch(r"(?:urnogcdefcrs)?(?:epsg)?(\d{4,5})", key)
    if match:
        code = f"EPSG:{int(match.group(1))}"
        try:
            CRS.from_user_input(code)
        except CRSError:
            pass
        else:
            return code
    raise ValueError(
        f"système de coordonnées « {text} » inconnu : indiquez Lambert-93 (EPSG:2154) "
        "ou WGS84 (EPSG:4326)"
    )


def crs_name(crs: object) -> str | None:
    """Name a CRS read from a file (pyproj CRS, WKT, "OGC:CRS84"…) as "EPSG:n" when possible."""
    if crs is None:
        return None
    parsed = CRS.from_user_input(crs)
    if parsed.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return WGS84
    code = parsed.to_epsg()
    return f"EPSG:{code}" if code else parsed.to_wkt()


def crs_label(crs: str) -> str:
    """A CRS as named to users: "Lambert-93 (EPSG:2154)", "WGS84 (EPSG:4326)" or its code."""
    return _LABELS.get(crs, crs)


def _within(values: Floats, bounds: tuple[float, float]) -> Flags:
    return (values >= bounds[0]) & (values <= bounds[1])


def _in_france_degrees(lon: Floats, lat: Floats) -> Flags:
    return _within(lon, FRANCE_LON) & _within(lat, FRANCE_LAT)


def _in_lambert93_box(x: Floats, y: Floats) -> Flags:
    return _within(x, LAMBERT93_X) & _within(y, LAMBERT93_Y)


def guess_crs(xs: Iterable[float], ys: Iterable[float]) -> str | None:
    """Tell WGS84 degrees from Lambert-93 metres by where most points fall; None when unclear.

    Degrees count whether or not latitude and longitude are swapped: the per-point check
    (`diagnose_point`) reports swaps.
    """
    x = np.asarray(list(xs), dtype=float)
    y = np.asarray(list(ys), dtype=float)
    finite = np.isfinite(x) & np.isfinite(y)
    x, y = x[finite], y[finite]
    if not len(x):
        return None
    near = _within(x, AROUND_FRANCE_LON) & _within(y, AROUND_FRANCE_LAT)
    swapped = _within(y, AROUND_FRANCE_LON) & _within(x, AROUND_FRANCE_LAT)
    degrees = int(np.count_nonzero(near | swapped))
    metres = int(np.count_nonzero(_in_lambert93_box(x, y)))
    if degrees * 2 > len(x):
        return WGS84
    if metres * 2 > len(x):
        return LAMBERT93
    return None


@lru_cache(maxsize=16)
def transformer(source: str, target: str) -> Transformer:
    """A cached pyproj transformer in x/y (longitude/latitude) order."""
    return Transformer.from_crs(source, target, always_xy=True)


def to_wgs84(xs: Iterable[float], ys: Iterable[float], crs: str) -> tuple[Floats, Floats]:
    """Reproject coordinates to WGS84 longitudes and latitudes."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if crs == WGS84:
        return x.copy(), y.copy()
    lons, lats = transformer(crs, WGS84).transform(x, y)
    return np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)


def _is_france(lon: float, lat: float) -> bool:
    return bool(
        _in_france_degrees(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    )


def _is_lambert93(x: float, y: float) -> bool:
    return bool(_in_lambert93_box(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)))


def diagnose_point(x: float, y: float, declared_crs: str) -> str | None:
    """Why a point given in `declared_crs` is not in metropolitan France (French), or None."""
    if not (np.isfinite(x) and np.isfinite(y)):
        return "coordonnées non numériques"
    if declared_crs == WGS84:
        if _is_france(x, y):
            return None
        if _is_france(y, x):
            return "coordonnées inversées (latitude et longitude échangées)"
    else:
        lon, lat = transformer(declared_crs, WGS84).transform(x, y)
        if np.isfinite(lon) and np.isfinite(lat) and _is_france(lon, lat):
            return None
        if declared_crs == LAMBERT93 and _is_lambert93(y, x):
            return "coordonnées inversées (X et Y échangés)"
    declared = crs_label(declared_crs)
    if declared_crs != WGS84 and (_is_france(x, y) or _is_france(y, x)):
        return f"coordonnées en degrés alors que le système déclaré est {declared}"
    if declared_crs != LAMBERT93 and _is_lambert93(x, y):
        return f"coordonnées en Lambert-93 alors que le système déclaré est {declared}"
    return "point hors de France métropolitaine"


def diagnose_points(xs: Floats, ys: Floats, declared_crs: str) -> list[str | None]:
    """`diagnose_point` for many points at once: one reprojection for all of them, the full
    diagnosis only for the few outside metropolitan France."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    lon, lat = to_wgs84(x, y, declared_crs)
    with np.errstate(invalid="ignore"):
        fine = np.isfinite(lon) & np.isfinite(lat) & _in_france_degrees(lon, lat)
    problems: list[str | None] = [None] * len(x)
    for i in np.flatnonzero(~fine):
        problems[i] = diagnose_point(float(x[i]), float(y[i]), declared_crs)
    return problems
