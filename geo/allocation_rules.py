"""The allocation rules of CCH art. L441-1 (loi Égalité et Citoyenneté) and the statistical secret.

One place for the legal rates and for the arithmetic of "how far from the target". An EPCI's CIA
may set other rates (`epci_policy`); these are the defaults of the law.

Counts of a year per residence: `total` allocations, of which `q1` to first-quartile applicants,
`pru` to households rehoused by an urban-renewal project (PRU) who are *not* also counted in `q1`
(so that `q1 + pru <= total` and no household counts twice), and `priority` to DALO and other
priority households (overlapping the others freely).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

TARGET_OUTSIDE_QPV = 0.25
"""Outside QPV: at least this share of allocations to first-quartile or PRU households."""
TARGET_INSIDE_QPV = 0.5
"""Inside QPV: at least this share of allocations to applicants other than the first quartile."""
TARGET_PRIORITY = 0.25
"""Each reservation holder: this share to DALO and priority households (shown for information:
the counts imported are per residence, not per reservation holder)."""

SECRECY_THRESHOLD = 11
"""Statistical secret of the Cartographie OPS: no figure about fewer than 11 units is shown (the
method that applies it to quartier figures is geo/secrecy.py)."""


class RateError(ValueError):
    """A rate that is not a share between 0 and 1."""


def check_rate(value: object, name: str) -> float:
    """A rate as a float in ]0, 1]; `RateError` in French otherwise (e.g. 25 instead of 0.25)."""
    try:
        rate = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RateError(f"{name} : « {value} » n'est pas un nombre") from None
    if not 0 < rate <= 1:
        raise RateError(f"{name} : {value} hors de ]0 ; 1] (un taux s'écrit 0,25 pour 25 %)")
    return round(rate, 3)


def share(part: int, total: int) -> float | None:
    """`part / total`, or None when there is nothing to measure (no allocation)."""
    return part / total if total else None


def missing_allocations(count: int, total: int, target: float | Decimal) -> int:
    """Allocations that should have gone to the target group, among the `total` of the year.

    The target in numbers is `ceil(target × total)` (e.g. 25 % of 21 allocations = 6, since 5 is
    only 23.8 %); what is missing is that number minus `count`, or 0 when reached. This counts
    allocations to *redirect* within the year's flow (the vacancies are what they are), not extra
    allocations to add on top of it. Exact arithmetic: no rounding error at the boundary.
    """
    needed = math.ceil(Fraction(str(target)) * total)
    return max(0, needed - count)


@dataclass(frozen=True)
class TargetCheck:
    """One legal floor measured on one unit (EPCI, commune, landlord) for one year."""

    allocations: int
    """Allocations the floor applies to (outside QPV, or inside QPV)."""
    counted: int
    """Those that go to the target group."""
    target: float
    share: float | None
    missing: int
    under_target: bool


def check_target(counted: int, allocations: int, target: float | Decimal) -> TargetCheck:
    """Measure `counted / allocations` against `target`; no allocation is never under target."""
    ratio = share(counted, allocations)
    missing = missing_allocations(counted, allocations, target)
    return TargetCheck(
        allocations=allocations,
        counted=counted,
        target=float(target),
        share=ratio,
        missing=missing,
        under_target=missing > 0,
    )


def outside_qpv_check(
    total: int, q1: int, pru: int, target: float | Decimal = TARGET_OUTSIDE_QPV
) -> TargetCheck:
    """Outside QPV: share of allocations to first-quartile applicants or PRU rehousing."""
    return check_target(min(total, q1 + pru), total, target)


def inside_qpv_check(
    total: int, q1: int, target: float | Decimal = TARGET_INSIDE_QPV
) -> TargetCheck:
    """Inside QPV: share of allocations to applicants other than the first quartile."""
    return check_target(total - q1, total, target)
