"""The official identifiers: one rule each, read by the API, the importers and the readers."""

from __future__ import annotations

import pytest

from geo.codes import (
    INSEE_RE,
    SIREN_RE,
    is_insee,
    is_iris,
    is_siren,
    normalise_insee,
    normalise_iris,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("200093201", True),
        ("000000000", True),
        ("20009320", False),
        ("2000932011", False),
        ("200 093 201", False),
        ("20009320A", False),
        ("200093201\n", False),
        ("٢٠٠٠٩٣٢٠١", False),  # Arabic-Indic digits are digits to Python, not to INSEE
        ("", False),
    ],
)
def test_is_siren(code, expected):
    assert is_siren(code) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("59350", True),
        ("02001", True),
        ("2A004", True),
        ("2B033", True),
        ("2a004", False),
        ("2C004", False),
        ("2A0041", False),
        ("5935", False),
        ("593500", False),
        ("5935O", False),
        ("59350\n", False),
        ("", False),
    ],
)
def test_is_insee(code, expected):
    assert is_insee(code) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("593500101", True),
        ("2A0040000", True),
        ("2B0330102", True),
        ("59350010", False),
        ("5935001011", False),
        ("2C0040000", False),
        ("59350A101", False),
        ("", False),
    ],
)
def test_is_iris(code, expected):
    assert is_iris(code) is expected


def test_patterns_match_whole_strings_whatever_the_method():
    assert SIREN_RE.match("2000932011") is None
    assert SIREN_RE.search("x200093201") is None
    assert INSEE_RE.match("593501") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("59350", "59350"),
        ("2001", "02001"),
        (" 2a004 ", "2A004"),
        ("2B033", "2B033"),
        (59350, "59350"),
        ("593", None),
        ("5935O", None),
        ("", None),
        (None, None),
        ("123456", None),
    ],
)
def test_normalise_insee(raw, expected):
    assert normalise_insee(raw) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("593500101", "593500101"),
        (" 2a0040101 ", "2A0040101"),
        ("12340101", "012340101"),
        (12340101, "012340101"),
        (593500101, "593500101"),
        ("1234010", None),
        ("5935001011", None),
        ("59350", None),
        (None, None),
    ],
)
def test_normalise_iris_gives_integer_codes_their_leading_zero(code, expected):
    assert normalise_iris(code) == expected
