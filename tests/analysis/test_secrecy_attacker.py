"""The statistical secret played by an attacker, through the HTTP API, on a territory built for it.

Two EPCI, their campaigns closed and published down to IRIS. In the MEL: IRIS of 10, 11 and 12
graded residences, Roubaix made of a large IRIS and a small one, a QPV across Lille and Roubaix,
Hem entirely in its QPV, Wattrelos graded 4 everywhere, Croix under 11, a commune just above
twice the threshold, a residence of 1,000 dwellings, a dominant landlord and a small one. In the
CU d'Arras, every residence stands in Arras: the EPCI and the commune are the same residences.

The attacker is a visitor, then partners outside their scope (the commune of Villeneuve-d'Ascq, the
small landlord). It gathers everything it is sent: the quartiers of every level (GeoJSON and the
exports), the residence layer with each residence's dwellings and whether it is graded, the
peuplements and their reasons; the units holding each residence are public geography. It then
tries subtraction within a unit, means, differences across levels, dwelling-count matching, and an
exact integer solver over all of it together (tests/attacker.py), and finds no hidden figure and
no residence's grade. The same attacker, fed the exact figures an administrator reads, pins
residences: the control that it would see a leak.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pytest
from sqlalchemy import text

from app.auth.accounts import create_account, create_token
from geo.grades import FRAGILE_GRADES, GRADES
from tests.analysis.conftest import MEL
from tests.attacker import Attacker
from tests.territory import grade

CU_ARRAS = "200033579"
LILLE, ROUBAIX, TOURCOING, HEM = "59350", "59512", "59599", "59299"
WATTRELOS, CROIX, VILLENEUVE, ARRAS = "59650", "59163", "59009", "62041"
QPV_LILLE_ROUBAIX, QPV_HEM = "QN05950M", "QN05951M"
BAILLEURS = {"B1": "900000111", "B2": "900000222", "B3": "900000333"}
LEVELS = ("qpv", "iris", "commune", "epci")
FRAGILE = "fragile"


@dataclass
class Home:
    """A residence as built: where it stands (public) and its grade (the secret)."""

    code: str
    commune: str
    landlord: str
    dwellings: int
    grade: int | None
    iris: str | None = None
    qpv: str | None = None

    @property
    def epci(self) -> str:
        return CU_ARRAS if self.commune == ARRAS else MEL

    def units(self) -> set[tuple[str, str]]:
        units = {("epci", self.epci), ("commune", self.commune)}
        if self.iris:
            units.add(("iris", self.iris))
        if self.qpv:
            units.add(("qpv", self.qpv))
        return units


def adversarial_homes() -> list[Home]:
    """The territory, drawn once from a fixed seed."""
    rng = random.Random(2026)
    homes: list[Home] = []

    def add(commune, count, fragile_odds, landlords="B1B1B1B2B3", grades=None, **place):
        for i in range(count):
            if grades is not None:
                value = grades[i]
            elif rng.random() < fragile_odds:
                value = rng.choice(FRAGILE_GRADES)
            else:
                value = rng.choice((3, 4))
            landlord = "B" + rng.choice(landlords.split("B")[1:])
            code = f"X{len(homes):03d}"
            homes.append(Home(code, commune, landlord, rng.randint(8, 120), value, **place))

    add(LILLE, 10, 0.5, iris=f"{LILLE}0101")
    add(LILLE, 11, 0.5, iris=f"{LILLE}0102")
    add(LILLE, 12, 0.5, iris=f"{LILLE}0103")
    add(LILLE, 70, 0.45, "B1B2B3", iris=f"{LILLE}0104")
    add(LILLE, 40, 0.6, "B1B2B3", qpv=QPV_LILLE_ROUBAIX)
    add(LILLE, 50, 0.35, "B1B2B3")
    homes[-1].dwellings = 1000  # the big one
    add(ROUBAIX, 35, 0.6, "B1B2B3", qpv=QPV_LILLE_ROUBAIX, iris=f"{ROUBAIX}0101")
    add(ROUBAIX, 52, 0.4, "B1B2B3", iris=f"{ROUBAIX}0101")
    add(ROUBAIX, 8, 0.4, "B1B2B3", iris=f"{ROUBAIX}0102")  # Roubaix minus its first IRIS
    add(TOURCOING, 23, 0, grades=[1] * 6 + [2] * 5 + [3] * 6 + [4] * 6)
    add(HEM, 25, 0.5, qpv=QPV_HEM)
    add(WATTRELOS, 25, 0, grades=[4] * 25)
    add(CROIX, 10, 0.5)
    add(VILLENEUVE, 12, 0.3, landlords="B2B3")
    add(ARRAS, 30, 0.45, landlords="B2B3")
    for commune in (LILLE, ROUBAIX, CROIX):  # ungraded: known as such
        homes.append(Home(f"N{commune}", commune, "B1", rng.randint(8, 60), None))
    return homes


def _square(x: float, y: float, size: float = 0.01) -> str:
    return f"MULTIPOLYGON((({x} {y},{x + size} {y},{x + size} {y + size},{x} {y + size},{x} {y})))"


@dataclass
class World:
    homes: list[Home]
    campaigns: dict[str, int]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def by_code(self) -> dict[str, Home]:
        return {home.code: home for home in self.homes}

    def members(self, campaign: int, level: str, code: str) -> list[str]:
        """Graded residences of a unit: public (graded or not shows on the map)."""
        epci = next(e for e, c in self.campaigns.items() if c == campaign)
        return [
            h.code
            for h in self.homes
            if h.grade is not None and h.epci == epci and (level, code) in h.units()
        ]


@pytest.fixture
def world(engine) -> World:
    homes = adversarial_homes()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO bailleur (name, siren) VALUES (:n, :s)"),
            [{"n": f"Bailleur {key}", "s": siren} for key, siren in BAILLEURS.items()],
        )
        for code, communes, x in (
            (QPV_LILLE_ROUBAIX, [LILLE, ROUBAIX], 3.10),
            (QPV_HEM, [HEM], 3.20),
        ):
            conn.execute(
                text(
                    "INSERT INTO qpv (code, name, communes, source, vintage, geom) VALUES "
                    "(:code, :name, :communes, 'official', '2024', ST_GeomFromText(:g, 4326))"
                ),
                {"code": code, "name": f"QPV {code}", "communes": communes, "g": _square(x, 50.6)},
            )
        for i, iris in enumerate(sorted({h.iris for h in homes if h.iris})):
            conn.execute(
                text(
                    "INSERT INTO iris (code, name, commune_insee, geom) "
                    "VALUES (:code, :name, :commune, ST_GeomFromText(:g, 4326))"
                ),
                {
                    "code": iris,
                    "name": f"IRIS {iris}",
                    "commune": iris[:5],
                    "g": _square(3.0 + i * 0.01, 50.62),
                },
            )
        conn.execute(
            text(
                """
                INSERT INTO residence (code, name, bailleur_id, commune_insee, epci_siren,
                                       nb_logements, qpv_code, iris_code, geom)
                SELECT :code, :name, b.id, c.insee, c.epci_siren, :n, :qpv,
                       :iris, ST_PointOnSurface(c.geom)
                FROM bailleur b, commune c WHERE b.name = :landlord AND c.insee = :commune
                """
            ),
            [
                {
                    "code": h.code,
                    "name": f"Résidence {h.code}",
                    "landlord": f"Bailleur {h.landlord}",
                    "commune": h.commune,
                    "n": h.dwellings,
                    "qpv": h.qpv,
                    "iris": h.iris,
                }
                for h in homes
            ],
        )
        campaigns = {}
        for epci in (MEL, CU_ARRAS):
            campaigns[epci] = conn.execute(
                text(
                    "INSERT INTO campaign (epci_siren, name, year, status, published_level) "
                    "VALUES (:e, 'Secret 2025', 2025, 'harmonisation', 'iris') RETURNING id"
                ),
                {"e": epci},
            ).scalar_one()
        for home in homes:
            if home.grade is not None:
                grade(conn, campaigns[home.epci], home.code, home.grade, home.grade)
        conn.execute(text("UPDATE campaign SET status = 'closed'"))
    world = World(homes, campaigns)
    with engine.begin() as conn:
        for who, role, scopes in (
            ("villeneuve", "commune", [VILLENEUVE]),
            ("petit-bailleur", "bailleur", [BAILLEURS["B3"]]),
            ("admin", "admin", [MEL, CU_ARRAS]),
        ):
            email = f"{who}@secret.test"
            create_account(conn, email, role, scopes)
            world.headers[who] = {"Authorization": f"Bearer {create_token(conn, email)}"}
    return world


# --- What a reader receives ---------------------------------------------------------------------


@dataclass
class Received:
    """Everything one reader was sent."""

    units: dict[tuple[int, str, str], dict] = field(default_factory=dict)
    """(campaign, level, code) → the unit's properties, as the API and the exports give them."""
    grades: dict[str, int] = field(default_factory=dict)
    """Residences whose grade the reader reads."""
    graded: set[str] = field(default_factory=set)
    dwellings: dict[str, int] = field(default_factory=dict)
    reasons: list[tuple[str, str]] = field(default_factory=list)
    """(residence, reason) of the peuplement layer."""


