"""What the commission reads: one residence with a vacancy, and the residences with vacancies
ranked for an applicant category (the reverse question).

Every grade-derived value (agreed grade, history, target population type, stances, ranking)
comes through the gate: the layer and peuplement services for the default campaign of each EPCI
(`app.layers.residence_rows_sql`, `app.analysis.peuplements.peuplement_rows`), `Gate.grade_status`
for each campaign of the history. Residences are those of the caller's scope.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import DEFAULT_CAMPAIGNS_SQL, Gate
from app.analysis.aggregates import recordset
from app.analysis.allocations import epci_policy
from app.analysis.peuplements import peuplement_rows
from app.auth.principal import Principal
from app.campaigns.service import STATUS_LABELS
from app.commission.access import may_manage
from app.commission.decisions import residence_decisions
from app.commission.floors import Floors, effects, floor_effect, residence_units, unit_effect
from app.commission.vacancies import vacancy_of
from app.core.errors import Forbidden, NotFound
from app.layers import ResidenceFilter, feature_collection, residence_rows_sql
from geo.commission import (
    CATEGORY_LABELS,
    check_category,
    orientations,
    suitability_key,
)
from geo.grades import GradeScale, grade_class
from geo.peuplement import LOCATION_LABELS, location_of

ROWS_SQL = """
    SELECT t.code, t.name, t.bailleur, COALESCE(b.siren, b.id::text) AS bailleur_code,
           t.commune_insee, t.commune_name, t.epci_siren, e.name AS epci_name, t.nb_logements,
           t.grade, t.grade_status, t.grade_label, t.qpv_code, t.qpv_name, t.distance_qpv_m,
           t.near_qpv_300m, t.is_demo, r.id AS residence_id,
           v.dwellings AS vacant, v.declared_on
    FROM ({rows}) t
    JOIN residence r ON r.code = t.code
    JOIN bailleur b ON b.id = r.bailleur_id
    JOIN epci e ON e.siren = r.epci_siren
    {vacancy} JOIN vacancy v ON v.residence_id = r.id
    WHERE {scope}
"""

HISTORY_SQL = """
    SELECT ca.id AS campaign_id, ca.name AS campaign, ca.year, ca.status, ca.scale_labels,
           {grade} AS grade, {status} AS grade_status,
           CASE WHEN {agreed} THEN cr.harmonised_grade IS NOT NULL END AS harmonised,
           ca.id IN (SELECT id FROM ({default_campaigns}) d) AS shown
    FROM campaign ca
    JOIN residence r ON r.epci_siren = ca.epci_siren
    JOIN bailleur b ON b.id = r.bailleur_id
    LEFT JOIN campaign_residence cr ON cr.campaign_id = ca.id AND cr.residence_id = r.id
    WHERE r.code = :code
    ORDER BY ca.year DESC, ca.id DESC
"""

RESIDENCE_KEYS = (
    "code",
    "name",
    "nb_logements",
    "commune_insee",
    "commune_name",
    "epci_siren",
    "epci_name",
    "bailleur",
    "is_demo",
    "qpv_code",
    "qpv_name",
    "distance_qpv_m",
    "grade",
    "grade_status",
    "grade_label",
)
"""What the residence view repeats of a residence row (its grade as the gate shows it)."""
PEUPLEMENT_KEYS = ("peuplement", "peuplement_label", "peuplement_colour", "rebalancing_label")

_VACANCY_COLUMNS = (
    ("code", "text"),
    ("vacant", "int"),
    ("declared_on", "text"),
    ("grade", "int"),
    ("grade_status", "text"),
    ("grade_label", "text"),
    ("location_label", "text"),
    ("peuplement", "text"),
    ("peuplement_label", "text"),
    ("peuplement_colour", "text"),
    ("category", "text"),
    ("stance", "text"),
    ("stance_label", "text"),
    ("reasons", "jsonb"),
    ("rank", "int"),
)


def _rows(
    conn: Connection,
    gate: Gate,
    *,
    code: str | None = None,
    epci: str | None = None,
    commune: str | None = None,
    vacant_only: bool = True,
) -> list[dict]:
    """Residences of the caller's scope (with a vacancy, if `vacant_only`), with their agreed
    grade in their EPCI's default campaign as the gate shows it."""
    rows_sql, params = residence_rows_sql(
        ResidenceFilter(epci=epci, commune=commune, code=code, gate=gate)
    )
    scope = gate.residences()
    sql = ROWS_SQL.format(rows=rows_sql, vacancy="" if vacant_only else "LEFT", scope=scope.sql)
    return [dict(row) for row in conn.execute(text(sql), scope.bind(params)).mappings()]


