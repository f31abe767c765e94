"""`qualiparc import epci FILE`: a local EPCI reference (SIREN, name, kind, members) or the
ADMIN EXPRESS EPCI layer, upserted; memberships and outlines follow, residences are re-placed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.importers.territory import LOAD_THE_TERRITORY, missing_territory, redraw_epci, wkb
from app.placement import place_residences
from geo.epci import EpciRecord, read_epci_file
from geo.report import ImportRejected, RowError, thousands

INSERT = text(
    """
    INSERT INTO epci (siren, name, kind, population, geom)
    VALUES (:siren, :name, :kind, :population, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))
    """
)
UPDATE = text(
    """
    UPDATE epci SET name = COALESCE(:name, name), kind = COALESCE(:kind, kind),
        population = COALESCE(:population, population),
        geom = COALESCE(ST_Multi(ST_GeomFromWKB(:wkb, 4326)), geom)
    WHERE siren = :siren
    """
)
LEAVE = text(
    "UPDATE commune SET epci_siren = NULL WHERE epci_siren = :siren AND insee <> ALL(:members)"
    " RETURNING insee"
)
JOIN = text(
    """
    UPDATE commune c SET epci_siren = :siren FROM commune before
    WHERE before.insee = c.insee AND c.insee = ANY(:members)
      AND c.epci_siren IS DISTINCT FROM :siren
    RETURNING c.insee, before.epci_siren
    """
)
"""Returns each commune that joins, with the EPCI it leaves."""


@dataclass
class EpciImportSummary:
    file: str
    inserted: int = 0
    updated: int = 0
    members: int = 0
    """Member communes the file lists."""
    moved: int = 0
    """Communes whose EPCI changed (joined one, or left theirs)."""
    warnings: list[str] = field(default_factory=list)


def _check_members(
    conn: Connection, records: list[EpciRecord], column: str | None
) -> tuple[dict[str, list[str]], list[RowError]]:
    """Members as current communes (old codes resolved); unknown or repeated ones are errors."""
    resolve = dict(conn.execute(text("SELECT insee, insee FROM commune")).all())
    resolve |= dict(conn.execute(text("SELECT old_code, insee FROM commune_alias")).all())
    members: dict[str, list[str]] = {}
    member_of: dict[str, EpciRecord] = {}
    errors = []
    for record in records:
        if record.members is None:
            continue
        current = []
        for code in record.members:
            commune = resolve.get(code)
            if commune is None:
                errors.append(
                    RowError(
                        record.line,
                        column,
                        code,
                        f"commune inconnue du référentiel chargé : {LOAD_THE_TERRITORY}, ou "
                        "qualiparc import communes FICHIER",
                    )
                )
            elif (other := member_of.get(commune)) is not None and other is not record:
                errors.append(
                    RowError(
                        record.line,
                        column,
                        code,
                        f"commune déjà membre de l'EPCI {other.siren} (ligne {other.line})",
                    )
                )
            else:
                member_of[commune] = record
                current.append(commune)
        members[record.siren] = sorted(set(current))
    return members, errors


def import_epci(conn: Connection, path: Path, *, crs: str | None = None) -> EpciImportSummary:
    """Upsert the EPCI of `path`. Listed members become the EPCI's communes (a commune leaves
    its former EPCI); EPCI without members in the file update only those already loaded (the
    others are counted in one warning). All or nothing: `ImportRejected` on any bad row."""
    epci_file = read_epci_file(path, crs=crs)
    if epci_file.errors:
        raise ImportRejected(epci_file.errors)
    if problem := missing_territory(conn):
        raise ValueError(problem)
    members, errors = _check_members(conn, epci_file.records, epci_file.columns.get("members"))
    known = set(
        conn.execute(
            text("SELECT siren FROM epci WHERE siren = ANY(:s)"),
            {"s": [r.siren for r in epci_file.records]},
        ).scalars()
    )
    errors += [
        RowError(r.line, epci_file.columns.get("name"), None, "nom manquant pour un nouvel EPCI")
        for r in epci_file.records
        if r.siren in members and r.siren not in known and not r.name
    ]
    if errors:
        raise ImportRejected(errors)
    records = [r for r in epci_file.records if r.siren in members or r.siren in known]
    summary = EpciImportSummary(file=Path(path).name)
    if skipped := len(epci_file.records) - len(records):
        summary.warnings.append(
            f"{thousands(skipped)} EPCI du fichier ignoré{'s' if skipped > 1 else ''} : ni "
            "communes membres dans le fichier, ni déjà dans le référentiel chargé"
        )
    if not records:
        raise ValueError(
            f"aucun EPCI du fichier n'est dans le territoire chargé : {LOAD_THE_TERRITORY}"
        )
    for record in records:
        conn.execute(
            UPDATE if record.siren in known else INSERT,
            {
                "siren": record.siren,
                "name": record.name,
                "kind": record.kind,
                "population": record.population,
                "wkb": wkb(record.geometry),
            },
        )
    summary.updated = len(known)
    summary.inserted = len(records) - summary.updated
    touched: set[str] = set()
    for siren, codes in members.items():
        summary.members += len(codes)
        left = conn.execute(LEAVE, {"siren": siren, "members": codes}).scalars().all()
        joined = conn.execute(JOIN, {"siren": siren, "members": codes}).all()
        summary.moved += len(left) + len(joined)
        touched |= {siren} | {previous for _, previous in joined if previous}
    redraw_epci(conn, touched - {r.siren for r in records if r.geometry is not None})
    place_residences(conn)
    return summary
