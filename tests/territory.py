"""The shared test territory: two EPCI, three communes, two landlords, twin residences, accounts
of every role, three campaigns with grades of both sides, agreed, divergent and harmonised.

- MEL (200093201): Lille (15 residences, two IRIS, one QPV) and Roubaix (5 residences, one IRIS,
  one QPV); CU d'Arras (200033579): Arras (4 residences, one IRIS, no QPV). Landlords B1 and B2
  own residences in all three communes.
- Campaigns: « MEL 2025 » (closed), « MEL 2026 » (`current`: the one a test moves from phase to
  phase), « Arras 2026 » (harmonisation). Both MEL campaigns publish their commune aggregates;
  the Arras one publishes nothing.
- Statistical secrecy: Lille and the MEL have at least 11 residences with an agreed grade in
  both MEL campaigns, Roubaix, every IRIS and every QPV fewer.
- Twins (`TWINS`): two residences of the same commune, QPV (or none), IRIS, landlord and number
  of dwellings, with different grades. Swapping all their grade data (`swap_grade_data`) leaves
  every aggregate unchanged and changes what a residence-level leak would show. Commune twins
  (`COMMUNE_TWINS`) share commune, landlord and dwellings but not their QPV: a swap leaves the
  commune and EPCI aggregates unchanged, not the QPV ones.
- Each grade has a comment naming its residence and side, each harmonisation a rationale, and
  each of them a row of history (`grade_event`) by the account that would have made it.

`build_territory(engine)` writes it all into a fresh test database (the `engine` fixture); the
returned `Territory` knows the ids, the accounts' Bearer headers, and can move the current
campaign's phase, snapshot and restore the grade data, and swap twins.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from geo.grades import SIDES

MEL, CU_ARRAS = "200093201", "200033579"
LILLE, ROUBAIX, ARRAS = "59350", "59512", "62041"
PASSWORD = "territoire-de-test"


class Landlord(NamedTuple):
    name: str
    siren: str


LANDLORDS = {
    "B1": Landlord("Bailleur Un (test)", "900000001"),
    "B2": Landlord("Bailleur Deux (test)", "900000002"),
}

Box = tuple[float, float, float, float]
"""minLon, minLat, maxLon, maxLat (WGS84)."""

IRIS: dict[str, tuple[str, str, Box]] = {
    "593500101": ("Lille Ouest (test)", LILLE, (3.040, 50.625, 3.055, 50.640)),
    "593500102": ("Lille Est (test)", LILLE, (3.055, 50.625, 3.070, 50.640)),
    "595120101": ("Roubaix Centre (test)", ROUBAIX, (3.165, 50.680, 3.190, 50.700)),
    "620410101": ("Arras Centre (test)", ARRAS, (2.755, 50.280, 2.785, 50.300)),
}
QPV: dict[str, tuple[str, str, Box]] = {
    "QN05981N": ("QPV de Lille (test, fictif)", LILLE, (3.044, 50.628, 3.050, 50.634)),
    "QN05982N": ("QPV de Roubaix (test, fictif)", ROUBAIX, (3.170, 50.685, 3.176, 50.691)),
}

Grades = tuple[int | None, int | None, int | None]
"""Commune grade, landlord grade, harmonised grade (None: not given)."""


class ResidenceSpec(NamedTuple):
    code: str
    commune: str
    landlord: str
    dwellings: int
    lon: float
    lat: float
    grades: Grades
    """In the current campaign of its EPCI (« MEL 2026 » or « Arras 2026 »)."""
    previous: int | None = None
    """Both sides' grade in « MEL 2025 »."""


