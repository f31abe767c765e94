"""Load the demonstration territory: real communes and EPCI, generated residences and grades."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.campaigns.service import Campaign, get_campaign
from app.campaigns.writer import HARMONISATION, GradeEntry, write_grades
from app.core.progress import Progress, silent
from app.core.settings import get_settings
from app.demo.day import plan_demo_day
from app.demo.generator import URH_EPCI, DemoTerritory, generate_demo
from app.importers.qpv import store_qpv
from app.importers.territory import TerritorySummary, load_reference_territory
from app.placement import place_residences
from geo.qpv import QpvRecord
from geo.territory import load_territory

STEPS = (
    "Référentiel des communes et EPCI",
    "Génération des résidences fictives",
    "Écriture des QPV de démonstration et des résidences",
    "Placement (EPCI, QPV, distances)",
    "Campagnes, notes et harmonisations",
    "Attributions et logements vacants",
)
"""What `load_demo` announces to its `progress`, in order."""


PUBLISHED_LEVEL = "commune"
"""The demo publishes commune aggregates, so that the public view shows what publishing does."""


class DatabaseNotEmpty(RuntimeError):
    """The demo only goes into a database without residences."""


@dataclass
class DemoSummary:
    territory: TerritorySummary
    residences: int
    qpv: int
    campaigns: int
    grades: int
    harmonised: int
    vacancies: int
    campaign_ids: dict[str, list[int]]
    """Campaign ids by phase; each one in harmonisation has its day planned for today
    (`app/demo/day.py`)."""


def has_residences(conn: Connection) -> bool:
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM residence)")).scalar_one())


def load_demo(
    conn: Connection,
    epci_sirens: tuple[str, ...] = URH_EPCI,
    *,
    seed: int = 2026,
    progress: Progress = silent,
) -> DemoSummary:
    """Load territory + demo data into an empty database (raise `DatabaseNotEmpty` otherwise)."""
    if has_residences(conn):
        raise DatabaseNotEmpty(
            "La base contient déjà des résidences : la démonstration ne se charge que dans une "
            "base vide."
        )
    directory = get_settings().data_dir / "territory"
    progress(STEPS[0])
    territory_summary = load_reference_territory(conn, directory)
    progress(STEPS[1])
    communes = load_territory(directory).communes
    demo = generate_demo(communes, epci_sirens, seed=seed)
    progress(STEPS[2])
    _store_qpv(conn, demo)
    _store_residences(conn, demo)
    progress(STEPS[3])
    place_residences(conn)
    progress(STEPS[4])
    campaign_ids, grades, harmonised = _store_campaigns(conn, demo)
    progress(STEPS[5])
    _store_allocations(conn, demo)
    _store_vacancies(conn, demo)
    for campaign_id in campaign_ids.get("harmonisation", []):
        plan_demo_day(conn, campaign_id, date.today())
    # Statistics now, not at autovacuum's next pass: without them the planner takes the few
    # residences of a tile for the whole stock and joins the grades to each (seconds per tile).
    for table in ("residence", "grade", "harmonisation", "campaign", "bailleur"):
        conn.execute(text(f"ANALYZE {table}"))
    return DemoSummary(
        territory=territory_summary,
        residences=len(demo.residences),
        qpv=len(demo.qpv),
        campaigns=len(demo.campaigns),
        grades=grades,
        harmonised=harmonised,
        vacancies=len(demo.vacancies),
        campaign_ids=campaign_ids,
    )


def _store_qpv(conn: Connection, demo: DemoTerritory) -> None:
    records = [
        QpvRecord(
            line=i + 1,
            code=row.code,
            name=row.name,
            communes=list(row.communes),
            geometry=row.geometry,
        )
        for i, row in enumerate(demo.qpv.itertuples())
    ]
    if records:
        store_qpv(conn, records, source="demo", vintage=None)


def _store_residences(conn: Connection, demo: DemoTerritory) -> None:
    frame = demo.residences
    bailleurs = frame[["bailleur", "bailleur_siren"]].drop_duplicates("bailleur")
    conn.execute(
        text(
            "INSERT INTO bailleur (name, siren) VALUES (:bailleur, :bailleur_siren) "
            "ON CONFLICT (name) DO NOTHING"
        ),
        bailleurs.to_dict("records"),
    )
    conn.execute(
        text(
            """
            INSERT INTO residence (code, name, bailleur_id, commune_insee, nb_logements, address,
                                   is_demo, geom)
            SELECT :code, :name, b.id, :commune_insee, :nb_logements, :address, true,
                   ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
            FROM bailleur b WHERE b.name = :bailleur
            """
        ),
        [
            {
                "code": row.code,
                "name": row.name,
                "bailleur": row.bailleur,
                "commune_insee": row.commune_insee,
                "nb_logements": int(row.nb_logements),
                "address": row.address,
                "lon": row.geometry.x,
                "lat": row.geometry.y,
            }
            for row in frame.itertuples()
        ],
    )


def _store_campaigns(
    conn: Connection, demo: DemoTerritory
) -> tuple[dict[str, list[int]], int, int]:
    """Each demo campaign walks its phases like a real one: grades are written by the grade
    writer while grading, agreed grades while harmonising, then it reaches its final phase.
    Returns the campaign ids by phase, the grades and the agreed grades written."""
    grades = harmonised = 0
    ids: dict[str, list[int]] = {}
    for demo_campaign in demo.campaigns:
        campaign_id = conn.execute(
            text(
                "INSERT INTO campaign (epci_siren, name, year, status, published_level) "
                "VALUES (:epci, :name, :year, 'grading', :published) RETURNING id"
            ),
            {
                "epci": demo_campaign.epci_siren,
                "name": demo_campaign.name,
                "year": demo_campaign.year,
                "published": PUBLISHED_LEVEL,
            },
        ).scalar_one()
        campaign = get_campaign(conn, campaign_id)
        for side, rows in demo_campaign.grades.groupby("side"):
            entries = [
                GradeEntry(row.code, int(row.value), row.comment) for row in rows.itertuples()
            ]
            grades += _write(conn, campaign, str(side), entries, DEMO_NOTE)
        if demo_campaign.status in ("harmonisation", "closed"):
            campaign = _move(conn, campaign, "harmonisation")
            entries = [
                GradeEntry(row.code, int(row.value), row.rationale, expected_version=0)
                for row in demo_campaign.harmonised.itertuples()
            ]
            meeting = f"Journée d'harmonisation {demo_campaign.name} (démonstration)"
            harmonised += _write(conn, campaign, HARMONISATION, entries, None, meeting)
        _move(conn, campaign, demo_campaign.status)
        ids.setdefault(demo_campaign.status, []).append(campaign_id)
    return ids, grades, harmonised


DEMO_NOTE = "note initiale (données de démonstration)"


def _write(
    conn: Connection,
    campaign: Campaign,
    kind: str,
    entries: list[GradeEntry],
    source: str | None,
    meeting: str | None = None,
) -> int:
    written = write_grades(
        conn, None, campaign, kind, entries, label="démonstration", source=source, meeting=meeting
    )
    return written.inserted + written.updated


def _move(conn: Connection, campaign: Campaign, status: str) -> Campaign:
    conn.execute(
        text("UPDATE campaign SET status = :status WHERE id = :id"),
        {"status": status, "id": campaign.id},
    )
    return get_campaign(conn, campaign.id)


def _store_allocations(conn: Connection, demo: DemoTerritory) -> None:
    rows = demo.allocations.to_dict("records")
    if not rows:
        return
    conn.execute(
        text(
            """
            INSERT INTO allocation (residence_id, year, total, q1, priority, pru)
            SELECT r.id, :year, :total, :q1, :priority, :pru FROM residence r WHERE r.code = :code
            """
        ),
        [{k: (int(v) if k != "code" else v) for k, v in row.items()} for row in rows],
    )


def _store_vacancies(conn: Connection, demo: DemoTerritory) -> None:
    rows = demo.vacancies.to_dict("records")
    if not rows:
        return
    conn.execute(
        text(
            """
            INSERT INTO vacancy (residence_id, dwellings, declared_on)
            SELECT r.id, :dwellings, :declared_on FROM residence r WHERE r.code = :code
            """
        ),
        [
            {
                "code": row["code"],
                "dwellings": int(row["dwellings"]),
                "declared_on": row["declared_on"],
            }
            for row in rows
        ],
    )
