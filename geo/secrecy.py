"""Statistical secrecy of quartier figures that holds against subtraction.

Whoever reads a unit's figures without reading the grades of all its residences (a visitor, a
partner outside its scope) gets from that unit only what its *view* publishes, counted in
residences:

- `View.DETAIL`: the number of graded residences of each grade (hence the mean grade and the
  fragile share);
- `View.FRAGILE`: the number of fragile residences (grades 1–2), hence of the others;
- `View.SECRET`: nothing derived from grades.

Everything else about a graded residence is public: that it is graded, its dwellings, commune,
landlord and place (the map shows them), so every unit's number of graded residences is known.
Figures are never counted in dwellings: a sum of known dwelling counts can single out the
residences that make it up; a number of residences cannot.

`protect` chooses the views of all the units of one campaign (EPCI, communes, QPV, IRIS) at once:

1. primary secret (`primary_view`): a unit publishes its fragile count only when at least 11 of
   its graded residences are fragile and 11 are not, and its detail only when moreover each grade
   counts 0 or at least 11 residences; both must hold again once the residences of any single
   *holder* (a commune or a landlord, who reads its own residences' grades) are set aside;
2. complementary secret: each residence's fragility, and each figure a view hides, must be
   changeable by a *move* that changes nothing published: exchanging the grades of two
   residences, or changing one residence's grade. Such a move gives another set of grades that
   fits everything published, so no subtraction, mean or dwelling-count matching can tell the
   two apart. Against a holder, the move must touch none of the residences it holds. When no move
   exists, the units that see the cheapest one are hidden further, and so on until every
   residence and every hidden figure has its moves (a certificate, `certificate`).

Hiding more never breaks a certificate already found, so the result is reached in one pass over
a work list. See docs/security.md, « Secret statistique », for the argument and its limits.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

from geo.allocation_rules import SECRECY_THRESHOLD
from geo.grades import FRAGILE_GRADES, GRADES

FRAGILE_CELL = "fragile"
"""The figure « number of fragile residences » of a unit, beside one figure per grade."""
Cell = int | str
"""A hidden figure of a unit: a grade (its number of residences) or `FRAGILE_CELL`."""


class View(IntEnum):
    """What a unit publishes of its graded residences, least first."""

    SECRET = 0
    FRAGILE = 1
    DETAIL = 2


def is_fragile(grade: int) -> bool:
    return grade in FRAGILE_GRADES


def hidden_cells(view: View) -> tuple[Cell, ...]:
    """The figures a view keeps hidden."""
    if view is View.DETAIL:
        return ()
    if view is View.FRAGILE:
        return GRADES
    return (*GRADES, FRAGILE_CELL)


@dataclass(frozen=True)
class Graded:
    """A graded residence as the method sees it."""

    grade: int
    units: frozenset[str]
    """Every unit holding it, as keys such as `commune:59350` (one per level)."""
    holders: frozenset[str]
    """Who reads its grade besides the EPCI, as keys such as `commune:59350`, `bailleur:12`."""


def primary_view(
    counts: Mapping[int, int],
    held: Iterable[Mapping[int, int]] = (),
    threshold: int = SECRECY_THRESHOLD,
) -> View:
    """The most a unit may publish, given its graded residences per grade (`counts`), also once
    the residences of any one holder (each of `held`, per grade) are set aside."""
    view = View.DETAIL
    for known in (Counter[int](), *held):
        rest = {grade: counts.get(grade, 0) - known.get(grade, 0) for grade in GRADES}
        total = sum(rest.values())
        if total == 0:
            continue
        fragile = sum(rest[grade] for grade in FRAGILE_GRADES)
        if fragile < threshold or total - fragile < threshold:
            return View.SECRET
        if any(0 < n < threshold for n in rest.values()):
            view = View.FRAGILE
    return view


@dataclass(frozen=True)
class Move:
    """Another set of grades, one move away from the true one: exchanging the grades of two
    residences, or changing one grade."""

    affected: frozenset[str]
    """The units whose figures the move changes."""
    keeps_fragility: bool
    """Whether each residence stays fragile or not (a 1↔2 or 3↔4 move)."""
    known_by: frozenset[str]
    """The holders (among those it matters to) who read a residence the move changes."""

    @property
    def allowed(self) -> View:
        """The most an affected unit may publish for the move to go unseen."""
        return View.FRAGILE if self.keeps_fragility else View.SECRET

    def seen_by(self, views: Mapping[str, View]) -> dict[str, View]:
        """The affected units that publish the change, with the view that would not."""
        allowed = self.allowed
        return {unit: allowed for unit in sorted(self.affected) if views[unit] > allowed}


def certificate(moves: Iterable[Move], views: Mapping[str, View]) -> list[Move] | None:
    """Moves unseen under `views` that protect a figure from everyone: a visitor (any move) and
    each holder (a move it does not know of). None when there are none."""
    chosen: list[Move] = []
    unprotected: frozenset[str] | None = None
    for move in moves:
        if move.seen_by(views):
            continue
        if unprotected is None or unprotected & move.known_by < unprotected:
            chosen.append(move)
            unprotected = move.known_by if unprotected is None else unprotected & move.known_by
            if not unprotected:
                return chosen
    return None


@dataclass(frozen=True)
class _Profile:
    """Residences alike for the method: same units, holders and grade."""

    atom: int
    grade: int
    holders: frozenset[str]


@dataclass(frozen=True)
class _Target:
    """What must not be derived: a residence's fragility (`unit` None) or a unit's figure."""

    profile: _Profile | None = None
    unit: str | None = None
    cell: Cell | None = None


_ONE_GRADE = -1
"""The « other atom » of a move that changes one grade instead of exchanging two."""


class _Campaign:
    """The graded residences of one campaign, grouped for the search of moves.

    Residences with the same units form an *atom*; a move is searched atom pair by atom pair
    (its affected units depend on the atoms only), then residence by residence within the pair
    (who knows of it depends on their holders).
    """

    def __init__(self, residences: Sequence[Graded]) -> None:
        atoms: dict[frozenset[str], int] = {}
        profiles: dict[tuple[int, int, frozenset[str]], _Profile] = {}
        self.counts: dict[str, Counter[int]] = {}
        self.held: dict[str, dict[str, Counter[int]]] = {}
        common: dict[str, frozenset[str]] = {}
        for residence in residences:
            atom = atoms.setdefault(residence.units, len(atoms))
            key = (atom, residence.grade, residence.holders)
            profiles.setdefault(key, _Profile(atom, residence.grade, residence.holders))
            for unit in residence.units:
                self.counts.setdefault(unit, Counter())[residence.grade] += 1
                held = self.held.setdefault(unit, {})
                for holder in residence.holders:
                    held.setdefault(holder, Counter())[residence.grade] += 1
                known = common.get(unit)
                common[unit] = residence.holders if known is None else known & residence.holders
        self.atom_units = list(atoms)
        self.profiles = list(profiles.values())
        self.atom_profiles: list[list[_Profile]] = [[] for _ in self.atom_units]
        for profile in self.profiles:
            self.atom_profiles[profile.atom].append(profile)
        self.atoms_in: dict[str, list[int]] = {unit: [] for unit in self.counts}
        for atom, units in enumerate(self.atom_units):
            for unit in units:
                self.atoms_in[unit].append(atom)
        self.common_holders = common
        """Per unit, the holders of all its residences: nothing of it is hidden from them."""
        self.size = {unit: sum(counts.values()) for unit, counts in self.counts.items()}
        self.units = sorted(self.counts)
        self._nearest: dict[int, list[int]] = {}

    def nearest(self, atom: int) -> list[int]:
        """Every atom, those sharing the most units with `atom` first (itself first)."""
        if atom not in self._nearest:
            units = self.atom_units[atom]
            self._nearest[atom] = sorted(
                range(len(self.atom_units)), key=lambda other: len(units ^ self.atom_units[other])
            )
        return self._nearest[atom]

    # --- Moves ----------------------------------------------------------------------------------

    def pairs(self, target: _Target) -> Iterator[tuple[int, int, frozenset[str]]]:
        """(atom, other atom or `_ONE_GRADE`, affected units) of the moves that may change
        `target`, nearest first, changes of one grade last."""
        if target.profile is not None:
            atom = target.profile.atom
            units = self.atom_units[atom]
            for other in self.nearest(atom):
                yield atom, other, units ^ self.atom_units[other]
            yield atom, _ONE_GRADE, units
            return
        assert target.unit is not None
        inside = self.atoms_in[target.unit]
        for atom in inside:
            units = self.atom_units[atom]
            for other in self.nearest(atom):
                other_units = self.atom_units[other]
                if target.unit not in other_units:
                    yield atom, other, units ^ other_units
        for atom in inside:
            yield atom, _ONE_GRADE, self.atom_units[atom]

    def moves(self, target: _Target, atom: int, other: int, affected: frozenset[str]) -> list[Move]:
        """The moves of one atom pair that change `target`, without repeats, in a set order."""
        found: dict[Move, None] = {}
        if target.profile is not None:
            mine = target.profile
            if other == _ONE_GRADE:
                return [Move(affected, False, frozenset())]
            for profile in self.atom_profiles[other]:
                if is_fragile(profile.grade) != is_fragile(mine.grade):
                    found[Move(affected, False, profile.holders - mine.holders)] = None
            return list(found)
        assert target.unit is not None and target.cell is not None
        exempt = self.common_holders[target.unit]
        for profile in self.atom_profiles[atom]:
            if other == _ONE_GRADE:
                for grade in GRADES:
                    if _changes(target.cell, profile.grade, grade):
                        keeps = is_fragile(profile.grade) == is_fragile(grade)
                        found[Move(affected, keeps, profile.holders - exempt)] = None
                continue
            for partner in self.atom_profiles[other]:
                if _changes(target.cell, profile.grade, partner.grade):
                    keeps = is_fragile(profile.grade) == is_fragile(partner.grade)
                    known_by = (profile.holders | partner.holders) - exempt
                    found[Move(affected, keeps, known_by)] = None
        return list(found)

    # --- Search ---------------------------------------------------------------------------------

    def unseen_moves(self, target: _Target, views: Mapping[str, View]) -> Iterator[Move]:
        """The moves of `target` that no unit publishes under `views`."""
        for atom, other, affected in self.pairs(target):
            if any(views[unit] is View.DETAIL for unit in affected):
                continue
            for move in self.moves(target, atom, other, affected):
                if not move.seen_by(views):
                    yield move

    def repair(self, target: _Target, views: Mapping[str, View]) -> dict[str, View]:
        """The units to hide further (with their new view) so that `target` has a certificate;
        empty when it has one already."""
        if certificate(self.unseen_moves(target, views), views) is not None:
            return {}
        hidden: dict[str, View] = {}
        current = _Overlay(views, hidden)
        unprotected: frozenset[str] | None = None
        pairs = list(self.pairs(target))
        while unprotected is None or unprotected:
            ranked = sorted(pairs, key=lambda pair: self._weight(pair[2], View.FRAGILE, current))
            best: tuple[int, int] | None = None
            chosen: Move | None = None
            for atom, other, affected in ranked:
                if best is not None and self._weight(affected, View.FRAGILE, current) > best[0]:
                    break
                for move in self.moves(target, atom, other, affected):
                    rest = move.known_by if unprotected is None else unprotected & move.known_by
                    if unprotected is not None and len(rest) == len(unprotected):
                        continue
                    key = (self._weight(affected, move.allowed, current), len(rest))
                    if best is None or key < best:
                        best, chosen = key, move
            if chosen is None:
                raise AssertionError("a change of one grade always protects a figure")
            hidden.update(chosen.seen_by(current))
            unprotected = chosen.known_by if unprotected is None else unprotected & chosen.known_by
        return hidden

    def _weight(self, affected: frozenset[str], allowed: View, views: Mapping[str, View]) -> int:
        """What hiding `affected` down to `allowed` costs: residences times steps of view."""
        return sum(self.size[u] * (views[u] - allowed) for u in affected if views[u] > allowed)


class _Overlay(Mapping[str, View]):
    """Views with some units hidden further, without copying them."""

    def __init__(self, views: Mapping[str, View], hidden: Mapping[str, View]) -> None:
        self.views, self.hidden = views, hidden

    def __getitem__(self, unit: str) -> View:
        return self.hidden.get(unit, self.views[unit])

    def __iter__(self) -> Iterator[str]:
        return iter(self.views)

    def __len__(self) -> int:
        return len(self.views)


def _changes(cell: Cell, grade: int, other: int) -> bool:
    """Whether replacing `grade` by `other` in a unit changes its figure `cell`."""
    if grade == other:
        return False
    if cell == FRAGILE_CELL:
        return is_fragile(grade) != is_fragile(other)
    return cell in (grade, other)


def canonical(residences: Iterable[Graded]) -> tuple[Graded, ...]:
    """The residences in a set order: the views depend on the residences, not on their order."""
    return tuple(sorted(residences, key=lambda r: (r.grade, sorted(r.units), sorted(r.holders))))


def protect(residences: Sequence[Graded], threshold: int = SECRECY_THRESHOLD) -> dict[str, View]:
    """The view of every unit holding at least one of the graded `residences` of a campaign,
    such that neither a residence's fragility (hence its grade) nor a hidden figure can be
    derived from all the views together, by a visitor or by any one holder."""
    campaign = _Campaign(canonical(residences))
    views = {
        unit: primary_view(campaign.counts[unit], campaign.held[unit].values(), threshold)
        for unit in campaign.units
    }
    pending = deque(_Target(profile=profile) for profile in campaign.profiles)
    pending.extend(
        _Target(unit=unit, cell=cell)
        for unit in campaign.units
        for cell in hidden_cells(views[unit])
    )
    while pending:
        target = pending.popleft()
        for unit, view in sorted(campaign.repair(target, views).items()):
            before = set(hidden_cells(views[unit]))
            views[unit] = view
            pending.extend(
                _Target(unit=unit, cell=cell) for cell in hidden_cells(view) if cell not in before
            )
    return views
