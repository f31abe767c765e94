"""The four target population types (peuplements cibles) of the URH method.

A residence's type follows from its agreed grade and where it stands: inside a QPV, outside but
within 300 m of one (the band of art. 278 sexies CGI, used here as a proximity proxy), or
outside. The types speak of the residence and of the orientation of its allocations, never of
households. To change the rule, edit `TYPE_BY_GRADE` (one row per grade, one column per
location); an EPCI renames the types through `epci_policy.peuplement_labels`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from geo.grades import GRADES

LOCATIONS = ("qpv", "near", "outside")
MAX_LABEL_LENGTH = 80
LOCATION_LABELS = {
    "qpv": "dans un QPV",
    "near": "à moins de 300 m d'un QPV",
    "outside": "hors QPV",
}


@dataclass(frozen=True)
class PeuplementType:
    code: str
    label: str
    description: str
    colour: str


TYPES: tuple[PeuplementType, ...] = (
    PeuplementType(
        "accueil",
        "A · Accueil des ménages prioritaires",
        "Vivre-ensemble solide hors QPV : la résidence peut accueillir des ménages du premier "
        "quartile et des ménages prioritaires.",
        "#018571",
    ),
    PeuplementType(
        "equilibre",
        "B · Accueil équilibré",
        "Attributions à équilibrer entre ménages prioritaires et autres profils.",
        "#80cdc1",
    ),
    PeuplementType(
        "diversification",
        "C · Diversification des attributions",
        "Privilégier des demandeurs hors premier quartile pour conforter le vivre-ensemble.",
        "#dfc27d",
    ),
    PeuplementType(
        "reequilibrage",
        "D · Rééquilibrage prioritaire",
        "Orienter les attributions vers d'autres profils que les ménages les plus fragiles et "
        "renforcer l'accompagnement.",
        "#a6611a",
    ),
)
"""Most welcoming first; colours: ColorBrewer BrBG, 4 classes (colour-blind safe)."""
TYPE_CODES = tuple(t.code for t in TYPES)

TYPE_BY_GRADE: dict[int, dict[str, str]] = {
    4: {"outside": "accueil", "near": "equilibre", "qpv": "equilibre"},
    3: {"outside": "equilibre", "near": "equilibre", "qpv": "diversification"},
    2: {"outside": "diversification", "near": "diversification", "qpv": "reequilibrage"},
    1: {"outside": "reequilibrage", "near": "reequilibrage", "qpv": "reequilibrage"},
}
"""The rule: agreed grade × location → type code."""


class PeuplementError(ValueError):
    """Labels that name no type."""


def location_of(in_qpv: bool, near_qpv_300m: bool) -> str:
    """`qpv`, `near` (outside, within 300 m of a QPV) or `outside`."""
    if in_qpv:
        return "qpv"
    return "near" if near_qpv_300m else "outside"


def peuplement_type(grade: int | None, location: str) -> str | None:
    """The type code of a residence; None while it has no agreed grade."""
    if grade is None:
        return None
    if grade not in GRADES or location not in LOCATIONS:
        raise PeuplementError(f"note {grade} ou situation « {location} » inconnue")
    return TYPE_BY_GRADE[grade][location]


def peuplement_labels(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Default labels with an EPCI's edits (blank edits keep the default)."""
    labels = {t.code: t.label for t in TYPES}
    for code, label in (overrides or {}).items():
        if code not in labels:
            raise PeuplementError(
                f"type de peuplement « {code} » inconnu (attendu : {', '.join(TYPE_CODES)})"
            )
        text = str(label or "").strip()
        if len(text) > MAX_LABEL_LENGTH:
            raise PeuplementError(
                f"libellé du type « {code} » trop long ({len(text)} caractères pour "
                f"{MAX_LABEL_LENGTH} au plus)"
            )
        if text:
            labels[code] = text
    return labels


def legend(overrides: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """Legend entries (code, label, description, colour), most welcoming first."""
    labels = peuplement_labels(overrides)
    return [
        {"code": t.code, "label": labels[t.code], "description": t.description, "colour": t.colour}
        for t in TYPES
    ]


def rule_table() -> list[dict[str, int | str]]:
    """The rule as rows for documentation and the interface: grade, then a type per location."""
    return [{"grade": g, **TYPE_BY_GRADE[g]} for g in sorted(TYPE_BY_GRADE, reverse=True)]
