"""The grade scale of the URH method: one place for values, labels and colours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NotRequired, TypedDict

MIN_GRADE = 1
MAX_GRADE = 4
GRADES = tuple(range(MIN_GRADE, MAX_GRADE + 1))
FRAGILE_GRADES = (1, 2)
"""Grades counted as fragile residences in the aggregates."""

DEFAULT_LABELS: dict[int, str] = {
    1: "Vivre-ensemble très fragile",
    2: "Vivre-ensemble fragile",
    3: "Vivre-ensemble à conforter",
    4: "Vivre-ensemble équilibré",
}
UNGRADED_LABEL = "Non qualifiée"
"""No agreed grade exists: never used for a grade that exists but is hidden from the caller."""
HIDDEN_LABEL = "Note non visible"
"""An agreed grade exists (or may exist) but the caller may not read it."""

# ColorBrewer RdYlBu, 4 classes: ordinal and colour-blind safe; grey for "no grade".
COLOURS: dict[int, str] = {1: "#d7191c", 2: "#fdae61", 3: "#abd9e9", 4: "#2c7bb6"}
UNGRADED_COLOUR = "#8c8c8c"
HIDDEN_COLOUR = "#ffffff"
"""Drawn hollow: white fill, dark outline, so that it never reads as a grade or as ungraded."""
HIDDEN_OUTLINE = "#4d4d4d"

GRADE_STATUSES = ("visible", "hidden", "none")
"""`grade_status` of a residence for a caller: its agreed grade is shown (`visible`), exists or
may exist but is not shown (`hidden`), or does not exist (`none`, « Non qualifiée »)."""

COMMENT_MAX = 2000
"""Longest comment of a side's grade or rationale of a harmonisation, in characters."""

SIDES = ("commune", "bailleur")
SIDE_LABELS = {"commune": "Commune", "bailleur": "Bailleur"}


class GradeError(ValueError):
    """A value that is not a grade of the scale."""


def parse_grade(raw: object) -> int:
    """Read a grade from a cell ("3", 3, 3.0, " 3 "); raise `GradeError` in French otherwise."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        raise GradeError("note manquante")
    text = str(raw).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise GradeError(f"« {raw} » n'est pas une note (attendu 1, 2, 3 ou 4)") from None
    if not number.is_integer() or not MIN_GRADE <= number <= MAX_GRADE:
        raise GradeError(f"note {text} hors de l'échelle 1 à 4")
    return int(number)


def is_divergent(commune: int | None, bailleur: int | None, threshold: int = 1) -> bool:
    """Both sides graded and their gap reaches the campaign's threshold."""
    return commune is not None and bailleur is not None and abs(commune - bailleur) >= threshold


def agreed_grade(
    commune: int | None, bailleur: int | None, harmonised: int | None, threshold: int = 1
) -> int | None:
    """The grade the map shows: the harmonised one, else the common one when the sides agree.

    With a threshold above 1, a gap below it counts as agreement and the more cautious (lower)
    grade is kept.
    """
    if harmonised is not None:
        return harmonised
    if commune is None or bailleur is None or is_divergent(commune, bailleur, threshold):
        return None
    return min(commune, bailleur)


class LegendEntry(TypedDict):
    """One class of the map legend, as the API, the pages and the prints read it."""

    grade: int | None
    status: str
    """One of `GRADE_STATUSES`."""
    label: str
    colour: str
    outline: NotRequired[str]


@dataclass(frozen=True)
class GradeScale:
    """A campaign's scale: the default labels, possibly edited by the EPCI."""

    labels: Mapping[int, str]

    @classmethod
    def default(cls) -> GradeScale:
        return cls(dict(DEFAULT_LABELS))

    @classmethod
    def from_json(cls, data: Mapping[str, str] | None) -> GradeScale:
        labels = dict(DEFAULT_LABELS)
        for key, value in (data or {}).items():
            grade = int(key)
            if grade not in GRADES:
                raise GradeError(f"note {key} hors de l'échelle 1 à 4")
            if value and value.strip():
                labels[grade] = value.strip()
        return cls(labels)

    def legend(self) -> list[LegendEntry]:
        """Legend entries, most fragile first, then hidden grades, then the ungraded class."""
        entries: list[LegendEntry] = [
            {"grade": g, "status": "visible", "label": self.labels[g], "colour": COLOURS[g]}
            for g in GRADES
        ]
        entries.append(
            {
                "grade": None,
                "status": "hidden",
                "label": HIDDEN_LABEL,
                "colour": HIDDEN_COLOUR,
                "outline": HIDDEN_OUTLINE,
            }
        )
        entries.append(
            {"grade": None, "status": "none", "label": UNGRADED_LABEL, "colour": UNGRADED_COLOUR}
        )
        return entries

    def legend_by_class(self) -> dict[int | str, LegendEntry]:
        """The legend entries keyed by `grade_class`, in legend order."""
        return {grade_class(entry["grade"], entry["status"]): entry for entry in self.legend()}


def grade_class(grade: int | None, status: str) -> int | str:
    """The legend class of a residence from its `grade` and `grade_status`: the grade when it is
    visible, else the status (`hidden`, `none`)."""
    if status not in GRADE_STATUSES:
        raise GradeError(f"statut de note « {status} » inconnu")
    if status == "visible":
        if grade not in GRADES:
            raise GradeError(f"note visible {grade} hors de l'échelle 1 à 4")
        return grade
    return status


def legend_label(entry: LegendEntry) -> str:
    """A legend entry as shown: "1 · Vivre-ensemble très fragile", or the label of a status."""
    return f"{entry['grade']} · {entry['label']}" if entry["grade"] is not None else entry["label"]