RESIDENCES = (
    # Lille, IRIS Ouest, in the QPV
    ResidenceSpec("L01", LILLE, "B1", 40, 3.0455, 50.6300, (1, 1, None), 1),
    ResidenceSpec("L02", LILLE, "B1", 60, 3.0470, 50.6310, (2, 4, 3), 2),
    ResidenceSpec("L08", LILLE, "B2", 45, 3.0480, 50.6320, (1, 2, 1), 1),
    ResidenceSpec("L09", LILLE, "B2", 45, 3.0490, 50.6325, (3, 3, None), 2),
    # Lille, IRIS Ouest, outside the QPV (L13 within 300 m of it)
    ResidenceSpec("L03", LILLE, "B1", 30, 3.0420, 50.6380, (2, 2, None), 3),
    ResidenceSpec("L04", LILLE, "B1", 30, 3.0430, 50.6385, (3, 3, None), 2),
    ResidenceSpec("L13", LILLE, "B2", 30, 3.0530, 50.6270, (3, 3, None), 3),
    # Lille, IRIS Est
    ResidenceSpec("L05", LILLE, "B1", 50, 3.0600, 50.6300, (4, 4, None), 4),
    ResidenceSpec("L06", LILLE, "B1", 20, 3.0620, 50.6310, (3, None, None)),
    ResidenceSpec("L07", LILLE, "B1", 25, 3.0640, 50.6320, (2, 3, None)),
    ResidenceSpec("L10", LILLE, "B2", 35, 3.0660, 50.6330, (4, 3, 4), 3),
    ResidenceSpec("L11", LILLE, "B2", 35, 3.0665, 50.6335, (2, 2, None), 4),
    ResidenceSpec("L12", LILLE, "B2", 15, 3.0680, 50.6280, (None, 2, None)),
    ResidenceSpec("L14", LILLE, "B1", 40, 3.0610, 50.6360, (3, 3, None), 3),
    ResidenceSpec("L15", LILLE, "B2", 20, 3.0650, 50.6270, (2, 2, None), 2),
    # Roubaix: R01, R02 in the QPV
    ResidenceSpec("R01", ROUBAIX, "B1", 50, 3.1720, 50.6870, (1, 2, 2), 1),
    ResidenceSpec("R02", ROUBAIX, "B1", 50, 3.1730, 50.6880, (3, 3, None), 3),
    ResidenceSpec("R03", ROUBAIX, "B2", 30, 3.1850, 50.6960, (2, 2, None), 2),
    ResidenceSpec("R04", ROUBAIX, "B2", 30, 3.1860, 50.6965, (4, 4, None), 3),
    ResidenceSpec("R05", ROUBAIX, "B1", 50, 3.1880, 50.6820, (2, 2, None), 2),
    # Arras
    ResidenceSpec("A01", ARRAS, "B1", 40, 2.7600, 50.2850, (2, 2, None)),
    ResidenceSpec("A02", ARRAS, "B2", 25, 2.7700, 50.2900, (1, 3, 2)),
    ResidenceSpec("A03", ARRAS, "B2", 25, 2.7710, 50.2905, (4, 4, None)),
    ResidenceSpec("A04", ARRAS, "B2", 10, 2.7800, 50.2950, (None, None, None)),
)
"""Current campaign: L07 diverges and is not harmonised; L06, L12 are graded by one side only;
A04 by none. L02, L08, L10, R01, A02 diverged and were harmonised."""

TWINS = (("L03", "L04"), ("L08", "L09"), ("L10", "L11"), ("R01", "R02"), ("R03", "R04"))
TWINS += (("A02", "A03"),)
COMMUNE_TWINS = (("L01", "L14"), ("R01", "R05"))


class CampaignSpec(NamedTuple):
    name: str
    epci: str
    year: int
    status: str
    published_level: str | None


CAMPAIGNS = {
    "previous": CampaignSpec("MEL 2025", MEL, 2025, "closed", "commune"),
    "current": CampaignSpec("MEL 2026", MEL, 2026, "grading", "commune"),
    "arras": CampaignSpec("Arras 2026", CU_ARRAS, 2026, "harmonisation", None),
}
PHASES = ("preparation", "grading", "harmonisation", "closed")

