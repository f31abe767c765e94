"""Load the territory (communes, EPCI, merged-commune aliases) into the database: the shipped
Hauts-de-France files, and commune polygons from any file; the rules both share with the
national reference (app/importers/reference.py) and `import epci` (app/importers/epci.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from shapely.geometry import MultiPolygon
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.placement import place_residences
from geo.contours import CommuneShape, find_layers, read_commune_contours, union_by_commune
from geo.report import ImportRejected, RowError
from geo.territory import Territory, load_territory

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
    ON CONFLICT (insee) DO UPDATE SET name = COALESCE(EXCLUDED.name, commune.name),
        departement = COALESCE(EXCLUDED.departement, commune.departement),
        epci_siren = COALESCE(EXCLUDED.epci_siren, commune.epci_siren),
        population = COALESCE(EXCLUDED.population, commune.population),
        geom = COALESCE(EXCLUDED.geom, commune.geom)
    """
)
UPSERT_ALIAS = text(
    """
    INSERT INTO commune_alias (old_code, old_name, insee, status)
    VALUES (:old_code, :old_name, :insee, :status)
    ON CONFLICT (old_code) DO UPDATE SET insee = EXCLUDED.insee,
        old_name = COALESCE(EXCLUDED.old_name, commune_alias.old_name), status = EXCLUDED.status
    """
)
REDRAW_EPCI = text(
    """
    UPDATE epci e SET geom = (
        SELECT ST_Multi(ST_CollectionExtract(ST_Union(c.geom), 3))
        FROM commune c WHERE c.epci_siren = e.siren AND c.geom IS NOT NULL)
    WHERE e.siren = ANY(:sirens)
    """
)

LOAD_THE_TERRITORY = (
    "chargez d'abord le territoire : qualiparc import territory --epci SIREN (ou --departement, "
    "--region), voir docs/nouveau-territoire.md"
)


def missing_territory(conn: Connection) -> str | None:
    """One French line saying what to load when no commune is loaded, else None."""
    if conn.execute(text("SELECT EXISTS (SELECT 1 FROM commune)")).scalar_one():
        return None
    return f"aucune commune n'est chargée : {LOAD_THE_TERRITORY}"


def wkb(geometry: MultiPolygon | None) -> bytes | None:
    return None if geometry is None else geometry.wkb


def redraw_epci(conn: Connection, sirens: Iterable[str]) -> None:
    """Each EPCI's outline becomes the union of its member communes' (none without members)."""
    conn.execute(REDRAW_EPCI, {"sirens": sorted(set(sirens))})


def store_aliases(conn: Connection, aliases: Sequence[dict[str, str | None]]) -> None:
    if aliases:
        conn.execute(UPSERT_ALIAS, list(aliases))


# --- The shipped Hauts-de-France territory ------------------------------------------------------


@dataclass
class TerritorySummary:
    epci: int
    communes: int
    aliases: int
    merged_polygons: int


def _value(value: object) -> object:
    """A cell read by pandas, None when missing (NaN, pd.NA, None)."""
    return None if pd.isna(value) else value  # type: ignore[call-overload]


def _count(value: object) -> int | None:
    value = _value(value)
    return None if value is None else int(value)  # type: ignore[call-overload]


def load_reference_territory(conn: Connection, directory: Path) -> TerritorySummary:
    """Upsert the EPCI, communes and aliases shipped in `directory` (data/territory), then
    re-place the residences."""
    territory: Territory = load_territory(directory)
    conn.execute(
        UPSERT_EPCI,
        [
            {
                "siren": row.siren,
                "name": row.name,
                "kind": _value(row.kind),
                "population": _count(row.population),
                "wkb": wkb(row.geometry),
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
                "departement": _value(row.departement),
                "epci_siren": _value(row.epci_siren),
                "population": _count(row.population),
                "wkb": wkb(row.geometry),
            }
            for row in territory.communes.itertuples()
        ],
    )
    store_aliases(conn, territory.aliases.to_dict("records"))
    place_residences(conn)
    return TerritorySummary(
        epci=len(territory.epci),
        communes=len(territory.communes),
        aliases=len(territory.aliases),
        merged_polygons=territory.merged_polygons,
    )


