"""The statistical secret of geo/secrecy.py: its rules on small cases, then an exact attacker
(tests/attacker.py) against the views it picks on adversarial and random territories."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from geo.secrecy import (
    FRAGILE_CELL,
    Graded,
    Move,
    View,
    certificate,
    hidden_cells,
    primary_view,
    protect,
)
from tests.attacker import Attacker

EPCI = "epci:E"


def residences(commune: str, grades: dict[int, int], landlord: str = "L1", *units: str):
    """`grades` {grade: how many} residences of `commune`, of `landlord`, in `units` too."""
    return [
        Graded(
            grade,
            frozenset({EPCI, f"commune:{commune}", *units}),
            frozenset({f"commune:{commune}", f"bailleur:{landlord}"}),
        )
        for grade, n in grades.items()
        for _ in range(n)
    ]


def test_primary_view_counts_residences_and_each_holders_rest():
    assert primary_view({1: 11, 3: 11}) is View.DETAIL
    assert primary_view({1: 11, 2: 0, 3: 20, 4: 0}) is View.DETAIL
    assert primary_view({1: 5, 2: 6, 3: 20}) is View.FRAGILE  # grades 1 and 2 under 11
    assert primary_view({1: 10, 3: 30}) is View.SECRET  # 10 fragile residences
    assert primary_view({3: 15, 4: 15}) is View.SECRET  # none fragile: each one is known
    assert primary_view({1: 11, 3: 11}, [{1: 1}]) is View.SECRET  # 10 left once one is known
    assert primary_view({1: 40, 3: 40}, [{1: 40, 3: 40}]) is View.DETAIL  # the holder of all
    assert primary_view({1: 12, 3: 12}, threshold=13) is View.SECRET


def test_hidden_cells_of_each_view():
    assert hidden_cells(View.DETAIL) == ()
    assert hidden_cells(View.FRAGILE) == (1, 2, 3, 4)
    assert hidden_cells(View.SECRET) == (1, 2, 3, 4, FRAGILE_CELL)


def test_a_certificate_needs_a_move_unknown_to_each_holder():
    views = {"commune:A": View.SECRET, "commune:B": View.SECRET, "commune:C": View.DETAIL}
    by_a = Move(frozenset({"commune:A", "commune:B"}), False, frozenset({"bailleur:1"}))
    by_b = Move(frozenset({"commune:A", "commune:B"}), False, frozenset({"bailleur:2"}))
    seen = Move(frozenset({"commune:A", "commune:C"}), False, frozenset())
    free = Move(frozenset({"commune:A", "commune:B"}), False, frozenset())
    assert certificate([free], views) == [free]
    assert certificate([by_a], views) is None  # bailleur:1 knows the residence it changes
    assert certificate([seen], views) is None  # commune C publishes the change
    assert certificate([by_a, by_b], views) == [by_a, by_b]
    assert by_a.seen_by({"commune:A": View.FRAGILE, "commune:B": View.SECRET}) == {
        "commune:A": View.SECRET
    }
    keeps = Move(frozenset({"commune:A"}), True, frozenset())
    assert keeps.seen_by({"commune:A": View.FRAGILE}) == {}


def published(residences_: list[Graded], views: dict[str, View], attacker: Attacker) -> None:
    """Feed the attacker what the views publish (residence keys are list positions)."""
    members: dict[str, list[int]] = {}
    for i, residence in enumerate(residences_):
        for unit in residence.units:
            members.setdefault(unit, []).append(i)
    for unit, inside in members.items():
        grades = Counter(residences_[i].grade for i in inside)
        if views[unit] is View.DETAIL:
            for grade in (1, 2, 3, 4):
                attacker.count(inside, [grade], grades[grade])
        elif views[unit] is View.FRAGILE:
            attacker.count(inside, [1, 2], grades[1] + grades[2])


def attack(residences_: list[Graded], views: dict[str, View]) -> list[str]:
    """What a visitor, then each holder, derives: residences and hidden figures."""
    truth = {i: r.grade for i, r in enumerate(residences_)}
    holders = sorted({h for r in residences_ for h in r.holders})
    members: dict[str, list[int]] = {}
    for i, residence in enumerate(residences_):
        for unit in residence.units:
            members.setdefault(unit, []).append(i)
    found = []
    for holder in [None, *holders]:
        known = frozenset(i for i, r in enumerate(residences_) if holder in r.holders)
        attacker = Attacker(truth, known)
        published(residences_, views, attacker)
        found += [f"{holder}: résidence {i}" for i in attacker.derived_fragility()]
        cells = {}
        for unit, inside in members.items():
            if set(inside) <= known:
                continue
            for cell in hidden_cells(views[unit]):
                grades = (1, 2) if cell == FRAGILE_CELL else (cell,)
                cells[f"{holder}: {unit} {cell}"] = (inside, grades)
        found += attacker.derived_counts(cells)
    return found


def test_subtraction_within_a_unit_finds_nothing():
    commune = residences("A", {1: 5, 2: 8, 3: 20, 4: 15})
    views = protect(commune)
    assert views["commune:A"] is View.FRAGILE  # 13 fragile and 35 not; grades 1, 2 under 11
    assert attack(commune, views) == []


def test_an_epci_total_does_not_give_away_a_hidden_commune():
    big = residences("A", {1: 12, 2: 12, 3: 15, 4: 13})
    small = residences("B", {1: 3, 3: 4})
    views = protect(big + small)
    assert views["commune:B"] is View.SECRET
    assert views["commune:A"] < View.DETAIL or views[EPCI] < View.DETAIL
    assert attack(big + small, views) == []


def test_an_epci_of_one_commune_and_a_commune_equal_to_its_qpv():
    alone = residences("A", {1: 12, 2: 3, 3: 14, 4: 2}, "L1", "qpv:Q")
    views = protect(alone)
    assert views["commune:A"] == views["qpv:Q"] == views[EPCI]
    assert attack(alone, views) == []


def test_a_landlord_holding_nearly_all_hides_the_rest():
    mostly = residences("A", {1: 20, 3: 20}, "L1") + residences("A", {1: 3, 3: 2}, "L2")
    views = protect(mostly)
    assert views["commune:A"] is View.SECRET  # L1 would read the 5 others' grades
    assert attack(mostly, views) == []


def test_a_homogeneous_unit_is_hidden():
    calm = residences("A", {4: 30}) + residences("B", {1: 15, 3: 15})
    views = protect(calm)
    assert views["commune:A"] is View.SECRET
    assert attack(calm, views) == []


def random_territory(seed: int) -> list[Graded]:
    """1–4 communes of 5–90 graded residences, 1–4 landlords of unequal size, QPV across
    communes or covering one whole, IRIS in the larger communes, more fragile grades in QPV:
    built so that the primary secret alone leaves figures to subtract."""
    rng = random.Random(seed)
    communes = [f"C{i}" for i in range(rng.randint(1, 4))]
    landlords = [f"L{i}" for i in range(rng.randint(1, 4))]
    found = []
    for commune in communes:
        size = rng.choice([5, 12, 25, 48, 60, 90])
        qpv = f"qpv:Q{rng.randint(0, 2)}" if rng.random() < 0.6 else None
        whole = rng.random() < 0.2
        for _ in range(size):
            units = {EPCI, f"commune:{commune}"}
            odds = rng.choice([0.3, 0.5])
            if qpv and (whole or rng.random() < 0.5):
                units.add(qpv)
                odds = 0.6
            if size >= 40 and rng.random() < 0.8:
                units.add(f"iris:{commune}-{rng.randint(0, 2)}")
            draw = rng.random()
            grade = (1 if draw < odds / 2 else 2) if draw < odds else rng.choice((3, 4, 4))
            landlord = landlords[min(int(rng.expovariate(0.8)), len(landlords) - 1)]
            holders = frozenset({f"commune:{commune}", f"bailleur:{landlord}"})
            found.append(Graded(grade, frozenset(units), holders))
    return found


def test_the_primary_secret_alone_would_leak():
    """What the complementary secret is for: the attacker wins against the primary views."""
    territory = random_territory(16)
    units = {unit for residence in territory for unit in residence.units}
    primary = {
        unit: primary_view(
            Counter(r.grade for r in territory if unit in r.units),
            [
                Counter(r.grade for r in territory if unit in r.units and holder in r.holders)
                for holder in {h for r in territory if unit in r.units for h in r.holders}
            ],
        )
        for unit in units
    }
    assert attack(territory, primary) != []
    assert attack(territory, protect(territory)) == []


@pytest.mark.parametrize("seed", [0, 2, 5, 18, 23, 39, 54, 58])
def test_the_attacker_finds_nothing_on_random_territories(seed):
    territory = random_territory(seed)
    views = protect(territory)
    assert attack(territory, views) == []


def test_the_views_do_not_depend_on_the_order_of_residences():
    territory = random_territory(11)
    shuffled = list(territory)
    random.Random(3).shuffle(shuffled)
    assert protect(shuffled) == protect(territory)