def _csv_value(column: str, raw: str):
    if raw == "":
        return None
    if raw in ("oui", "non"):
        return raw == "oui"
    if column in ("code", "name", "level", "epci_siren", "basis", "rebalancing_label"):
        return raw
    if column == "rebalancing_reasons":
        return raw.split(" ; ")
    number = float(raw.replace(",", "."))
    return int(number) if number.is_integer() and "," not in raw else number


def _from_csv(body: bytes) -> list[dict]:
    rows = []
    for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"):
        parsed = {column: _csv_value(column, raw) for column, raw in row.items()}
        parsed["grade_distribution"] = {
            str(g): parsed.pop(f"grade_distribution_{g}") for g in GRADES
        }
        rows.append(parsed)
    return rows


def gather(client, world: World, who: str | None) -> Received:
    """Call every route that shows grades or figures from grades, as `who` (None: a visitor)."""
    headers = world.headers.get(who, {}) if who else {}
    got = Received()

    def keep(rows: list[dict]) -> None:
        for row in rows:
            row["grade_distribution"] = row["grade_distribution"] or dict.fromkeys(
                map(str, GRADES)
            )  # the exports write a hidden distribution, or no reason, as empty cells
            row["rebalancing_reasons"] = row["rebalancing_reasons"] or None
            key = (int(row["campaign_id"]), row["level"], row["code"])
            if key in got.units:
                same = {k: got.units[key][k] for k in row if k in got.units[key]}
                assert same == {k: row[k] for k in same}, f"two answers for {key}"
            got.units[key] = row

    for level in LEVELS:
        for campaign in (None, *world.campaigns.values()):
            params = {"level": level} | ({"campaign": campaign} if campaign else {})
            response = client.get("/api/quartiers", params=params, headers=headers)
            assert response.status_code == 200, response.text
            keep([f["properties"] for f in response.json()["features"]])
            if who:
                export = client.get("/api/exports/quartiers.csv", params=params, headers=headers)
                assert export.status_code == 200, export.text
                keep(_from_csv(export.content))
    for campaign in (None, *world.campaigns.values()):
        params = {"campaign": campaign} if campaign else {}
        layer = client.get("/api/residences", params=params, headers=headers).json()
        for feature in layer["features"]:
            p = feature["properties"]
            got.dwellings[p["code"]] = p["nb_logements"]
            if p["grade_status"] != "none":
                got.graded.add(p["code"])
            if p["grade"] is not None:
                got.grades[p["code"]] = p["grade"]
        peuplements = client.get("/api/peuplements", params=params, headers=headers).json()
        for feature in peuplements["features"]:
            p = feature["properties"]
            got.reasons += [(p["code"], reason) for reason in p["rebalancing_reasons"] or []]
    return got


