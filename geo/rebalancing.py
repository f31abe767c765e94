"""The « besoin de rééquilibrage » indicator of a quartier or a residence: one documented formula.

Points are added, each with the French reason shown in the map's popup:

- fragility: dwelling-weighted mean grade (a residence: its agreed grade) at or below
  `VERY_FRAGILE_MEAN` → 2 points, at or below `FRAGILE_MEAN` → 1 point;
- concentration: share of dwellings in fragile residences (grades 1–2) at least
  `CONCENTRATION_GAP` above the EPCI's → 1 point (a residence: the share of its QPV, or of its
  commune when outside every QPV);
- location: a quartier with at least `QPV_MAJORITY` of its dwellings inside QPV, or a residence
  inside a QPV → 1 point; a residence outside but within 300 m of a QPV → 1 point as well when it
  is itself fragile (grade 1–2), the band (art. 278 sexies CGI) being a proxy of proximity only.

Level: 0 point → 0 « faible », 1 → 1 « modéré », 2 or more → 2 « fort »; None (« non évaluable »)
when nothing is graded. To change the formula, edit the constants below or the `_points`
functions; the tests in tests/geo/test_rebalancing.py state the expected levels of typical cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.grades import FRAGILE_GRADES

FRAGILE_MEAN = 2.5
VERY_FRAGILE_MEAN = 1.5
CONCENTRATION_GAP = 0.10
"""Ten percentage points above the EPCI's share of fragile dwellings."""
QPV_MAJORITY = 0.5
LEVEL_FOR_POINTS = ((2, 2), (1, 1), (0, 0))
"""(minimum points, level), highest first."""
LEVEL_LABELS = {0: "faible", 1: "modéré", 2: "fort"}
UNKNOWN_LABEL = "non évaluable"


@dataclass(frozen=True)
class RebalancingNeed:
    level: int | None
    points: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return UNKNOWN_LABEL if self.level is None else LEVEL_LABELS[self.level]


def _percent(value: float) -> str:
    return f"{round(value * 100):d} %"


def _grade(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.2f}".replace(".", ",")


def _level(points: int) -> int:
    return next(level for minimum, level in LEVEL_FOR_POINTS if points >= minimum)


def _fragility_points(mean_grade: float, subject: str) -> tuple[int, str | None]:
    if mean_grade <= VERY_FRAGILE_MEAN:
        return 2, f"{subject} {_grade(mean_grade)} : vivre-ensemble très fragile"
    if mean_grade <= FRAGILE_MEAN:
        return 1, (
            f"{subject} {_grade(mean_grade)} : vivre-ensemble fragile "
            f"(seuil {_grade(FRAGILE_MEAN)})"
        )
    return 0, None


def _concentration_points(
    fragile_share: float | None,
    epci_fragile_share: float | None,
    where: str,
    by_residence: bool = False,
) -> tuple[int, str | None]:
    if fragile_share is None or epci_fragile_share is None:
        return 0, None
    if round(fragile_share - epci_fragile_share, 9) >= CONCENTRATION_GAP:
        counted = (
            f"des résidences qualifiées {where} sont fragiles"
            if by_residence
            else f"des logements qualifiés {where} sont en résidence fragile"
        )
        return 1, (
            f"{_percent(fragile_share)} {counted}, contre {_percent(epci_fragile_share)} "
            "dans l'EPCI"
        )
    return 0, None


def _need(scored: list[tuple[int, str | None]]) -> RebalancingNeed:
    points = sum(p for p, _ in scored)
    return RebalancingNeed(_level(points), points, [reason for p, reason in scored if p and reason])


def quartier_need(
    mean_grade: float | None,
    fragile_share: float | None,
    epci_fragile_share: float | None,
    qpv_share: float | None,
    by_residence: bool = False,
) -> RebalancingNeed:
    """The need of a quartier unit (QPV, IRIS, commune, EPCI) from its aggregates.

    `qpv_share` is the share of its dwellings inside a QPV (1 for a QPV). With `by_residence`,
    the mean grade and the shares count residences, not dwellings (the statistical secret's
    figures, see geo/secrecy.py).
    """
    if mean_grade is None:
        return RebalancingNeed(None, 0, ["aucune résidence qualifiée"])
    subject = (
        "note moyenne des résidences" if by_residence else "note moyenne pondérée par les logements"
    )
    scored = [
        _fragility_points(float(mean_grade), subject),
        _concentration_points(fragile_share, epci_fragile_share, "du quartier", by_residence),
    ]
    if qpv_share is not None and qpv_share >= QPV_MAJORITY:
        reason = (
            "quartier prioritaire de la politique de la ville"
            if qpv_share >= 1
            else f"{_percent(qpv_share)} des logements sont dans un QPV"
        )
        scored.append((1, reason))
    return _need(scored)


def residence_need(
    grade: int | None,
    location: str,
    quartier_fragile_share: float | None = None,
    epci_fragile_share: float | None = None,
    by_residence: bool = False,
) -> RebalancingNeed:
    """The need of one residence: its agreed grade, its location (`qpv`, `near`, `outside`, see
    geo.peuplement) and the fragile share of its QPV (or commune) against the EPCI's, counted in
    residences with `by_residence`."""
    if grade is None:
        return RebalancingNeed(None, 0, ["résidence sans note partagée"])
    where = "de son QPV" if location == "qpv" else "de sa commune"
    scored = [
        _fragility_points(float(grade), "note partagée"),
        _concentration_points(quartier_fragile_share, epci_fragile_share, where, by_residence),
    ]
    if location == "qpv":
        scored.append((1, "située dans un QPV"))
    elif location == "near" and grade in FRAGILE_GRADES:
        scored.append((1, "résidence fragile à moins de 300 m d'un QPV"))
    return _need(scored)
