"""Load an area of the national reference (`@etalab/decoupage-administratif`, installed by the
build) into the database, with commune polygons from IGN ADMIN EXPRESS when given.

Re-importing with a newer reference follows the changes: communes merged since become aliases of
the commune that absorbed them (their residences move to it), communes that changed EPCI move,
EPCI outlines are redrawn from their members, and every residence is placed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shapely.geometry import MultiPolygon
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.progress import Progress, silent
from app.core.settings import get_settings
from app.importers.territory import redraw_epci, store_aliases, wkb
from app.placement import place_residences
from geo.contours import find_layers, read_commune_contours, union_by_commune
from geo.reference import read_reference, select_area
from geo.report import ImportRejected, thousands

STEPS = (
    "Lecture du référentiel national",
    "Lecture des contours des communes",
    "Écriture des régions, départements, EPCI et communes",
    "Fusions de communes, contours des EPCI, placement des résidences",
)
"""What `import_reference_territory` announces to its `progress`, in order."""

LISTED = 10
"""Codes a warning names before counting the others."""

UPSERT_REGION = text(
    "INSERT INTO region (code, name) VALUES (:code, :name)"
    " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name"
)
UPSERT_DEPARTEMENT = text(
    "INSERT INTO departement (code, name, region_code) VALUES (:code, :name, :region)"
    " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code"
)
UPSERT_REFERENCE_EPCI = text(
    """
    INSERT INTO epci (siren, name, kind, population) VALUES (:siren, :name, :kind, :population)
    ON CONFLICT (siren) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
        population = EXCLUDED.population
    """
)
UPSERT_REFERENCE_COMMUNE = text(
    """
    INSERT INTO commune (insee, name, departement, epci_siren, population, geom)
    VALUES (:insee, :name, :departement, :epci_siren, :population,
            ST_Multi(ST_GeomFromWKB(:wkb, 4326)))
    ON CONFLICT (insee) DO UPDATE SET name = EXCLUDED.name, departement = EXCLUDED.departement,
        epci_siren = EXCLUDED.epci_siren, population = EXCLUDED.population,
        geom = COALESCE(EXCLUDED.geom, commune.geom)
    """
)
"""The reference is authoritative for all but the polygon, which only a contour file gives."""
LEFT_EPCI = text(
    """
    UPDATE commune SET epci_siren = NULL
    WHERE epci_siren = ANY(:sirens) AND insee <> ALL(:codes)
    RETURNING insee || ' ' || name
    """
)


@dataclass
class ReferenceImportSummary:
    reference: str
    """The vintage, e.g. « @etalab/decoupage-administratif 6.0.0, millésime 2026 »."""
    version: str
    year: int | None
    area: str
    communes: int = 0
    epci: int = 0
    departements: int = 0
    regions: int = 0
    aliases: int = 0
    added_by_epci: int = 0
    contours: str | None = None
    """The file the commune polygons came from, or None."""
    with_polygon: int = 0
    residences_moved: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Absorbed:
    """Communes of the database that became old codes of another commune."""

    communes: list[str] = field(default_factory=list)
    """« ancien → actuel » pairs, in French."""
    residences: int = 0
    """Residences moved to the commune that absorbed theirs."""
    scoped_accounts: list[str] = field(default_factory=list)
    """E-mails of accounts whose scope names an absorbed commune: to review by hand."""


ABSORB_SQL = (
    "UPDATE residence SET commune_insee = :new WHERE commune_insee = :old",
    "UPDATE iris SET commune_insee = :new WHERE commune_insee = :old",
    "UPDATE qpv SET communes = array_replace(communes, CAST(:old AS varchar), :new)"
    " WHERE :old = ANY(communes)",
    "UPDATE commune_alias SET insee = :new WHERE insee = :old",
)


def absorb_merged_communes(
    conn: Connection, alias_of: dict[str, str], *, keep_polygons: Iterable[str] = ()
) -> Absorbed:
    """Communes of the database that `alias_of` names as old codes are merged into their
    current commune: residences, IRIS and QPV follow, the polygon is unioned into the current
    one (unless it is in `keep_polygons`, given whole by the same import), the row goes."""
    absorbed = Absorbed()
    stale = conn.execute(
        text("SELECT insee, name FROM commune WHERE insee = ANY(:codes) ORDER BY insee"),
        {"codes": sorted(alias_of)},
    ).all()
    keep = set(keep_polygons)
    for old, name in stale:
        new = alias_of[old]
        params = {"old": old, "new": new}
        absorbed.communes.append(f"{old} {name} → {new}")
        absorbed.residences += conn.execute(text(ABSORB_SQL[0]), params).rowcount
        for statement in ABSORB_SQL[1:]:
            conn.execute(text(statement), params)
        if new not in keep:
            conn.execute(
                text(
                    "UPDATE commune c SET geom = ST_Multi(ST_CollectionExtract(ST_Union("
                    "ARRAY_REMOVE(ARRAY[c.geom, o.geom], NULL)), 3))"
                    " FROM commune o WHERE c.insee = :new AND o.insee = :old"
                ),
                params,
            )
        absorbed.scoped_accounts += conn.execute(
            text(
                "SELECT a.email FROM account_scope s JOIN account a ON a.id = s.account_id"
                " WHERE s.kind = 'commune' AND s.code = :old ORDER BY a.email"
            ),
            params,
        ).scalars()
        conn.execute(text("DELETE FROM commune WHERE insee = :old"), params)
    return absorbed


def absorbed_warnings(absorbed: Absorbed) -> list[str]:
    """What a planner should know about merged communes, in French."""
    warnings = []
    if absorbed.communes:
        warnings.append(
            f"communes fusionnées, leur ancien code devient un alias : "
            f"{', '.join(absorbed.communes)} ({thousands(absorbed.residences)} résidences "
            "rattachées à la commune actuelle)"
        )
    if absorbed.scoped_accounts:
        warnings.append(
            "comptes dont le périmètre nomme une commune fusionnée, à revoir : "
            + ", ".join(absorbed.scoped_accounts)
        )
    return warnings


def reference_directory() -> Path:
    """Where the build put the reference; a French `ValueError` says how to install it."""
    directory = get_settings().reference_dir
    if not (directory / "data" / "communes.json").is_file():
        raise ValueError(
            f"référentiel administratif national absent de {directory} : lancez "
            "scripts/setup.sh (ou, dans reference/, npm ci puis node build.mjs), ou indiquez "
            "le dossier du paquet @etalab/decoupage-administratif avec QUALIPARC_REFERENCE_DIR"
        )
    return directory


def _listed(codes: list[str]) -> str:
    rest = len(codes) - LISTED
    return ", ".join(codes[:LISTED]) + (f" et {thousands(rest)} autres" if rest > 0 else "")


def import_reference_territory(
    conn: Connection,
    *,
    epci: Sequence[str] = (),
    departements: Sequence[str] = (),
    regions: Sequence[str] = (),
    contours: Path | None = None,
    crs: str | None = None,
    directory: Path | None = None,
    progress: Progress = silent,
) -> ReferenceImportSummary:
    """Upsert the chosen area's régions, départements, EPCI, communes and aliases; polygons
    from `contours` (ADMIN EXPRESS); merged communes absorbed; residences placed again.

    The caller owns the transaction: roll it back when this raises.
    """
    progress(STEPS[0])
    reference = read_reference(directory or reference_directory())
    area = select_area(reference, epci=epci, departements=departements, regions=regions)
    vintage = reference.vintage
    summary = ReferenceImportSummary(
        reference=vintage.label(),
        version=vintage.version,
        year=vintage.year,
        area=area.description,
        communes=len(area.communes),
        epci=len(area.epci),
        departements=len(area.departements),
        regions=len(area.regions),
        aliases=len(area.aliases),
        added_by_epci=len(area.added_by_epci),
    )
    if area.added_by_epci:
        summary.warnings.append(
            f"{thousands(len(area.added_by_epci))} communes hors de la zone choisie chargées "
            f"pour que leurs EPCI soient entiers : {_listed(area.added_by_epci)}"
        )
    alias_of = {a.old_code: a.insee for a in area.aliases}
    codes = [c.insee for c in area.communes]

    progress(STEPS[1])
    polygons: dict[str, MultiPolygon] = {}
    if contours is not None:
        commune_layer, _ = find_layers(contours)
        read = read_commune_contours(commune_layer, keep=set(codes) | set(alias_of), crs=crs)
        if read.errors:
            raise ImportRejected(read.errors)
        polygons, merged = union_by_commune(read.communes, alias_of)
        summary.contours = read.label
        summary.with_polygon = len(polygons)
        if merged:
            summary.warnings.append(
                f"{thousands(len(merged))} contours sous un ancien code réunis à la commune "
                "actuelle : " + _listed([f"{old} → {new}" for old, new in sorted(merged.items())])
            )

    progress(STEPS[2])
    previous_epci = set(
        conn.execute(
            text("SELECT DISTINCT epci_siren FROM commune WHERE insee = ANY(:codes)"),
            {"codes": codes + list(alias_of)},
        ).scalars()
    ) - {None}
    if area.regions:
        conn.execute(UPSERT_REGION, [{"code": r.code, "name": r.name} for r in area.regions])
    if area.departements:
        conn.execute(
            UPSERT_DEPARTEMENT,
            [{"code": d.code, "name": d.name, "region": d.region} for d in area.departements],
        )
    if area.epci:
        conn.execute(
            UPSERT_REFERENCE_EPCI,
            [
                {"siren": e.siren, "name": e.name, "kind": e.kind, "population": e.population}
                for e in area.epci
            ],
        )
    conn.execute(
        UPSERT_REFERENCE_COMMUNE,
        [
            {
                "insee": c.insee,
                "name": c.name,
                "departement": c.departement,
                "epci_siren": c.epci_siren,
                "population": c.population,
                "wkb": wkb(polygons.get(c.insee)),
            }
            for c in area.communes
        ],
    )
    sirens = [e.siren for e in area.epci]
    left = conn.execute(LEFT_EPCI, {"sirens": sirens, "codes": codes}).scalars().all()
    if left:
        summary.warnings.append(
            f"communes sorties de leur EPCI (leur nouvel EPCI n'est pas chargé) : {_listed(left)}"
        )

    progress(STEPS[3])
    absorbed = absorb_merged_communes(conn, alias_of, keep_polygons=polygons)
    summary.residences_moved = absorbed.residences
    summary.warnings += absorbed_warnings(absorbed)
    store_aliases(
        conn,
        [
            {"old_code": a.old_code, "old_name": a.old_name, "insee": a.insee, "status": a.status}
            for a in area.aliases
        ],
    )
    gone = sorted(previous_epci - set(reference.epci))
    if gone:
        summary.warnings.append(
            f"EPCI absents du référentiel {vintage.label()}, gardés pour leurs campagnes mais "
            f"sans commune : {_listed(gone)}"
        )
    redraw_epci(conn, set(sirens) | previous_epci)
    without = (
        conn.execute(
            text("SELECT insee FROM commune WHERE insee = ANY(:codes) AND geom IS NULL ORDER BY 1"),
            {"codes": codes},
        )
        .scalars()
        .all()
    )
    if without:
        summary.warnings.append(
            f"{thousands(len(without))} communes sans contour ({_listed(list(without))}) : "
            "donnez les contours d'ADMIN EXPRESS avec --contours"
        )
    place_residences(conn)
    return summary