# --- The attacks --------------------------------------------------------------------------------

SHARE = re.compile(
    r"(\d+) % des (?:résidences qualifiées|logements qualifiés) (du quartier|de son QPV|de sa "
    r"commune) sont (?:fragiles|en résidence fragile), contre (\d+) % dans l'EPCI"
)


def _weights(world: World, row: dict) -> dict[str, float] | None:
    return None if row["basis"] == "résidences" else {h.code: h.dwellings for h in world.homes}


def _scale(world: World, row: dict, members: list[str]) -> float:
    if row["basis"] == "résidences":
        return len(members)
    return sum(world.by_code[code].dwellings for code in members)


def feed(attacker: Attacker, world: World, got: Received) -> None:
    """Every figure received, as relations within its rounding."""
    for (campaign, level, code), row in got.units.items():
        members = world.members(campaign, level, code)
        assert row["nb_residences_graded"] == len(members)
        weights, scale = _weights(world, row), _scale(world, row, members)
        for g, value in (row["grade_distribution"] or {}).items():
            if value is not None:
                attacker.count(members, [int(g)], value, weights=weights)
        if row["fragile_share"] is not None:
            low, high = _around(row["fragile_share"], 4, scale)
            attacker.count(members, FRAGILE_GRADES, low, high, weights)
        if row["mean_grade"] is not None:
            attacker.total(members, *_around(row["mean_grade"], 3, scale), weights)
        epci = world.members(campaign, "epci", row["epci_siren"])
        if row["epci_fragile_share"] is not None:
            low, high = _around(row["epci_fragile_share"], 4, _scale(world, row, epci))
            attacker.count(epci, FRAGILE_GRADES, low, high, weights)
        for reason in row["rebalancing_reasons"] or []:
            if match := SHARE.search(reason):
                _percent(attacker, world, row, members, int(match[1]))
                _percent(attacker, world, row, epci, int(match[3]))
    for code, reason in got.reasons:
        if match := SHARE.search(reason):
            home = world.by_code[code]
            campaign = world.campaigns[home.epci]
            level, unit = ("qpv", home.qpv) if home.qpv else ("commune", home.commune)
            row = got.units[(campaign, level, unit)]
            _percent(attacker, world, row, world.members(campaign, level, unit), int(match[1]))


