"""Load the demonstration territory: real communes and EPCI, generated residences and grades."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.importers.qpv import store_qpv
from app.importers.territory import TerritorySummary, load_reference_territory
from app.placement import place_residences
from app.progress import Progress, silent
from app.settings import get_settings
from geo.demo import URH_EPCI, DemoTerritory, generate_demo
from geo.qpv import QpvRecord
from geo.territory import load_territory

STEPS = (
    "Référentiel des communes et EPCI",
    "Génération des résidences fictives",
    "Écriture des QPV de démonstration et des résidences",
    "Placement (EPCI, QPV, distances)",
    "Campagnes, notes et harmonisations",
    "Attributions",
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
    campaigns, grades, harmonised = _store_campaigns(conn, demo)
    progress(STEPS[5])
    _store_allocations(conn, demo)
    return DemoSummary(
        territory=territory_summary,
        residences=len(demo.residences),
        qpv=len(demo.qpv),
        campaigns=campaigns,
        grades=grades,
        harmonised=harmonised,
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


def _store_campaigns(conn: Connection, demo: DemoTerritory) -> tuple[int, int, int]:
    grades = harmonised = 0
    for campaign in demo.campaigns:
        campaign_id = conn.execute(
            text(
                "INSERT INTO campaign (epci_siren, name, year, status, published_level) "
                "VALUES (:epci, :name, :year, :status, :published) RETURNING id"
            ),
            {
                "epci": campaign.epci_siren,
                "name": campaign.name,
                "year": campaign.year,
                "status": campaign.status,
                "published": PUBLISHED_LEVEL,
            },
        ).scalar_one()
        rows = campaign.grades.to_dict("records")
        if rows:
            conn.execute(
                text(
                    """
                    WITH g AS (
                        INSERT INTO grade (campaign_id, residence_id, side, value, comment)
                        SELECT :campaign, r.id, :side, :value, :comment
                        FROM residence r WHERE r.code = :code
                        RETURNING campaign_id, residence_id, side, value
                    )
                    INSERT INTO grade_event (campaign_id, residence_id, kind, before, after,
                                             actor_label, note)
                    SELECT campaign_id, residence_id, side, NULL, value,
                           'démonstration', 'note initiale (données de démonstration)'
                    FROM g
                    """
                ),
                [{**row, "campaign": campaign_id, "value": int(row["value"])} for row in rows],
            )
            grades += len(rows)
        rows = campaign.harmonised.to_dict("records")
        if rows:
            conn.execute(
                text(
                    """
                    WITH h AS (
                        INSERT INTO harmonisation (campaign_id, residence_id, value, rationale,
                                                   meeting)
                        SELECT :campaign, r.id, :value, :rationale, :meeting
                        FROM residence r WHERE r.code = :code
                        RETURNING campaign_id, residence_id, value
                    )
                    INSERT INTO grade_event (campaign_id, residence_id, kind, before, after,
                                             actor_label, note)
                    SELECT campaign_id, residence_id, 'harmonisation', NULL, value,
                           'démonstration', :rationale
                    FROM h
                    """
                ),
                [
                    {
                        **row,
                        "campaign": campaign_id,
                        "value": int(row["value"]),
                        "meeting": f"Journée d'harmonisation {campaign.name} (démonstration)",
                    }
                    for row in rows
                ],
            )
            harmonised += len(rows)
    return len(demo.campaigns), grades, harmonised


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
