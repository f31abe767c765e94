from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS

from geo.crs import LAMBERT93, WGS84, crs_name, diagnose_point, guess_crs, parse_crs, to_wgs84

LILLE_WGS84 = (3.0633, 50.6369)
LILLE_L93 = (704600.0, 7059900.0)
AJACCIO_WGS84 = (8.7369, 41.9192)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EPSG:2154", LAMBERT93),
        ("2154", LAMBERT93),
        ("lambert93", LAMBERT93),
        ("Lambert-93", LAMBERT93),
        ("L93", LAMBERT93),
        ("wgs84", WGS84),
        ("WGS 84", WGS84),
        ("4326", WGS84),
        ("epsg:4326", WGS84),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", WGS84),
        ("EPSG:3950", "EPSG:3950"),
    ],
)
def test_parse_crs_accepts_usual_names(text, expected):
    assert parse_crs(text) == expected


@pytest.mark.parametrize("text", ["lambert2", "EPSG:99999", "", "mercator"])
def test_parse_crs_rejects_unknown_names_in_french(text):
    with pytest.raises(ValueError, match=r"système de coordonnées .* inconnu"):
        parse_crs(text)


def test_crs_name_reads_file_crs():
    assert crs_name(CRS("OGC:CRS84")) == WGS84
    assert crs_name(CRS.from_epsg(2154)) == LAMBERT93
    assert crs_name(None) is None


def test_guess_crs_tells_degrees_from_metres():
    assert guess_crs([3.06, 2.3, 1.8], [50.63, 49.9, 50.7]) == WGS84
    assert guess_crs([704600, 650000], [7059900, 6990000]) == LAMBERT93
    # swapped degrees are still degrees: the per-point diagnosis reports the swap
    assert guess_crs([50.63, 49.9], [3.06, 2.3]) == WGS84
    assert guess_crs([3.06, np.nan, 704600], [50.63, 7.0, 7059900]) is None
    assert guess_crs([], []) is None
    assert guess_crs([12.0e6], [3.0e6]) is None


def test_to_wgs84_puts_the_lambert93_origin_at_its_definition():
    # Lambert-93 is defined with (3° E, 46.5° N) at x = 700 000 m, y = 6 600 000 m.
    lons, lats = to_wgs84([700_000.0], [6_600_000.0], LAMBERT93)
    assert lons[0] == pytest.approx(3.0, abs=1e-9)
    assert lats[0] == pytest.approx(46.5, abs=1e-9)


def test_to_wgs84_is_vectorised_and_keeps_wgs84():
    lons, lats = to_wgs84([3.0, 4.0], [50.0, 49.0], WGS84)
    assert list(lons) == [3.0, 4.0] and list(lats) == [50.0, 49.0]
    lons, lats = to_wgs84(np.array([700_000.0, 704_600.0]), [6_600_000.0, 7_059_900.0], LAMBERT93)
    assert lons.shape == (2,)
    assert lats[1] == pytest.approx(LILLE_WGS84[1], abs=0.002)


def test_diagnose_point_accepts_points_in_france():
    assert diagnose_point(*LILLE_WGS84, WGS84) is None
    assert diagnose_point(*AJACCIO_WGS84, WGS84) is None
    assert diagnose_point(*LILLE_L93, LAMBERT93) is None


def test_diagnose_point_names_swapped_coordinates():
    lon, lat = LILLE_WGS84
    assert (
        diagnose_point(lat, lon, WGS84) == "coordonnées inversées (latitude et longitude échangées)"
    )
    x, y = LILLE_L93
    assert diagnose_point(y, x, LAMBERT93) == "coordonnées inversées (X et Y échangés)"


def test_diagnose_point_names_the_wrong_crs():
    assert diagnose_point(*LILLE_L93, WGS84) == (
        "coordonnées en Lambert-93 alors que le système déclaré est WGS84 (EPSG:4326)"
    )
    assert diagnose_point(*LILLE_WGS84, LAMBERT93) == (
        "coordonnées en degrés alors que le système déclaré est Lambert-93 (EPSG:2154)"
    )
    lon, lat = LILLE_WGS84
    assert diagnose_point(lat, lon, LAMBERT93) == (
        "coordonnées en degrés alors que le système déclaré est Lambert-93 (EPSG:2154)"
    )


def test_diagnose_point_flags_points_outside_france():
    assert diagnose_point(0.0, 0.0, WGS84) == "point hors de France métropolitaine"
    assert diagnose_point(-74.0, 40.7, WGS84) == "point hors de France métropolitaine"
    assert diagnose_point(1.3, 51.9, WGS84) == "point hors de France métropolitaine"
    assert diagnose_point(5_000_000.0, 100.0, LAMBERT93) == "point hors de France métropolitaine"
    assert diagnose_point(float("nan"), 3.0, WGS84) == "coordonnées non numériques"