def _around(value: float, digits: int, scale: float) -> tuple[float, float]:
    half = 0.5 * 10**-digits + 1e-9
    return (value - half) * scale, (value + half) * scale


def _percent(attacker, world, row, members, percent: int) -> None:
    scale = _scale(world, row, members)
    low, high = (percent - 0.5) / 100 * scale - 1e-9, (percent + 0.5) / 100 * scale + 1e-9
    attacker.count(members, FRAGILE_GRADES, low, high, _weights(world, row))


def hidden_cells(world: World, got: Received) -> dict[str, tuple[list[str], tuple[int, ...]]]:
    """Every figure a unit's row leaves null, about residences the reader does not know."""
    cells = {}
    for (campaign, level, code), row in got.units.items():
        members = world.members(campaign, level, code)
        if set(members) <= set(got.grades):
            continue
        distribution = row["grade_distribution"] or dict.fromkeys(map(str, GRADES))
        for g, value in distribution.items():
            if value is None:
                cells[f"{level} {code} ({campaign}) note {g}"] = (members, (int(g),))
        if row["fragile_share"] is None:
            cells[f"{level} {code} ({campaign}) fragiles"] = (members, FRAGILE_GRADES)
    return cells


def subtraction_within_units(world: World, got: Received) -> list[str]:
    """A unit's one hidden grade class: its graded total minus the classes shown."""
    found = []
    for (_campaign, level, code), row in got.units.items():
        distribution = row["grade_distribution"]
        if not distribution or row["basis"] != "résidences":
            continue
        hidden = [g for g, value in distribution.items() if value is None]
        if len(hidden) == 1:
            found.append(f"{level} {code}: note {hidden[0]} = total − autres classes")
    return found


def solving_means(world: World, got: Received) -> list[str]:
    """Two hidden classes from the count and the mean (two equations), when one fits."""
    found = []
    for (_campaign, level, code), row in got.units.items():
        distribution, mean = row["grade_distribution"], row["mean_grade"]
        if not distribution or mean is None:
            continue
        hidden = [int(g) for g, v in distribution.items() if v is None]
        if len(hidden) != 2 or row["basis"] != "résidences":
            continue
        n = row["nb_residences_graded"]
        rest = n - sum(v for v in distribution.values() if v is not None)
        total = round(mean * n) - sum(int(g) * v for g, v in distribution.items() if v)
        (a, b) = hidden
        fits = [x for x in range(rest + 1) if a * x + b * (rest - x) == total]
        if len(fits) == 1:
            found.append(f"{level} {code}: notes {a} et {b} par la moyenne")
    return found


def differences_across_levels(world: World, got: Received) -> list[str]:
    """A unit's hidden figure from another set of units holding the same residences: the EPCI
    minus its communes, a commune minus its IRIS, two units of the same residences."""
    found = []
    known = {}
    for (campaign, level, code), row in got.units.items():
        members = frozenset(world.members(campaign, level, code))
        if row["basis"] != "résidences" or not members:
            continue
        for g, value in (row["grade_distribution"] or {}).items():
            if value is not None:
                known[(members, (int(g),))] = value
        if row["fragile_share"] is not None:
            known[(members, FRAGILE_GRADES)] = round(row["fragile_share"] * len(members))
    parents = defaultdict(list)
    for (campaign, level, code), _row in got.units.items():
        parents[campaign].append(frozenset(world.members(campaign, level, code)))
    for sets in parents.values():
        for whole in set(sets):
            parts = [s for s in set(sets) if s and s < whole]
            for grades in [(g,) for g in GRADES] + [FRAGILE_GRADES]:
                if (whole, grades) not in known:
                    continue
                for size in (1, 2, 3):
                    for chosen in combinations(parts, size):
                        union = frozenset().union(*chosen)
                        if sum(map(len, chosen)) != len(union) or union == whole:
                            continue
                        rest = whole - union
                        if (
                            rest in set(sets)
                            and (rest, grades) not in known
                            and all((part, grades) in known for part in chosen)
                        ):
                            found.append(f"{sorted(rest)[:3]}… {grades} par différence")
    return found


