"""The attacker of the statistical secret, shared by the tests of geo/secrecy.py and of the API.

Everything a reader receives becomes linear relations on unknowns x[r, g] (residence r has grade
g, 0 or 1, one grade per residence): a count, a sum of dwellings, a mean or a share of a unit,
each within the rounding of the published value. Residences whose grade the reader knows (its
own) are moved to the bounds. An exact integer solver (scipy's MILP, HiGHS) then looks for a
second solution in which a residence's fragility, or a hidden figure, differs from the truth:
a target without one is derived. This subsumes subtraction within a unit, differences across
levels, weighted means and dwelling-count (subset-sum) matching, each being one of the linear
combinations the solver explores.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from geo.grades import FRAGILE_GRADES, GRADES

INFEASIBLE = 2
"""`milp` status of a system without solution."""
Terms = dict[tuple[Hashable, int], float]
"""Coefficients of x[residence, grade]."""


@dataclass
class Attacker:
    """The relations a reader holds on the grades of `truth` (graded residences), knowing the
    grades of `known` ones."""

    truth: Mapping[Hashable, int]
    known: frozenset[Hashable] = frozenset()
    relations: list[tuple[Terms, float, float]] = field(default_factory=list)
    time_limit: float | None = None
    """Seconds per solve; a solve that runs out raises `TimeoutError` (None: no limit)."""

    def __post_init__(self) -> None:
        self.unknown = [r for r in self.truth if r not in self.known]
        self.index = {
            (r, g): i for i, (r, g) in enumerate((r, g) for r in self.unknown for g in GRADES)
        }
        self._solutions: list[np.ndarray] | None = None
        self._constraint: LinearConstraint | None = None

    # --- What is published ------------------------------------------------------------------

    def relate(self, terms: Terms, low: float, high: float) -> None:
        """low <= Σ terms · x <= high, over all graded residences (known ones are folded in)."""
        kept: Terms = {}
        for (residence, grade), coefficient in terms.items():
            if residence not in self.truth:
                continue
            if residence in self.known:
                value = coefficient if self.truth[residence] == grade else 0.0
                low, high = low - value, high - value
            else:
                kept[(residence, grade)] = kept.get((residence, grade), 0.0) + coefficient
        self.relations.append((kept, low, high))
        self._solutions = self._constraint = None

    def count(
        self,
        members: Iterable[Hashable],
        grades: Iterable[int],
        low: float,
        high: float | None = None,
        weights: Mapping[Hashable, float] | None = None,
    ) -> None:
        """The (weighted) number of `members` graded in `grades` lies in [low, high]."""
        grades = tuple(grades)
        terms = {
            (r, g): (weights[r] if weights else 1.0)
            for r in members
            if r in self.truth
            for g in grades
        }
        self.relate(terms, low, low if high is None else high)

    def total(
        self,
        members: Iterable[Hashable],
        low: float,
        high: float,
        weights: Mapping[Hashable, float] | None = None,
    ) -> None:
        """Σ weight × grade over `members` lies in [low, high] (a mean times its weight)."""
        terms = {
            (r, g): (weights[r] if weights else 1.0) * g
            for r in members
            if r in self.truth
            for g in GRADES
        }
        self.relate(terms, low, high)

    # --- What it derives --------------------------------------------------------------------

    def derived_fragility(self, among: Iterable[Hashable] | None = None) -> list[Hashable]:
        """Unknown residences (all, or `among`) whose fragility (hence grade) has a single
        possible value."""
        found = []
        for residence in self.unknown if among is None else among:
            fragile = self.truth[residence] in FRAGILE_GRADES
            terms = {(residence, g): 1.0 for g in FRAGILE_GRADES}
            if self._differs(terms, 1.0 if fragile else 0.0) is False:
                found.append(residence)
        return found

    def derived_counts(
        self, cells: Mapping[Hashable, tuple[Iterable[Hashable], Iterable[int]]]
    ) -> list[Hashable]:
        """Names of `cells` (members, grades) whose number has a single possible value."""
        found = []
        for name, (members, grades) in cells.items():
            members, grades = tuple(members), tuple(grades)
            truth = sum(1 for r in members if r in self.truth and self.truth[r] in grades)
            terms = {(r, g): 1.0 for r in members if r in self.truth for g in grades}
            if self._differs(terms, float(truth)) is False:
                found.append(name)
        return found

    def _differs(self, terms: Terms, truth: float) -> bool:
        """Whether some solution gives Σ terms · x another value than `truth`."""
        folded = sum(c for (r, g), c in terms.items() if r in self.known and self.truth[r] == g)
        target = {k: c for k, c in terms.items() if k[0] not in self.known}
        value = truth - folded
        if not target:
            return False
        for solution in self.solutions():
            if abs(self._evaluate(target, solution) - value) > 0.5:
                return True
        return self._feasible(target, value + 1, np.inf) or self._feasible(
            target, -np.inf, value - 1
        )

    def _evaluate(self, terms: Terms, solution: np.ndarray) -> float:
        return float(sum(c * solution[self.index[k]] for k, c in terms.items()))

    def solutions(self, tries: int = 6) -> list[np.ndarray]:
        """A few solutions as far from the truth as possible (random weights on keeping each
        residence's grade and fragility), to settle most targets without a solve each."""
        if self._solutions is None:
            rng = random.Random(8)
            found = []
            for _ in range(tries):
                objective = np.zeros(len(self.index))
                for (residence, grade), i in self.index.items():
                    truth = self.truth[residence]
                    same_side = (grade in FRAGILE_GRADES) == (truth in FRAGILE_GRADES)
                    objective[i] = (
                        rng.uniform(0.5, 1.5) * (grade == truth) + rng.uniform(0.5, 1.5) * same_side
                    )
                _status, result = self._solve(objective, None)
                if result is not None:
                    found.append(result)
            assert found, "what is published contradicts the truth: the attacker is wrong"
            self._solutions = found
        return self._solutions

    def _feasible(self, terms: Terms, low: float, high: float) -> bool:
        row = np.zeros((1, len(self.index)))
        for key, coefficient in terms.items():
            row[0, self.index[key]] = coefficient
        status, solution = self._solve(np.zeros(len(self.index)), LinearConstraint(row, low, high))
        if solution is not None:
            return True
        if status == INFEASIBLE:
            return False
        raise TimeoutError(f"solveur arrêté sans conclure (statut {status})")

    def _base(self) -> LinearConstraint | None:
        """One grade per residence, and every relation (None when one contradicts itself)."""
        rows = [({(r, g): 1.0 for g in GRADES}, 1.0, 1.0) for r in self.unknown]
        for terms, low, high in self.relations:
            if terms:
                rows.append((terms, low, high))
            elif not low - 1e-9 <= 0 <= high + 1e-9:
                return None
        matrix = lil_matrix((len(rows), len(self.index)))
        lower, upper = np.empty(len(rows)), np.empty(len(rows))
        for i, (terms, low, high) in enumerate(rows):
            for key, coefficient in terms.items():
                matrix[i, self.index[key]] = coefficient
            lower[i], upper[i] = low, high
        return LinearConstraint(matrix.tocsr(), lower, upper)

    def _solve(
        self, objective: np.ndarray, extra: LinearConstraint | None
    ) -> tuple[int, np.ndarray | None]:
        """The solver's status and a solution (None when it found none)."""
        if self._constraint is None:
            self._constraint = self._base()
            assert self._constraint is not None, "a published relation contradicts the truth"
        constraints = [self._constraint] if extra is None else [self._constraint, extra]
        result = milp(
            objective,
            integrality=np.ones(len(self.index)),
            bounds=Bounds(0, 1),
            constraints=constraints,
            options={} if self.time_limit is None else {"time_limit": self.time_limit},
        )
        return result.status, result.x if result.status in (0, 1) else None