ACCOUNTS = {
    "admin": ("admin", (MEL,)),
    "other_admin": ("admin", (CU_ARRAS,)),
    "commune": ("commune", (LILLE,)),
    "commune_roubaix": ("commune", (ROUBAIX,)),
    "landlord": ("bailleur", (LANDLORDS["B1"].siren,)),
    "landlord_b2": ("bailleur", (LANDLORDS["B2"].siren,)),
    "elu": ("elu", (LILLE,)),
    "reader": ("reader", (MEL,)),
}
"""Account name → role and scopes; e-mail `<name>@territoire.test`, password `PASSWORD`."""

ALLOCATIONS = {"L01": (10, 6, 3, 0), "L05": (8, 1, 2, 1), "R01": (6, 2, 1, 0), "A01": (5, 1, 1, 0)}
"""Allocations of 2025: total, first quartile, priority, urban-renewal rehousing."""
ALLOCATION_YEAR = 2025
VACANCIES = {"L03": 2, "L08": 1, "L09": 1, "L13": 1, "R01": 2, "R02": 2, "A02": 1, "A03": 1}
"""Vacant dwellings declared on 1 March 2026."""
DECISIONS = (("L05", "q1", True), ("R01", "other", False))
"""Allocations of 2025 recorded by the commission: residence, category, priority household."""

GRADE_TABLES = (
    "campaign",
    "epci_policy",
    "grade",
    "harmonisation",
    "grade_event",
    "meeting_day",
    "meeting_slot",
    "meeting_focus",
    "meeting_day_outcome",
    "vacancy",
    "allocation_decision",
)
"""What the routes write, in the order a restore re-inserts them."""
HISTORY_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Account:
    name: str
    email: str
    role: str
    scopes: tuple[str, ...]
    headers: dict[str, str]
    """`Authorization: Bearer …`: no cookie, hence no CSRF token to send."""


@dataclass(frozen=True)
class Residence:
    """A residence as placed by PostGIS."""

    id: int
    code: str
    commune: str
    epci: str
    landlord: Landlord
    dwellings: int
    qpv: str | None
    iris: str | None
    near_qpv_300m: bool


