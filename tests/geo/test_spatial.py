from __future__ import annotations

import math

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import Point

from geo.crs import LAMBERT93, WGS84, to_wgs84
from geo.spatial import distance_m, from_lambert93, locate, to_lambert93

GEOD = Geod(ellps="WGS84")
LILLE_L93 = (704_000.0, 7_059_000.0)
"""A point of central Lille given in Lambert-93 metres."""


def lambert93_inverse(x: float, y: float) -> tuple[float, float]:
    """Lambert-93 to longitude/latitude by the textbook formulas (Snyder, ellipsoidal LCC).

    Written from the projection's definition (GRS80; standard parallels 44° and 49°; origin 3° E,
    46.5° N at 700 000 m, 6 600 000 m) so that the test does not trust PROJ to check PROJ.
    """
    a, f = 6_378_137.0, 1 / 298.257222101
    e = math.sqrt(f * (2 - f))
    phi1, phi2, phi0, lon0 = map(math.radians, (44.0, 49.0, 46.5, 3.0))
    x0, y0 = 700_000.0, 6_600_000.0

    def m(phi):
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi):
        s = e * math.sin(phi)
        return math.tan(math.pi / 4 - phi / 2) / ((1 - s) / (1 + s)) ** (e / 2)

    n = (math.log(m(phi1)) - math.log(m(phi2))) / (math.log(t(phi1)) - math.log(t(phi2)))
    big_f = m(phi1) / (n * t(phi1) ** n)
    rho0 = a * big_f * t(phi0) ** n
    dx, dy = x - x0, rho0 - (y - y0)
    rho = math.hypot(dx, dy)
    tt = (rho / (a * big_f)) ** (1 / n)
    lon = math.atan2(dx, dy) / n + lon0
    phi = math.pi / 2 - 2 * math.atan(tt)
    for _ in range(10):
        s = e * math.sin(phi)
        phi = math.pi / 2 - 2 * math.atan(tt * ((1 - s) / (1 + s)) ** (e / 2))
    assert n == pytest.approx(0.7256077650532670, abs=1e-12)  # IGN's published constant
    return math.degrees(lon), math.degrees(phi)


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def test_lille_lambert93_point_lands_within_a_metre():
    expected = lambert93_inverse(*LILLE_L93)
    assert expected == pytest.approx((3.0556, 50.6272), abs=0.001)  # central Lille
    lons, lats = to_wgs84([LILLE_L93[0]], [LILLE_L93[1]], LAMBERT93)
    assert metres_between((lons[0], lats[0]), expected) < 1.0
    point = from_lambert93(Point(LILLE_L93))
    assert metres_between((point.x, point.y), expected) < 1.0
    back = to_lambert93(point)
    assert math.hypot(back.x - LILLE_L93[0], back.y - LILLE_L93[1]) < 0.001


@pytest.fixture(scope="module")
def qpv_frame(occitanie_qpv) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": [r.code for r in occitanie_qpv.records]},
        geometry=[r.geometry for r in occitanie_qpv.records],
        crs=WGS84,
    )


def test_a_point_inside_each_real_qpv_is_located(qpv_frame):
    for code, geometry in zip(qpv_frame["code"], qpv_frame.geometry, strict=True):
        point = geometry.representative_point()
        assert locate(point, qpv_frame, "code") == code
        assert distance_m(point, geometry) == 0.0


def test_a_point_200_m_outside_a_real_qpv(qpv_frame):
    code = "QP066007"
    geometry = qpv_frame.set_index("code").loc[code].geometry
    lambert = to_lambert93(geometry)
    # the easternmost vertex: the whole perimeter lies west of it, so east is an outward normal
    x, y = max(
        (c for polygon in lambert.geoms for c in polygon.exterior.coords), key=lambda c: c[0]
    )
    boundary_point = from_lambert93(Point(x, y))
    outside = from_lambert93(Point(x + 200.0, y))
    assert distance_m(boundary_point, geometry) < 0.01
    assert locate(outside, qpv_frame, "code") is None
    # 200 Lambert-93 metres are 199.76 true metres here (scale factor 1.0012 at 42.7° N)
    assert distance_m(outside, geometry) == pytest.approx(200.0, abs=2.0)
    assert distance_m(outside, geometry) == pytest.approx(
        metres_between((outside.x, outside.y), (boundary_point.x, boundary_point.y)), abs=0.01
    )


def test_locate_reprojects_the_point_for_a_lambert93_frame(qpv_frame):
    lambert_frame = qpv_frame.to_crs(LAMBERT93)
    point = qpv_frame.geometry.iloc[3].representative_point()
    assert locate(point, lambert_frame, "code") == qpv_frame["code"].iloc[3]
    assert locate(Point(3.0633, 50.6369), lambert_frame, "code") is None


def test_lambert93_areas_match_geodesic_areas_within_its_scale_error(qpv_frame):
    # Lambert-93 scale error stays within 3 mm/m over France, so areas within 0.6 %
    for geometry in qpv_frame.geometry:
        geodesic = abs(GEOD.geometry_area_perimeter(geometry)[0])
        assert to_lambert93(geometry).area == pytest.approx(geodesic, rel=0.006)