# --- Commune polygons from a file ---------------------------------------------------------------


@dataclass
class CommunesImportSummary:
    file: str
    inserted: int = 0
    updated: int = 0
    repaired: int = 0
    merged_polygons: int = 0
    """Polygons under an old code, unioned into the commune that absorbed it."""
    epci_created: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_communes(
    conn: Connection, path: Path, *, layer: str | None = None, crs: str | None = None
) -> CommunesImportSummary:
    """Upsert commune polygons (ADMIN EXPRESS COMMUNE layer, or any polygon file with an INSEE
    code), with the name, population, département and EPCI the file gives; then redraw the EPCI
    touched and re-place the residences. All or nothing: `ImportRejected` on any bad row."""
    commune_layer, _ = find_layers(path, layer)
    contours = read_commune_contours(commune_layer, crs=crs)
    if contours.errors:
        raise ImportRejected(contours.errors)
    alias_of = dict(conn.execute(text("SELECT old_code, insee FROM commune_alias")).all())
    polygons, merged = union_by_commune(contours.communes, alias_of)
    known = set(
        conn.execute(
            text("SELECT insee FROM commune WHERE insee = ANY(:codes)"), {"codes": list(polygons)}
        ).scalars()
    )
    first = {}
    for shape in contours.communes:
        first.setdefault(alias_of.get(shape.insee, shape.insee), shape)
    unnamed = [
        RowError(
            first[code].line,
            contours.columns["insee"],
            code,
            "commune absente du référentiel chargé et sans nom dans le fichier : "
            f"ajoutez une colonne de nom, ou {LOAD_THE_TERRITORY}",
        )
        for code in polygons
        if code not in known and first[code].name is None
    ]
    if unnamed:
        raise ImportRejected(unnamed)
    summary = CommunesImportSummary(file=contours.label, repaired=contours.repaired)
    summary.merged_polygons = len(merged)
    summary.epci_created = _create_missing_epci(conn, [first[code] for code in polygons])
    if summary.epci_created:
        summary.warnings.append(
            f"EPCI créés d'après le fichier des communes : {', '.join(summary.epci_created)} ; "
            "donnez-leur nom et nature avec qualiparc import epci FICHIER ou "
            "qualiparc import territory --epci SIREN"
        )
    touched = set(
        conn.execute(
            text("SELECT epci_siren FROM commune WHERE insee = ANY(:codes)"),
            {"codes": list(polygons)},
        ).scalars()
    )
    conn.execute(
        UPSERT_COMMUNE,
        [
            {
                "insee": code,
                "name": first[code].name,
                "departement": first[code].departement,
                "epci_siren": first[code].epci_siren,
                "population": first[code].population,
                "wkb": wkb(geometry),
            }
            for code, geometry in polygons.items()
        ],
    )
    summary.inserted = len(set(polygons) - known)
    summary.updated = len(polygons) - summary.inserted
    touched |= {first[code].epci_siren for code in polygons}
    redraw_epci(conn, [s for s in touched if s])
    place_residences(conn)
    return summary


def _create_missing_epci(conn: Connection, shapes: list[CommuneShape]) -> list[str]:
    """EPCI a commune file names and the database lacks, created with the file's EPCI name
    (or « EPCI <SIREN> ») so that the communes can belong to them."""
    named: dict[str, str | None] = {}
    for shape in shapes:
        if shape.epci_siren:
            named[shape.epci_siren] = named.get(shape.epci_siren) or shape.epci_name
    known = set(
        conn.execute(
            text("SELECT siren FROM epci WHERE siren = ANY(:s)"), {"s": list(named)}
        ).scalars()
    )
    created = sorted(set(named) - known)
    if created:
        conn.execute(
            UPSERT_EPCI,
            [
                {
                    "siren": s,
                    "name": named[s] or f"EPCI {s}",
                    "kind": None,
                    "population": None,
                    "wkb": None,
                }
                for s in created
            ],
        )
    return [f"{s} {named[s] or ''}".strip() for s in created]
