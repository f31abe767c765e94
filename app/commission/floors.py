"""The legal floors of a residence's EPCI, commune and landlord in a year, and what one allocation
of each category there would do to them.

The counts and rates are those of `app.analysis.allocations.allocation_targets` (imported counts
plus the commission's decisions, the EPCI's rates else the law's); the arithmetic is
geo/commission.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.analysis.allocations import LEVELS, allocation_targets, epci_policy
from geo.allocation_rules import TARGET_INSIDE_QPV, TARGET_OUTSIDE_QPV
from geo.commission import (
    CATEGORIES,
    CATEGORY_LABELS,
    CATEGORY_SHORT,
    FLOOR_LABELS,
    Effect,
    Floor,
    allocation_effect,
    effect_phrase,
    priority_phrase,
    rate_label,
)

LEVEL_LABELS = {"epci": "EPCI", "commune": "Commune", "bailleur": "Bailleur"}
LAW_TARGETS = {False: TARGET_OUTSIDE_QPV, True: TARGET_INSIDE_QPV}


@dataclass(frozen=True)
class Unit:
    """An EPCI, commune or landlord (within one EPCI) a residence belongs to."""

    level: str
    code: str
    name: str
    epci_siren: str


@dataclass(frozen=True)
class UnitFloors:
    unit: Unit
    outside: Floor
    inside: Floor
    total: int
    priority: int

    def floor(self, in_qpv: bool) -> Floor:
        return self.inside if in_qpv else self.outside


def residence_units(residence: dict) -> list[Unit]:
    """The EPCI, commune and landlord of a residence row (`epci_siren`, `epci_name`,
    `commune_insee`, `commune_name`, `bailleur_code`, `bailleur`)."""
    epci = residence["epci_siren"]
    return [
        Unit("epci", epci, residence["epci_name"], epci),
        Unit("commune", residence["commune_insee"], residence["commune_name"], epci),
        Unit("bailleur", residence["bailleur_code"], residence["bailleur"], epci),
    ]


class Floors:
    """The floors of a year for the units the caller reads, read once, looked up per residence."""

    def __init__(self, conn: Connection, gate: Gate, year: int) -> None:
        self.conn = conn
        self.year = year
        self.rows = {
            level: {
                (row["code"], row["epci_siren"]): row
                for row in allocation_targets(conn, level, year, gate=gate)
            }
            for level in LEVELS
        }
        self.rates: dict[str, tuple[float, float]] = {}

    def _rates(self, epci_siren: str) -> tuple[float, float]:
        """The EPCI's rates outside and inside QPV (for a year without any allocation)."""
        if epci_siren not in self.rates:
            policy = epci_policy(self.conn, epci_siren)
            self.rates[epci_siren] = (policy["target_outside_qpv"], policy["target_inside_qpv"])
        return self.rates[epci_siren]

    def of(self, unit: Unit) -> UnitFloors:
        row = self.rows[unit.level].get((unit.code, unit.epci_siren))
        if row is None:
            outside, inside = self._rates(unit.epci_siren)
            return UnitFloors(unit, Floor(0, 0, outside), Floor(0, 0, inside), 0, 0)
        return UnitFloors(
            unit,
            Floor(
                row["allocations_outside_qpv"],
                row["q1_or_pru_outside_qpv"],
                float(row["target_outside"]),
            ),
            Floor(
                row["allocations_inside_qpv"], row["non_q1_inside_qpv"], float(row["target_inside"])
            ),
            row["allocations_total"],
            row["priority"],
        )


def _share(part: int, total: int) -> float | None:
    return part / total if total else None


def floor_effect(floors: UnitFloors, category: str, in_qpv: bool) -> Effect | None:
    """One more allocation of `category` on the unit's floor at a residence in QPV or not; None
    for a priority household, whose quartile decides."""
    if category == "priority":
        return None
    return allocation_effect(category, in_qpv, floors.floor(in_qpv))


def unit_effect(floors: UnitFloors, category: str, in_qpv: bool) -> dict:
    """What one allocation of `category` at a residence does to one unit's floor, for the API."""
    unit = floors.unit
    where = {
        "level": unit.level,
        "level_label": LEVEL_LABELS[unit.level],
        "code": unit.code,
        "name": unit.name,
    }
    effect = floor_effect(floors, category, in_qpv)
    if effect is None:
        return {
            **where,
            "floor": "priority",
            "share_before": _share(floors.priority, floors.total),
            "share_after": _share(floors.priority + 1, floors.total + 1),
            "phrase": priority_phrase(floors.total, floors.priority),
        }
    target = effect.before.target
    return {
        **where,
        "floor": "inside" if in_qpv else "outside",
        "floor_label": FLOOR_LABELS[in_qpv],
        "target": target,
        "target_label": rate_label(target),
        "cia_rate": target != LAW_TARGETS[in_qpv],
        "allocations_before": effect.before.allocations,
        "counted_before": effect.before.counted,
        "share_before": effect.before.share,
        "share_after": effect.after.share,
        "missing_before": effect.before.missing,
        "missing_after": effect.after.missing,
        "direction": effect.direction,
        "phrase": effect_phrase(effect),
    }


def effects(floors: Floors, residence: dict, in_qpv: bool) -> list[dict]:
    """For each category, what one allocation at the residence does to its EPCI's, commune's
    and landlord's floors this year."""
    units = [floors.of(unit) for unit in residence_units(residence)]
    return [
        {
            "category": category,
            "label": CATEGORY_LABELS[category],
            "short": CATEGORY_SHORT[category],
            "units": [unit_effect(unit, category, in_qpv) for unit in units],
        }
        for category in CATEGORIES
    ]