def _peuplements(conn: Connection, gate: Gate, codes: list[str]) -> dict[str, dict]:
    if not codes:
        return {}
    return {row["code"]: row for row in peuplement_rows(conn, gate=gate, codes=codes)}


def _history(conn: Connection, gate: Gate, code: str) -> list[dict]:
    """The agreed grade of the residence in each campaign of its EPCI, as the gate shows it."""
    grade, status, params = gate.grade_status("cr.agreed_grade", ca="ca")
    agreed = gate.agreed(ca="ca")
    sql = HISTORY_SQL.format(
        grade=grade, status=status, agreed=agreed.sql, default_campaigns=DEFAULT_CAMPAIGNS_SQL
    )
    found = []
    for row in conn.execute(text(sql), agreed.bind({**params, "code": code})).mappings():
        entry = GradeScale.from_json(row["scale_labels"]).legend_by_class()[
            grade_class(row["grade"], row["grade_status"])
        ]
        found.append(
            {
                "campaign_id": row["campaign_id"],
                "campaign": row["campaign"],
                "year": row["year"],
                "status": row["status"],
                "status_label": STATUS_LABELS[row["status"]],
                "grade": row["grade"],
                "grade_status": row["grade_status"],
                "grade_label": entry["label"],
                "grade_colour": entry["colour"],
                "harmonised": row["harmonised"],
                "shown": row["shown"],
            }
        )
    return found


def residence_view(
    conn: Connection, principal: Principal, code: str, year: int | None = None
) -> dict:
    """Everything the commission weighs for a vacancy in residence `code`: its agreed grade and
    history, target population type, QPV situation, the stance of each applicant category, the
    effect of one allocation of each on this year's floors, its vacancy and decisions."""
    gate = Gate(principal)
    year = year or date.today().year
    found = _rows(conn, gate, code=code, vacant_only=False)
    if not found:
        exists = conn.execute(text("SELECT 1 FROM residence WHERE code = :c"), {"c": code})
        if exists.first() is None:
            raise NotFound(f"Résidence « {code} » introuvable.")
        raise Forbidden(f"La résidence « {code} » est hors de votre périmètre.")
    residence = found[0]
    if residence["epci_siren"] is None:
        raise NotFound(f"La résidence « {code} » n'est dans aucun EPCI.")
    in_qpv = residence["qpv_code"] is not None
    location = location_of(in_qpv, residence["near_qpv_300m"])
    peuplement = _peuplements(conn, gate, [code]).get(code) or {}
    target_inside = epci_policy(conn, residence["epci_siren"])["target_inside_qpv"]
    floors = Floors(conn, gate, year)
    stances = orientations(
        peuplement.get("peuplement"), peuplement.get("peuplement_label"), in_qpv, target_inside
    )
    return {
        **{key: residence[key] for key in RESIDENCE_KEYS},
        "location": location,
        "location_label": LOCATION_LABELS[location],
        "history": _history(conn, gate, code),
        **{key: peuplement.get(key) for key in PEUPLEMENT_KEYS},
        "rebalancing_reasons": peuplement.get("rebalancing_reasons", []),
        "orientations": [
            {
                "category": o.category,
                "label": CATEGORY_LABELS[o.category],
                "stance": o.stance,
                "stance_label": o.label,
                "reasons": list(o.reasons),
            }
            for o in stances
        ],
        "year": year,
        "effects": effects(floors, residence, in_qpv),
        "vacancy": vacancy_of(conn, residence["residence_id"]),
        "decisions": residence_decisions(conn, residence["residence_id"]),
        "may_manage": may_manage(conn, principal, code),
    }