@dataclass
class Territory:
    """The built territory: its ids, its accounts, and the moves a test makes on its data."""

    engine: Engine
    campaigns: dict[str, int]
    """`previous`, `current`, `arras` → campaign id."""
    residences: dict[str, Residence]
    accounts: dict[str, Account]
    snapshots: set[str] = field(default_factory=set)

    def headers(self, account: str | None) -> dict[str, str]:
        return dict(self.accounts[account].headers) if account else {}

    def set_phase(self, status: str, campaign: str = "current") -> None:
        """Move a campaign to `status` directly (the API only walks forward one step)."""
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE campaign SET status = :s WHERE id = :id"),
                {"s": status, "id": self.campaigns[campaign]},
            )

    @contextmanager
    def history_editable(self) -> Iterator[Connection]:
        """A transaction in which the database's guards are off: `grade_event` (append-only for
        the app) may be rewritten, and so may the grades of a closed campaign."""
        with self.engine.begin() as conn, guards_off(conn):
            yield conn

    def snapshot(self, name: str = "built") -> None:
        """Keep a copy of every table a route may write (`GRADE_TABLES`)."""
        with self.engine.begin() as conn:
            for table in GRADE_TABLES:
                conn.execute(text(f"DROP TABLE IF EXISTS snapshot_{name}_{table}"))
                conn.execute(text(f"CREATE TABLE snapshot_{name}_{table} AS TABLE {table}"))
        self.snapshots.add(name)

    def restore(self, name: str = "built") -> None:
        """Put back the tables of `snapshot(name)` exactly (ids included)."""
        assert name in self.snapshots, f"aucun instantané « {name} »"
        with self.history_editable() as conn:
            for table in reversed(GRADE_TABLES):
                conn.execute(text(f"DELETE FROM {table}"))
            for table in GRADE_TABLES:
                conn.execute(text(f"INSERT INTO {table} TABLE snapshot_{name}_{table}"))

    def fingerprint(self) -> str:
        """A digest of every table a route may write: equal digests, nothing written."""
        parts = " || ".join(
            f"COALESCE((SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t), '')"
            for table in GRADE_TABLES
        )
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT {parts}")).scalar_one()

    def swap_grade_data(self, campaign: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Exchange everything two residences have in a campaign: both sides' grades and
        comments, the harmonisation and the history rows (`pairs` share no residence)."""
        swap: dict[int, int] = {}
        for a, b in pairs:
            assert not {self.residences[a].id, self.residences[b].id} & set(swap), (a, b)
            swap[self.residences[a].id] = self.residences[b].id
            swap[self.residences[b].id] = self.residences[a].id
        if not swap:
            return
        params = {"campaign": self.campaigns[campaign], "ids": list(swap)}
        with self.history_editable() as conn:
            for table in ("grade", "harmonisation", "grade_event"):
                where = "campaign_id = :campaign AND residence_id = ANY(:ids)"
                rows = conn.execute(text(f"SELECT * FROM {table} WHERE {where}"), params).mappings()
                moved = [{**row, "residence_id": swap[row["residence_id"]]} for row in rows]
                conn.execute(text(f"DELETE FROM {table} WHERE {where}"), params)
                if moved:
                    columns = ", ".join(moved[0])
                    values = ", ".join(f":{column}" for column in moved[0])
                    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), moved)


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def _insert_places(conn: Connection) -> None:
    for code, (name, commune, box) in IRIS.items():
        conn.execute(
            text(
                "INSERT INTO iris (code, name, commune_insee, geom)"
                " VALUES (:code, :name, :commune, ST_GeomFromText(:wkt, 4326))"
            ),
            {"code": code, "name": name, "commune": commune, "wkt": _box(*box)},
        )
    for code, (name, commune, box) in QPV.items():
        conn.execute(
            text(
                "INSERT INTO qpv (code, name, communes, source, vintage, geom)"
                " VALUES (:code, :name, ARRAY[:commune], 'official', '2024',"
                " ST_GeomFromText(:wkt, 4326))"
            ),
            {"code": code, "name": name, "commune": commune, "wkt": _box(*box)},
        )


def _insert_residences(conn: Connection) -> dict[str, Residence]:
    from app.placement import place_residences

    conn.execute(
        text("INSERT INTO bailleur (name, siren) VALUES (:name, :siren)"),
        [landlord._asdict() for landlord in LANDLORDS.values()],
    )
    conn.execute(
        text(
            "INSERT INTO residence (code, name, bailleur_id, commune_insee, nb_logements, geom)"
            " SELECT :code, :name, b.id, :commune, :dwellings,"
            " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) FROM bailleur b WHERE b.siren = :siren"
        ),
        [
            {
                "code": spec.code,
                "name": f"Résidence {spec.code} (test)",
                "commune": spec.commune,
                "dwellings": spec.dwellings,
                "lon": spec.lon,
                "lat": spec.lat,
                "siren": LANDLORDS[spec.landlord].siren,
            }
            for spec in RESIDENCES
        ],
    )
    place_residences(conn)
    landlords = {landlord.siren: landlord for landlord in LANDLORDS.values()}
    rows = conn.execute(
        text(
            "SELECT r.id, r.code, r.commune_insee AS commune, r.epci_siren AS epci, b.siren,"
            " r.nb_logements AS dwellings, r.qpv_code AS qpv, r.iris_code AS iris,"
            " r.near_qpv_300m FROM residence r JOIN bailleur b ON b.id = r.bailleur_id"
        )
    ).mappings()
    placed = {}
    for row in rows:
        values = dict(row)
        values["landlord"] = landlords[values.pop("siren")]
        placed[row["code"]] = Residence(**values)
    return placed


def _check_twins(residences: dict[str, Residence]) -> None:
    """The twins' promise, checked on PostGIS's placement rather than trusted."""

    def profile(code: str, exact: bool) -> tuple:
        r = residences[code]
        shared = (r.commune, r.epci, r.landlord, r.dwellings)
        return (*shared, r.qpv, r.iris, r.near_qpv_300m) if exact else shared

    for pairs, exact in ((TWINS, True), (COMMUNE_TWINS, False)):
        for a, b in pairs:
            assert profile(a, exact) == profile(b, exact), f"{a} et {b} ne sont pas jumelles"
    for a, b in COMMUNE_TWINS:
        assert residences[a].qpv != residences[b].qpv, f"{a} et {b} ont le même QPV"


def _insert_accounts(conn: Connection) -> dict[str, Account]:
    from app.auth.accounts import create_account, create_token

    # argon2 reads its cost from the hash: light parameters make every sign-in of a test fast.
    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    accounts = {}
    for name, (role, scopes) in ACCOUNTS.items():
        email = f"{name}@territoire.test"
        account_id = create_account(conn, email, role, scopes, display_name=name)
        conn.execute(
            text("UPDATE account SET password_hash = :hash WHERE id = :id"),
            {"hash": password_hash, "id": account_id},
        )
        headers = {"Authorization": f"Bearer {create_token(conn, email)}"}
        accounts[name] = Account(name, email, role, scopes, headers)
    return accounts


def _grader(spec: ResidenceSpec, side: str) -> str:
    """The account that gave this side's grade (the EPCI administrator outside our accounts)."""
    if spec.commune == ARRAS:
        return "other_admin"
    if side == "commune":
        return "commune" if spec.commune == LILLE else "commune_roubaix"
    return "landlord" if spec.landlord == "B1" else "landlord_b2"


def _insert_grades(
    conn: Connection, campaigns: dict[str, int], residences: dict[str, Residence]
) -> None:
    """Grades, harmonisations and their history, one history row a minute."""
    account_ids = dict(conn.execute(text("SELECT display_name, id FROM account")).all())
    clock = (HISTORY_START + timedelta(minutes=n) for n in itertools.count())
    grades, harmonisations, events = [], [], []
    for spec in RESIDENCES:
        residence = residences[spec.code].id
        current = campaigns["arras" if spec.commune == ARRAS else "current"]
        given = []
        if spec.previous is not None:
            given += [(campaigns["previous"], side, spec.previous, "admin") for side in SIDES]
        given += [
            (current, side, value, _grader(spec, side))
            for side, value in zip(SIDES, spec.grades[:2], strict=True)
            if value is not None
        ]
        for campaign, side, value, actor in given:
            comment = f"avis {side} sur {spec.code}"
            grades.append((campaign, residence, side, value, comment, account_ids[actor]))
            events.append((campaign, residence, side, value, comment, actor, next(clock)))
        if spec.grades[2] is not None:
            actor = "other_admin" if spec.commune == ARRAS else "admin"
            rationale = f"accord en séance sur {spec.code}"
            harmonisations.append(
                (current, residence, spec.grades[2], rationale, account_ids[actor])
            )
            events.append(
                (current, residence, "harmonisation", spec.grades[2], rationale, actor, next(clock))
            )
    conn.execute(
        text(
            "INSERT INTO grade (campaign_id, residence_id, side, value, comment, updated_by,"
            " updated_at) VALUES (:c, :r, :side, :value, :comment, :actor, :at)"
        ),
        [
            dict(zip(("c", "r", "side", "value", "comment", "actor"), row, strict=True))
            | {"at": HISTORY_START}
            for row in grades
        ],
    )
    conn.execute(
        text(
            "INSERT INTO harmonisation (campaign_id, residence_id, value, rationale, meeting,"
            " decided_by, decided_at) VALUES (:c, :r, :value, :rationale, 'réunion de test',"
            " :actor, :at)"
        ),
        [
            dict(zip(("c", "r", "value", "rationale", "actor"), row, strict=True))
            | {"at": HISTORY_START}
            for row in harmonisations
        ],
    )
    conn.execute(
        text(
            "INSERT INTO grade_event (campaign_id, residence_id, kind, before, after, note,"
            " actor_id, actor_label, at)"
            " VALUES (:c, :r, :kind, NULL, :after, :note, :actor_id, :actor, :at)"
        ),
        [
            {
                "c": campaign,
                "r": residence,
                "kind": kind,
                "after": value,
                "note": note,
                "actor_id": account_ids[actor],
                "actor": actor,
                "at": at,
            }
            for campaign, residence, kind, value, note, actor, at in events
        ],
    )


GUARDED_TABLES = ("grade_event", "grade", "harmonisation", "meeting_day", "meeting_day_outcome")
"""Tables whose triggers keep the history append-only, closed campaigns and signed days
unchanged."""


@contextmanager
def guards_off(conn: Connection) -> Iterator[None]:
    """Within the block, the test writes grade data as it stands in a given state, bypassing the
    triggers that the application must never bypass."""
    for table in GUARDED_TABLES:
        conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    yield
    for table in GUARDED_TABLES:
        conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    conn.execute(text("SELECT touch_data_version()"))  # the triggers that bump it were off


def _insert_commission(conn: Connection, residences: dict[str, Residence]) -> None:
    conn.execute(
        text(
            "INSERT INTO vacancy (residence_id, dwellings, declared_on)"
            " VALUES (:r, :dwellings, '2026-03-01')"
        ),
        [{"r": residences[code].id, "dwellings": n} for code, n in VACANCIES.items()],
    )
    conn.execute(
        text(
            "INSERT INTO allocation_decision (residence_id, decided_on, category, priority,"
            " recorded_by_label) VALUES (:r, :on, :category, :priority, 'admin')"
        ),
        [
            {
                "r": residences[code].id,
                "on": f"{ALLOCATION_YEAR}-05-01",
                "category": category,
                "priority": priority,
            }
            for code, category, priority in DECISIONS
        ],
    )


def build_territory(engine: Engine) -> Territory:
    """Write the territory into the (fresh) database of `engine`; snapshot it as « built »."""
    with engine.begin() as conn:
        _insert_places(conn)
        residences = _insert_residences(conn)
        _check_twins(residences)
        campaigns = {
            key: conn.execute(
                text(
                    "INSERT INTO campaign (epci_siren, name, year, status, published_level)"
                    " VALUES (:epci, :name, :year, :status, :published_level) RETURNING id"
                ),
                spec._asdict(),
            ).scalar_one()
            for key, spec in CAMPAIGNS.items()
        }
        accounts = _insert_accounts(conn)
        with guards_off(conn):
            _insert_grades(conn, campaigns, residences)
        conn.execute(
            text(
                "INSERT INTO allocation (residence_id, year, total, q1, priority, pru)"
                " VALUES (:r, :year, :total, :q1, :priority, :pru)"
            ),
            [
                {"r": residences[code].id, "year": ALLOCATION_YEAR}
                | dict(zip(("total", "q1", "priority", "pru"), counts, strict=True))
                for code, counts in ALLOCATIONS.items()
            ],
        )
        _insert_commission(conn, residences)
    territory = Territory(engine, campaigns, residences, accounts)
    territory.snapshot()
    return territory


# --- Hand-made grades for the folders' own small territories -----------------------------


def grade(
    conn: Connection,
    campaign_id: int,
    code: str,
    commune: int | None,
    bailleur: int | None,
    harmonised: int | None = None,
    rationale: str | None = None,
) -> None:
    """Both sides' grades of residence `code` (None: not graded) and its harmonised grade."""
    for side, value in (("commune", commune), ("bailleur", bailleur)):
        if value is not None:
            conn.execute(
                text(
                    "INSERT INTO grade (campaign_id, residence_id, side, value) "
                    "SELECT :c, id, :side, :v FROM residence WHERE code = :code"
                ),
                {"c": campaign_id, "side": side, "v": value, "code": code},
            )
    if harmonised is not None:
        conn.execute(
            text(
                "INSERT INTO harmonisation (campaign_id, residence_id, value, rationale) "
                "SELECT :c, id, :v, :rationale FROM residence WHERE code = :code"
            ),
            {"c": campaign_id, "v": harmonised, "code": code, "rationale": rationale},
        )
