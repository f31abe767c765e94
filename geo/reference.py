"""The national administrative reference: npm `@etalab/decoupage-administratif` (INSEE COG, DGCL).

Communes with their current code, name and population; EPCI with SIREN, name, kind and members;
départements and régions; old codes of merged communes and municipal arrondissements as aliases
of the current commune. `select_area` cuts out the communes, EPCI, départements and régions of
the EPCI, départements or régions a planner names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.codes import is_siren
from geo.readers import column_key

PACKAGE = "@etalab/decoupage-administratif"
DATA_FILES = ("communes", "epci", "departements", "regions")
CURRENT = "commune-actuelle"
MUNICIPAL_ARRONDISSEMENT = "arrondissement-municipal"
FORMER_CODE = "ancien-code"
"""Alias status of an old code the reference names no commune déléguée or associée for."""
SUGGESTIONS = 5
"""EPCI names suggested for a value that is not a SIREN."""


class ReferenceError(ValueError):
    """The reference cannot be read, or a chosen area is not in it (message in French)."""


@dataclass(frozen=True)
class Vintage:
    """Which reference was read: the npm package, its version, and the year of its data."""

    package: str
    version: str
    year: int | None

    def label(self) -> str:
        """E.g. « @etalab/decoupage-administratif 6.0.0, millésime 2026 »."""
        year = f"millésime {self.year}" if self.year else "millésime inconnu"
        return f"{self.package} {self.version}, {year}"


@dataclass(frozen=True)
class CommuneRef:
    insee: str
    name: str
    departement: str
    region: str
    population: int | None
    epci_siren: str | None


@dataclass(frozen=True)
class EpciRef:
    siren: str
    name: str
    kind: str
    """CC, CA, CU, METRO or MET69 (Métropole de Lyon), as the DGCL names them."""
    population: int | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region: str


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Alias:
    """An old commune code (merged commune, municipal arrondissement) and its current commune."""

    old_code: str
    old_name: str | None
    insee: str
    status: str


@dataclass
class Reference:
    communes: dict[str, CommuneRef]
    epci: dict[str, EpciRef]
    departements: dict[str, Departement]
    regions: dict[str, Region]
    aliases: list[Alias]
    vintage: Vintage


@dataclass
class Area:
    """What `select_area` keeps: whole EPCI, their communes, départements, régions, aliases."""

    communes: list[CommuneRef]
    epci: list[EpciRef]
    departements: list[Departement]
    regions: list[Region]
    aliases: list[Alias]
    description: str
    """The chosen area in French, e.g. « EPCI 243100518 Toulouse Métropole »."""
    added_by_epci: list[str] = field(default_factory=list)
    """Communes outside the chosen départements or régions, kept to make their EPCI whole."""


def _load(directory: Path, name: str) -> list[dict[str, Any]]:
    path = directory / "data" / f"{name}.json"
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceError(f"référentiel incomplet : fichier {path} absent") from None
    except (OSError, ValueError) as exc:
        raise ReferenceError(f"référentiel illisible : {path} ({exc})") from None
    if not isinstance(content, list):
        raise ReferenceError(f"référentiel illisible : {path} n'est pas une liste")
    return content


def read_vintage(directory: Path) -> Vintage:
    """The package's version (its package.json) and data year (its README's table of years)."""
    try:
        meta = json.loads((directory / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ReferenceError(f"référentiel sans package.json lisible dans {directory}") from None
    version = str(meta.get("version", "?"))
    year = None
    readme = directory / "README.md"
    if readme.exists():
        row = re.search(
            rf"^\|\s*(\d{{4}})\s*\|\s*{re.escape(version)}\s*\|",
            readme.read_text(encoding="utf-8"),
            re.MULTILINE,
        )
        year = int(row.group(1)) if row else None
    return Vintage(str(meta.get("name", PACKAGE)), version, year)


def _count(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def read_reference(directory: Path) -> Reference:
    """Read the package's data folder (`data/communes.json`, `data/epci.json`…) under
    `directory`, the installed package."""
    directory = Path(directory)
    vintage = read_vintage(directory)
    raw_communes, raw_epci, raw_departements, raw_regions = (
        _load(directory, name) for name in DATA_FILES
    )
    epci: dict[str, EpciRef] = {}
    member_of: dict[str, str] = {}
    for item in raw_epci:
        members = tuple(str(m["code"]) for m in item.get("membres", []))
        siren = str(item["code"])
        epci[siren] = EpciRef(
            siren,
            str(item["nom"]),
            str(item.get("type", "")),
            _count(item.get("populationMunicipale")),
            members,
        )
        member_of.update(dict.fromkeys(members, siren))
    communes: dict[str, CommuneRef] = {}
    named: dict[str, tuple[str, str]] = {}
    former: list[tuple[str, str]] = []
    aliases: list[Alias] = []
    for item in raw_communes:
        code, kind = str(item["code"]), item.get("type")
        if kind == CURRENT:
            communes[code] = CommuneRef(
                code,
                str(item["nom"]),
                str(item.get("departement", "")),
                str(item.get("region", "")),
                _count(item.get("population")),
                member_of.get(code),
            )
            former += [(str(old), code) for old in item.get("anciensCodes", [])]
        elif kind == MUNICIPAL_ARRONDISSEMENT:
            aliases.append(Alias(code, str(item["nom"]), str(item["commune"]), str(kind)))
        elif item.get("chefLieu") not in (None, code):
            named[code] = (str(item["nom"]), str(kind))
    for old, insee in former:
        old_name, status = named.get(old, (None, FORMER_CODE))
        aliases.append(Alias(old, old_name, insee, status))
    return Reference(
        communes=communes,
        epci=epci,
        departements={
            str(d["code"]): Departement(str(d["code"]), str(d["nom"]), str(d.get("region", "")))
            for d in raw_departements
        },
        regions={str(r["code"]): Region(str(r["code"]), str(r["nom"])) for r in raw_regions},
        aliases=aliases,
        vintage=vintage,
    )


def _by_code_or_name(
    wanted: Iterable[str],
    known: dict[str, Departement] | dict[str, Region],
    unknown_one: str,
    unknown_many: str,
) -> list[str]:
    """Codes of départements or régions given by code ("31", "9" for 09) or by name."""
    by_name = {column_key(item.name): code for code, item in known.items()}
    found: list[str] = []
    unknown: list[str] = []
    for value in wanted:
        text = value.strip().upper()
        code = f"0{text}" if len(text) == 1 and text.isdigit() else text
        if code not in known:
            code = by_name.get(column_key(value), "")
        (found if code else unknown).append(code or value)
    if unknown:
        raise ReferenceError(
            f"{unknown_many if len(unknown) > 1 else unknown_one} du référentiel : "
            f"{', '.join(unknown)} (code INSEE ou nom attendu, ex. 31 ou Haute-Garonne)"
        )
    return found


def _epci_sirens(wanted: Iterable[str], reference: Reference) -> list[str]:
    """SIREN of the chosen EPCI; a name suggests the SIREN of EPCI that bear it."""
    found, problems = [], []
    for value in wanted:
        siren = value.strip()
        if siren in reference.epci:
            found.append(siren)
            continue
        if is_siren(siren):
            problems.append(f"EPCI {siren} absent du référentiel")
            continue
        key = column_key(siren)
        matches = [e for e in reference.epci.values() if key and key in column_key(e.name)]
        hint = ", ".join(f"{e.siren} {e.name}" for e in matches[:SUGGESTIONS])
        problems.append(
            f"« {value} » n'est pas un SIREN d'EPCI (9 chiffres)"
            + (f" ; peut-être : {hint}" if hint else "")
        )
    if problems:
        raise ReferenceError(" ; ".join(problems))
    return found


def select_area(
    reference: Reference,
    *,
    epci: Sequence[str] = (),
    departements: Sequence[str] = (),
    regions: Sequence[str] = (),
) -> Area:
    """The chosen EPCI, départements and régions, each EPCI whole: an EPCI with a commune in a
    chosen département keeps its communes of other départements (`added_by_epci`)."""
    if not (epci or departements or regions):
        raise ReferenceError("choisissez au moins un EPCI, un département ou une région")
    sirens = _epci_sirens(epci, reference)
    departement_codes = set(
        _by_code_or_name(
            departements, reference.departements, "département inconnu", "départements inconnus"
        )
    )
    region_codes = set(
        _by_code_or_name(regions, reference.regions, "région inconnue", "régions inconnues")
    )
    chosen = {m for s in sirens for m in reference.epci[s].members}
    chosen |= {
        c.insee
        for c in reference.communes.values()
        if c.departement in departement_codes or c.region in region_codes
    }
    kept_epci = sorted(
        {s for s in sirens}
        | {c.epci_siren for code in chosen if (c := reference.communes.get(code)) and c.epci_siren}
    )
    whole = chosen | {m for s in kept_epci for m in reference.epci[s].members}
    communes = [reference.communes[code] for code in sorted(whole) if code in reference.communes]
    parts = [f"EPCI {s} {reference.epci[s].name}" for s in sirens]
    parts += [
        f"département {c} {reference.departements[c].name}" for c in sorted(departement_codes)
    ]
    parts += [f"région {c} {reference.regions[c].name}" for c in sorted(region_codes)]
    used_departements = sorted({c.departement for c in communes})
    insee = {c.insee for c in communes}
    return Area(
        communes=communes,
        epci=[reference.epci[s] for s in kept_epci],
        departements=[
            reference.departements[d] for d in used_departements if d in reference.departements
        ],
        regions=[
            reference.regions[r]
            for r in sorted({c.region for c in communes})
            if r in reference.regions
        ],
        aliases=[a for a in reference.aliases if a.insee in insee],
        description=", ".join(parts),
        added_by_epci=sorted(whole - chosen),
    )
