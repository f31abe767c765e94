"""Official identifiers: SIREN (EPCI, landlords), commune INSEE codes and IRIS codes.

The patterns match a whole string whichever method calls them (`match`, `fullmatch`, `search`),
and only ASCII digits.
"""

from __future__ import annotations

import re

_COMMUNE = r"(?:\d{5}|2[AB]\d{3})"
"""Five digits, or 2A/2B and three digits in Corsica."""

SIREN_RE = re.compile(r"\A\d{9}\Z", re.ASCII)
"""A SIREN: nine digits (an EPCI, a landlord)."""
INSEE_RE = re.compile(rf"\A{_COMMUNE}\Z", re.ASCII)
"""A commune INSEE code: five characters, e.g. 59350 or 2A004."""
IRIS_RE = re.compile(rf"\A{_COMMUNE}\d{{4}}\Z", re.ASCII)
"""An IRIS code: nine characters, the commune's INSEE code then four digits."""
SIREN_PATTERN = "^[0-9]{9}$"
INSEE_PATTERN = "^(?:[0-9]{5}|2[AB][0-9]{3})$"
"""The same rules as JSON Schema patterns, for the API's typed parameters (OpenAPI)."""


def is_siren(code: str) -> bool:
    """Whether `code` is a SIREN as stored (nine digits, no spaces)."""
    return SIREN_RE.match(code) is not None


def siren_problem(code: str, field: str = "epci") -> str | None:
    """Why `code` given as `field` is not a SIREN, in French (None: it is one)."""
    return None if is_siren(code) else f"{field} « {code} » invalide : un SIREN a 9 chiffres."


def is_insee(code: str) -> bool:
    """Whether `code` is a commune INSEE code as stored (upper-case 2A/2B)."""
    return INSEE_RE.match(code) is not None


def is_iris(code: str) -> bool:
    """Whether `code` is an IRIS code as stored (upper-case 2A/2B)."""
    return IRIS_RE.match(code) is not None


def normalise_insee(code: object) -> str | None:
    """A commune code as INSEE writes it, or None if it is not one.

    Spreadsheets drop the leading zero ("2001" for 02001) and may lower-case Corsica ("2a004").
    """
    if code is None:
        return None
    text = str(code).strip().upper()
    if len(text) == 4 and text.isdigit():
        text = "0" + text
    return text if is_insee(text) else None


def normalise_iris(code: object) -> str | None:
    """An IRIS code as INSEE writes it, or None if it is not one.

    Codes stored as numbers (spreadsheets, JSON integers) lose the leading zero of the
    départements 01 to 09: eight digits get it back ("12340101" → "012340101").
    """
    if code is None:
        return None
    text = str(code).strip().upper()
    if len(text) == 8 and text.isdigit():
        text = "0" + text
    return text if is_iris(text) else None