def dwelling_matching(world: World, got: Received) -> list[str]:
    """Residences singled out by a figure in dwellings: when a single set of the unit's graded
    residences (outside those the reader knows) sums to it, their grades are known."""
    found = []
    for (campaign, level, code), row in got.units.items():
        if row["basis"] != "logements":
            continue
        members = world.members(campaign, level, code)
        unknown = [m for m in members if m not in got.grades]
        for g, value in (row["grade_distribution"] or {}).items():
            if value is None or not unknown:
                continue
            known = sum(world.by_code[m].dwellings for m in members if got.grades.get(m) == int(g))
            dwellings = [world.by_code[m].dwellings for m in unknown]
            chosen = _only_subset(dwellings, value - known)
            if chosen is not None:
                found += [f"résidence {unknown[i]} notée {g}" for i in chosen]
    return found


def _only_subset(values: list[int], target: int) -> list[int] | None:
    """The positions of the only subset of `values` summing to `target`, if it is the only one
    (counts of subsets by sum, capped at 2, from the last value to the first)."""
    if target < 0:
        return None
    suffix = np.zeros((len(values) + 1, target + 1), dtype=np.uint8)
    suffix[len(values), 0] = 1
    for i in range(len(values) - 1, -1, -1):
        suffix[i] = suffix[i + 1]
        if values[i] <= target:
            shifted = suffix[i + 1, : target + 1 - values[i]]
            suffix[i, values[i] :] = np.minimum(2, suffix[i, values[i] :] + shifted)
    if suffix[0, target] != 1:
        return None
    chosen, rest = [], target
    for i, value in enumerate(values):
        if value <= rest and suffix[i + 1, rest - value] == 1:
            chosen.append(i)
            rest -= value
    return chosen


def everything_derived(client, world: World, who: str | None) -> list[str]:
    got = gather(client, world, who)
    assert got.units and got.graded
    truth = {h.code: h.grade for h in world.homes if h.grade is not None}
    assert got.graded == set(truth)  # which residences are graded is public
    attacker = Attacker(truth, frozenset(got.grades))
    feed(attacker, world, got)
    found = (
        subtraction_within_units(world, got)
        + solving_means(world, got)
        + differences_across_levels(world, got)
        + dwelling_matching(world, got)
    )
    found += [f"résidence {code}" for code in attacker.derived_fragility()]
    return found + attacker.derived_counts(hidden_cells(world, got))


@pytest.mark.parametrize("who", [None, "villeneuve", "petit-bailleur"])
def test_the_attacker_finds_nothing(client, world, who):
    assert everything_derived(client, world, who) == []


def test_the_attacker_pins_residences_from_exact_figures(client, world):
    """The control: the dwelling-weighted figures an administrator reads, in the hands of a
    reader without rights, give grades away by dwelling-count matching alone."""
    got = gather(client, world, "admin")
    assert {row["basis"] for row in got.units.values()} == {"logements"}
    got.grades = {}
    pinned = dwelling_matching(world, got)
    by_code = world.by_code
    for item in pinned:
        _, code, _, value = item.split()
        assert by_code[code].grade == int(value)
    assert len({item.split()[1] for item in pinned}) >= 10


def test_the_visitor_still_reads_figures(client, world):
    """The secret hides what it must, not everything; and the complementary secret is at work:
    Roubaix is its first IRIS plus a small one, so the first IRIS, publishable on its own, hides
    its fragile share lest the small one be Roubaix minus it."""
    got = gather(client, world, None)
    mel = world.campaigns[MEL]
    assert got.units[(mel, "epci", MEL)]["mean_grade"] is not None
    for unit in (("commune", LILLE), ("commune", ROUBAIX)):
        row = got.units[(mel, *unit)]
        assert row["basis"] == "résidences" and row["grade_distribution"]["1"] is not None
    assert got.units[(mel, "iris", f"{LILLE}0104")]["fragile_share"] is not None
    assert got.units[(mel, "iris", f"{ROUBAIX}0102")]["secret"] is True
    assert got.units[(mel, "iris", f"{ROUBAIX}0101")]["secret"] is True
    assert got.units[(mel, "commune", WATTRELOS)]["secret"] is True  # all 4: each one known
    arras = world.campaigns[CU_ARRAS]
    assert got.units[(arras, "epci", CU_ARRAS)]["secret"] is True  # as Arras, its only commune
