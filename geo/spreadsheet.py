"""Text that a spreadsheet opens as text: never as a formula (CSV and XLSX injection).

A cell starting with = + - @ (or their full-width forms), a tab or a line break, possibly after
spaces, is run as a formula by Excel or LibreOffice: `=HYPERLINK(…)` in a residence name would
become a live link. Such a value gets a leading apostrophe, which both show as text. A plain
number (`-3`, `+33`) is left as it is: a spreadsheet reads it as that number, nothing more.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?", re.ASCII)


def neutralise(value: str) -> str:
    """`value` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if PLAIN_NUMBER.fullmatch(value) or not value.lstrip(" \u00a0").startswith(FORMULA_TRIGGERS):
        return value
    return "'" + value
