"""A local EPCI reference: SIREN, name, kind and member communes, from a table or a polygon layer.

Tables (CSV, XLSX, JSON) hold one row per EPCI with its members in one cell (« 31555, 31149 »),
or one row per member commune as the DGCL publishes its « composition des EPCI » (rows of one
SIREN are grouped). JSON is a list of objects with the same keys, or the `epci.json` of
`@etalab/decoupage-administratif` as is. A polygon layer (ADMIN EXPRESS EPCI, CODE_SIREN or
code_siren, NOM or nom_officiel, NATURE) gives outlines, names and kinds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry import MultiPolygon

from geo.codes import is_siren, normalise_insee
from geo.contours import Layer, find_layers, read_layer, wgs84_geometries
from geo.polygons import GEOMETRY_COLUMN, geometry_problem
from geo.readers import FileFormatError, Table, column_key, find_column, parse_number, read_table
from geo.report import RowError, sorted_errors

SIREN_FIELDS = ("siren", "code_siren", "siren_epci", "code_epci", "epci_siren", "epci", "code")
NAME_FIELDS = ("nom", "nom_officiel", "nom_epci", "raison_sociale", "lib_epci", "libelle", "name")
KIND_FIELDS = ("nature", "nature_juridique", "type_epci", "type", "kind")
MEMBER_FIELDS = ("communes", "membres", "insee", "code_insee", "insee_com", "code_commune")
POPULATION_FIELDS = ("population", "population_municipale", "total_pop_mun", "pmun")

KINDS = {
    "CC": ("communaute de communes",),
    "CA": ("communaute d'agglomeration",),
    "CU": ("communaute urbaine",),
    "METRO": ("metropole",),
    "MET69": ("metropole de lyon",),
}
"""The DGCL's kinds of EPCI with their French names (and the ADMIN EXPRESS NATURE values)."""


@dataclass
class EpciRecord:
    line: int
    siren: str
    name: str | None
    kind: str | None
    population: int | None
    members: list[str] | None
    """INSEE codes of the member communes; None when the file has no member column."""
    geometry: MultiPolygon | None = None


@dataclass
class EpciFile:
    records: list[EpciRecord]
    errors: list[RowError]
    columns: dict[str, str | None] = field(default_factory=dict)


def kind_of(text: str) -> str | None:
    """CC, CA, CU, METRO or MET69 from a code or a French name (« Communauté urbaine »)."""
    code = text.strip().upper()
    if code in KINDS:
        return code
    key = column_key(text)
    return next((k for k, names in KINDS.items() if key in map(column_key, names)), None)


def _members(text: str | None) -> tuple[list[str], list[str]]:
    parts = [p for p in re.split(r"[,;|\s]+", text or "") if p]
    codes = [normalise_insee(p) for p in parts]
    return [c for c in codes if c], [p for p, c in zip(parts, codes, strict=True) if c is None]


def _json_table(path: Path) -> Table | None:
    """A JSON list of EPCI objects as a table (members joined in one cell); None for GeoJSON."""
    try:
        content = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"JSON illisible ({exc})") from None
    if isinstance(content, dict) and content.get("type") in ("FeatureCollection", "Feature"):
        return None
    if not isinstance(content, list) or not all(isinstance(i, dict) for i in content):
        raise FileFormatError("JSON attendu : une liste d'objets (un par EPCI) ou du GeoJSON")

    def cell(value: Any) -> str | None:
        if isinstance(value, list):
            codes = [str(v.get("code", "")) if isinstance(v, dict) else str(v) for v in value]
            return ", ".join(codes)
        return None if value is None else str(value)

    frame = pd.DataFrame([{k: cell(v) for k, v in item.items()} for item in content], dtype=object)
    return Table(frame, list(range(1, len(frame) + 1)), kind="json")


def _table(path: Path) -> tuple[Table, Layer | None]:
    if path.suffix.lower() == ".json" and (table := _json_table(path)) is not None:
        return table, None
    if path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        return read_table(path), None
    communes, epci = find_layers(path)
    layer = epci or communes
    return read_layer(layer), layer


def read_epci_file(path: Path, *, crs: str | None = None) -> EpciFile:
    """EPCI of a local reference or polygon layer, rows of one SIREN grouped; row errors."""
    path = Path(path)
    table, layer = _table(path)
    names = list(table.frame.columns)
    columns = {
        "siren": find_column(names, SIREN_FIELDS),
        "name": find_column(names, NAME_FIELDS),
        "kind": find_column(names, KIND_FIELDS),
        "members": find_column(names, MEMBER_FIELDS),
        "population": find_column(names, POPULATION_FIELDS),
    }
    siren_column = columns["siren"]
    if siren_column is None:
        raise FileFormatError(
            f"colonne du SIREN de l'EPCI absente (attendue : {', '.join(SIREN_FIELDS)} ; "
            f"colonnes du fichier : {', '.join(names)})"
        )
    if columns["members"] is None and table.geometry is None:
        raise FileFormatError(
            "ni colonne des communes membres (communes, membres, insee…) ni contours : "
            "rien à importer"
        )
    geometries: list[MultiPolygon | None] = [None] * len(table)
    source = None
    if table.geometry is not None and layer is not None:
        source, _, geometries = wgs84_geometries(table, layer.label, crs)
    errors: list[RowError] = list(table.errors)
    by_siren: dict[str, EpciRecord] = {}
    for position, (line, row) in enumerate(zip(table.line_numbers, table.rows(), strict=True)):
        siren = row[siren_column]
        if siren is None or not is_siren(siren):
            message = "SIREN manquant" if siren is None else "SIREN invalide (9 chiffres attendus)"
            errors.append(RowError(line, siren_column, siren, message))
            continue
        kind = None
        kind_column = columns["kind"]
        kind_text = row[kind_column] if kind_column else None
        if kind_text is not None:
            kind = kind_of(kind_text)
            if kind is None:
                errors.append(
                    RowError(
                        line,
                        kind_column,
                        kind_text,
                        f"nature inconnue (attendue : {', '.join(KINDS)} ou leur libellé)",
                    )
                )
                continue
        population = None
        population_column = columns["population"]
        population_text = row[population_column] if population_column else None
        if population_text is not None:
            try:
                population = int(parse_number(population_text))
            except ValueError as exc:
                errors.append(RowError(line, population_column, population_text, str(exc)))
                continue
        members = None
        if (member_column := columns["members"]) is not None:
            codes, bad = _members(row[member_column])
            members = codes or None
            if bad:
                errors.append(
                    RowError(line, member_column, ", ".join(bad), "code INSEE de commune invalide")
                )
                continue
        geometry = geometries[position]
        if table.geometry is not None and source is not None:
            problem = geometry_problem(table.geometry.iloc[position], geometry, source)
            if problem:
                errors.append(RowError(line, GEOMETRY_COLUMN, None, problem))
                continue
        record = by_siren.get(siren)
        name = row[columns["name"]] if columns["name"] else None
        if record is None:
            by_siren[siren] = EpciRecord(line, siren, name, kind, population, members, geometry)
            continue
        record.name = record.name or name
        record.kind = record.kind or kind
        record.population = record.population or population
        if members is not None:
            record.members = [*(record.members or []), *members]
    return EpciFile(list(by_siren.values()), sorted_errors(errors), columns)
