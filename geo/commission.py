"""The allocation commission: applicant categories, where each is favoured or avoided, and what
one allocation does to the legal rates. Pure: no web, no database.

Categories speak of applicants' situations, never of households: first quartile (`q1`),
urban-renewal rehousing outside the first quartile (`pru`), DALO and other priority households
(`priority`), other quartiles (`other`). As in the yearly counts (geo/allocation_rules.py), `q1`,
`pru` and `other` exclude each other, and `priority` overlaps them: a recorded decision gives the
household's quartile situation and whether it is a priority one.

Where each category is favoured follows the residence's target population type (geo/peuplement.py)
through `STANCE_BY_TYPE`, and inside a QPV the law's floor of other quartiles. The effect of one
allocation is measured with `check_target`, so that the arithmetic of the floors stays in one
place; `effect_phrase` words it for the commission (« une attribution Q1 ici : hors QPV
24,9 % → 25,0 %, il en manque 6 »).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from geo.allocation_rules import TARGET_PRIORITY, TargetCheck, check_target

CATEGORIES = ("q1", "pru", "priority", "other")
QUARTILE_CATEGORIES = ("q1", "pru", "other")
"""The quartile situation a decision records (the priority flag is recorded beside it)."""
CATEGORY_LABELS = {
    "q1": "Premier quartile",
    "pru": "Relogement du renouvellement urbain (hors premier quartile)",
    "priority": "DALO ou ménage prioritaire",
    "other": "Autres quartiles",
}
CATEGORY_SHORT = {"q1": "Q1", "pru": "PRU", "priority": "DALO/prioritaire", "other": "hors Q1"}

FAVOURED, NEUTRAL, AVOIDED = "favour", "neutral", "avoid"
STANCES = (FAVOURED, NEUTRAL, AVOIDED)
STANCE_LABELS = {FAVOURED: "à privilégier", NEUTRAL: "possible", AVOIDED: "à éviter"}
UNKNOWN_STANCE_LABEL = "à apprécier"

STANCE_BY_TYPE: dict[str, dict[str, str]] = {
    "accueil": {"q1": FAVOURED, "pru": FAVOURED, "priority": FAVOURED, "other": NEUTRAL},
    "equilibre": {"q1": NEUTRAL, "pru": NEUTRAL, "priority": NEUTRAL, "other": NEUTRAL},
    "diversification": {"q1": AVOIDED, "pru": NEUTRAL, "priority": NEUTRAL, "other": FAVOURED},
    "reequilibrage": {"q1": AVOIDED, "pru": AVOIDED, "priority": AVOIDED, "other": FAVOURED},
}
"""The rule: target population type × category → stance. Inside a QPV, other quartiles are
always favoured (the law's floor there)."""

FLOOR_LABELS = {False: "hors QPV", True: "en QPV"}
NBSP = "\u00a0"


class CommissionError(ValueError):
    """A category, stance or count that does not exist."""


def check_category(category: str, allowed: tuple[str, ...] = CATEGORIES) -> str:
    if category not in allowed:
        raise CommissionError(f"catégorie « {category} » inconnue (attendu : {', '.join(allowed)})")
    return category


def percent(part: int, total: int) -> str:
    """`part / total` as French writes a share to one decimal, rounded half up exactly:
    249/1000 → « 24,9 % », 1/3 → « 33,3 % »."""
    if total <= 0:
        raise CommissionError("aucune attribution : pas de taux")
    tenths = math.floor(Fraction(part * 1000, total) + Fraction(1, 2))
    return f"{tenths // 10},{tenths % 10}{NBSP}%"


def rate_label(rate: float) -> str:
    """A legal rate as French writes it: 0.25 → « 25 % », 0.275 → « 27,5 % »."""
    value = f"{rate * 100:.1f}".removesuffix(".0").replace(".", ",")
    return f"{value}{NBSP}%"


# --- Where each category is favoured -------------------------------------------------------------


@dataclass(frozen=True)
class Orientation:
    """Whether the policy favours, allows or avoids one category at a residence, and why."""

    category: str
    stance: str | None
    """`favour`, `neutral`, `avoid`; None without a readable agreed grade."""
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return STANCE_LABELS[self.stance] if self.stance else UNKNOWN_STANCE_LABEL


def orientations(
    peuplement: str | None, type_label: str | None, in_qpv: bool, target_inside: float
) -> list[Orientation]:
    """The stance of each category at a residence of type `peuplement` (None: no agreed grade
    readable), named `type_label` by its EPCI, inside a QPV or not, whose floor of other quartiles
    inside QPV is `target_inside`."""
    if peuplement is not None and peuplement not in STANCE_BY_TYPE:
        raise CommissionError(f"type de peuplement « {peuplement} » inconnu")
    found = []
    for category in CATEGORIES:
        stance: str | None = None
        reasons: list[str] = []
        if peuplement is None:
            reasons.append("pas de note partagée lisible, donc pas de peuplement cible")
        else:
            stance = STANCE_BY_TYPE[peuplement][category]
            reasons.append(f"peuplement cible « {type_label or peuplement} »")
        if in_qpv and category == "other":
            stance = FAVOURED
            reasons.append(
                f"en QPV, au moins {rate_label(target_inside)} des attributions vont aux "
                "demandeurs hors premier quartile"
            )
        found.append(Orientation(category, stance, tuple(reasons)))
    return found


# --- What one allocation does to the legal rates ----------------------------------------------


def counts_toward_floor(category: str, in_qpv: bool) -> bool | None:
    """Whether one allocation of `category` counts toward the floor of its location (outside
    QPV: first quartile or PRU; inside: any but the first quartile); None for a priority
    household, whose quartile decides."""
    check_category(category)
    if category == "priority":
        return None
    if in_qpv:
        return category != "q1"
    return category in ("q1", "pru")


@dataclass(frozen=True)
class Floor:
    """One legal floor of one unit (EPCI, commune, landlord) this year, before the allocation."""

    allocations: int
    """Allocations the floor applies to: the unit's outside QPV, or inside QPV."""
    counted: int
    """Those that went to the floor's group."""
    target: float

    def __post_init__(self) -> None:
        if not 0 <= self.counted <= self.allocations:
            raise CommissionError(
                f"compte incohérent : {self.counted} attributions comptées sur {self.allocations}"
            )


@dataclass(frozen=True)
class Effect:
    """The floor of a unit before and after one allocation of `category` at a residence."""

    category: str
    in_qpv: bool
    before: TargetCheck
    after: TargetCheck

    @property
    def direction(self) -> int:
        """-1 when the allocation counts toward a floor not yet reached, +1 when it does not
        count toward a floor then missed, else 0."""
        counted = self.after.counted > self.before.counted
        if counted and self.before.under_target:
            return -1
        if not counted and self.after.under_target:
            return 1
        return 0


def allocation_effect(category: str, in_qpv: bool, floor: Floor) -> Effect:
    """One more allocation of `category` (not `priority`) at a residence in QPV or not."""
    counts = counts_toward_floor(category, in_qpv)
    if counts is None:
        raise CommissionError("l'effet d'une attribution prioritaire dépend de son quartile")
    return Effect(
        category,
        in_qpv,
        check_target(floor.counted, floor.allocations, floor.target),
        check_target(floor.counted + int(counts), floor.allocations + 1, floor.target),
    )


def _share_text(check: TargetCheck) -> str:
    return percent(check.counted, check.allocations) if check.allocations else "aucune attribution"


def effect_phrase(effect: Effect) -> str:
    """« une attribution Q1 ici : hors QPV 24,9 % → 25,0 %, il en manque 6 »."""
    after = effect.after
    verdict = f"il en manque {after.missing}" if after.missing else "objectif atteint"
    return (
        f"une attribution {CATEGORY_SHORT[effect.category]} ici : "
        f"{FLOOR_LABELS[effect.in_qpv]} {_share_text(effect.before)} → {_share_text(after)}, "
        f"{verdict}"
    )


def priority_phrase(total: int, priority: int) -> str:
    """What one DALO or priority allocation does to the unit's share of them (for information:
    the law's 25 % applies to each reservation holder)."""
    if not 0 <= priority <= total:
        raise CommissionError(f"compte incohérent : {priority} prioritaires sur {total}")
    before = percent(priority, total) if total else "aucune attribution"
    return (
        f"une attribution {CATEGORY_SHORT['priority']} ici : ménages prioritaires {before} → "
        f"{percent(priority + 1, total + 1)} ({rate_label(TARGET_PRIORITY)} visés par "
        "réservataire, pour information) ; son effet sur le taux "
        "hors QPV ou en QPV dépend de son quartile"
    )


# --- The reverse question: where a category suits best ----------------------------------------

STANCE_ORDER = {FAVOURED: 0, NEUTRAL: 1, None: 2, AVOIDED: 3}
"""Favoured first, then allowed, then unknown (no readable grade), then avoided."""


def suitability_key(
    orientation: Orientation, effect: Effect | None, vacant: int, code: str
) -> tuple[int, int, int, int, str]:
    """Sort key of a residence with `vacant` dwellings for `orientation`'s category: its stance,
    then whether the allocation brings its commune's floor closer (`effect`, None for priority
    households), the commune's gap, the vacant dwellings, then the code."""
    if vacant < 0:
        raise CommissionError(f"nombre de logements vacants négatif : {vacant}")
    direction = 0 if effect is None else effect.direction
    gap = effect.before.missing if effect is not None and direction < 0 else 0
    return (STANCE_ORDER[orientation.stance], direction, -gap, -vacant, code)