def vacancy_rows(
    conn: Connection,
    principal: Principal,
    *,
    category: str | None = None,
    epci: str | None = None,
    commune: str | None = None,
    year: int | None = None,
) -> list[dict]:
    """The residences of the caller's scope with a declared vacancy; for a `category`, ranked
    from the best suited (its stance there, then whether it brings the commune's floor closer,
    the commune's gap, the vacant dwellings) with the reasons; else oldest vacancy first."""
    gate = Gate(principal)
    rows = _rows(conn, gate, epci=epci, commune=commune)
    peuplements = _peuplements(conn, gate, [row["code"] for row in rows])
    if category is not None:
        check_category(category)
        floors = Floors(conn, gate, year or date.today().year)
    targets: dict[str, float] = {}
    ranked = []
    for row in rows:
        in_qpv = row["qpv_code"] is not None
        peuplement = peuplements.get(row["code"]) or {}
        found = {
            "code": row["code"],
            "vacant": row["vacant"],
            "declared_on": row["declared_on"].isoformat(),
            "grade": row["grade"],
            "grade_status": row["grade_status"],
            "grade_label": row["grade_label"],
            "location_label": LOCATION_LABELS[location_of(in_qpv, row["near_qpv_300m"])],
            "peuplement": peuplement.get("peuplement"),
            "peuplement_label": peuplement.get("peuplement_label"),
            "peuplement_colour": peuplement.get("peuplement_colour"),
            "category": category,
            "stance": None,
            "stance_label": None,
            "reasons": [],
        }
        key: tuple = (found["declared_on"], row["code"])
        if category is not None:
            siren = row["epci_siren"]
            if siren not in targets:
                targets[siren] = epci_policy(conn, siren)["target_inside_qpv"]
            (orientation,) = (
                o
                for o in orientations(
                    found["peuplement"], found["peuplement_label"], in_qpv, targets[siren]
                )
                if o.category == category
            )
            commune_floors = floors.of(residence_units(row)[1])
            effect = unit_effect(commune_floors, category, in_qpv)
            found |= {
                "stance": orientation.stance,
                "stance_label": orientation.label,
                "reasons": [*orientation.reasons, f"{row['commune_name']} : {effect['phrase']}"],
            }
            key = suitability_key(
                orientation,
                floor_effect(commune_floors, category, in_qpv),
                row["vacant"],
                row["code"],
            )
        ranked.append((key, found))
    ranked.sort(key=lambda pair: pair[0])
    return [{**found, "rank": rank} for rank, (_, found) in enumerate(ranked, start=1)]


def vacancies_geojson(
    conn: Connection,
    principal: Principal,
    *,
    category: str | None = None,
    epci: str | None = None,
    commune: str | None = None,
    year: int | None = None,
) -> bytes:
    """`vacancy_rows` as GeoJSON, in rank order (geometry and names from PostGIS)."""
    rows = vacancy_rows(conn, principal, category=category, epci=epci, commune=commune, year=year)
    records, params = recordset(rows, _VACANCY_COLUMNS)
    sql = f"""
        SELECT p.rank, p.code, r.name, b.name AS bailleur, r.commune_insee,
               c.name AS commune_name, r.epci_siren, r.nb_logements, p.vacant, p.declared_on,
               p.grade, p.grade_status, p.grade_label, r.qpv_code, q.name AS qpv_name,
               p.location_label, p.peuplement, p.peuplement_label, p.peuplement_colour,
               p.category, p.stance, p.stance_label, p.reasons, r.is_demo, r.geom
        FROM {records}
        JOIN residence r ON r.code = p.code
        JOIN bailleur b ON b.id = r.bailleur_id
        JOIN commune c ON c.insee = r.commune_insee
        LEFT JOIN qpv q ON q.code = r.qpv_code
        ORDER BY p.rank
    """
    return feature_collection(conn, sql, params)


PLACES_SQL = """
    SELECT DISTINCT r.epci_siren, e.name AS epci_name, r.commune_insee, c.name AS commune_name
    FROM residence r
    JOIN bailleur b ON b.id = r.bailleur_id
    JOIN epci e ON e.siren = r.epci_siren
    JOIN commune c ON c.insee = r.commune_insee
    WHERE {scope}
    ORDER BY e.name, c.name
"""


def scope_places(conn: Connection, principal: Principal) -> dict[str, list[dict]]:
    """The EPCI and communes where the caller reads residences (the page's filters)."""
    scope = Gate(principal).residences()
    rows = conn.execute(text(PLACES_SQL.format(scope=scope.sql)), scope.bind()).mappings().all()
    epci = {row["epci_siren"]: row["epci_name"] for row in rows}
    return {
        "epci": [{"siren": siren, "name": name} for siren, name in epci.items()],
        "communes": [
            {"insee": row["commune_insee"], "name": row["commune_name"], "epci": row["epci_siren"]}
            for row in rows
        ],
    }
