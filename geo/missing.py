"""What a cell says when it has no value: the placeholders that spreadsheets and exports write.

Landlords' tools and hand-made tables fill empty cells with `(vide)`, `-`, `NC`, `N/A`,
`inconnu` or `?`: each of them, whatever its case and surrounding spaces, is a missing value,
exactly like an empty cell. Every reader of `geo/` and every scope given on the command line
goes through this rule, so that `(vide)` never becomes a landlord, a name or a code.
"""

from __future__ import annotations

MISSING_PLACEHOLDERS = frozenset({"(vide)", "-", "nc", "n/a", "inconnu", "?"})
"""Texts that stand for no value, lower-cased; an empty or blank text is missing too."""
_LONGEST = max(map(len, MISSING_PLACEHOLDERS))


def is_missing(text: str | None) -> bool:
    """Whether `text` holds no value: None, blank, or a placeholder such as « (vide) »."""
    if text is None:
        return True
    cleaned = text.strip().casefold()
    return not cleaned or cleaned in MISSING_PLACEHOLDERS


def present(text: str | None) -> str | None:
    """`text` stripped, or None when it holds no value (`is_missing`)."""
    if text is None:
        return None
    stripped = text.strip()
    if len(stripped) > _LONGEST:  # the common case: longer than any placeholder
        return stripped
    return None if is_missing(stripped) else stripped
