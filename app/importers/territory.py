"""Load the reference territory (communes, EPCI, merged-commune aliases) into the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.placement import place_residences
from geo.territory import Territory, load_territory, read_communes

UPSERT_EPCI = text(
    """
    INSERT INTO epci (siren, name, kind, population, geom)
    VALUES (:siren, :name, :kind, :population, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))
    ON CONFLICT (siren) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
        population = EXCLUDED.population, geom = EXCLUDED.geom
    """
)
UPSERT_COMMUNE = text(
    """
    INSERT INTO commune (insee, name, departement, epci_siren, population, geom)
    VALUES (:insee, :name, :departement, :epci_siren, :population,
            ST_Multi(ST_GeomFromWKB(:wkb, 4326)))
    ON CONFLICT (insee) DO UPDATE SET name = EXCLUDED.name,
        departement = COALESCE(EXCLUDED.departement, commune.departement),
        epci_siren = COALESCE(EXCLUDED.epci_siren, commune.epci_siren),
        population = COALESCE(EXCLUDED.population, commune.population),
        geom = EXCLUDED.geom
    """
)
UPSERT_ALIAS = text(
    """
    INSERT INTO commune_alias (old_code, old_name, insee, status)
    VALUES (:old_code, :old_name, :insee, :status)
    ON CONFLICT (old_code) DO UPDATE SET insee = EXCLUDED.insee, old_name = EXCLUDED.old_name,
        status = EXCLUDED.status
    """
)


@dataclass
class TerritorySummary:
    epci: int
    communes: int
    aliases: int
    merged_polygons: int


def _count(value) -> int | None:
    """A population read by pandas (float, NaN when missing) as an integer or None."""
    value = _none_if_nan(value)
    return None if value is None else int(value)


def _none_if_nan(value):
    return None if value != value else value  # NaN is the only value unequal to itself


def load_reference_territory(conn: Connection, directory: Path) -> TerritorySummary:
    """Upsert the EPCI, communes and aliases shipped in `directory` (data/territory)."""
    territory: Territory = load_territory(directory)
    conn.execute(
        UPSERT_EPCI,
        [
            {
                "siren": row.siren,
                "name": row.name,
                "kind": row.kind,
                "population": _count(row.population),
                "wkb": row.geometry.wkb,
            }
            for row in territory.epci.itertuples()
        ],
    )
    conn.execute(
        UPSERT_COMMUNE,
        [
            {
                "insee": row.insee,
                "name": row.name,
                "departement": _none_if_nan(row.departement),
                "epci_siren": _none_if_nan(row.epci_siren),
                "population": _count(row.population),
                "wkb": row.geometry.wkb,
            }
            for row in territory.communes.itertuples()
        ],
    )
    if len(territory.aliases):
        conn.execute(UPSERT_ALIAS, territory.aliases.to_dict("records"))
    return TerritorySummary(
        epci=len(territory.epci),
        communes=len(territory.communes),
        aliases=len(territory.aliases),
        merged_polygons=territory.merged_polygons,
    )


def import_communes(conn: Connection, path: Path) -> int:
    """Upsert commune polygons from a user file (any CRS), then re-place the residences."""
    frame = read_communes(path)
    rows = [
        {
            "insee": row.insee,
            "name": row.name,
            "departement": None,
            "epci_siren": _none_if_nan(getattr(row, "epci_siren", None)),
            "population": None,
            "wkb": row.geometry.wkb,
        }
        for row in frame.itertuples()
    ]
    conn.execute(UPSERT_COMMUNE, rows)
    place_residences(conn)
    return len(rows)
