"""Commune polygons from IGN ADMIN EXPRESS (COG or COG CARTO, any edition) or any polygon file.

ADMIN EXPRESS came as Shapefiles (COMMUNE.shp, EPCI.shp… with upper-case fields: INSEE_COM,
NOM or NOM_COM, SIREN_EPCI or CODE_EPCI) up to 2024, and as one GeoPackage with lower-case
BD TOPO names from edition 4.0 (layers `commune`, `epci`; `code_insee`, `nom_officiel`,
`codes_siren_des_epci`). Every edition's names are recognised, in any case; the CRS the file
declares (Lambert-93, a UTM zone overseas, WGS84) is reprojected to WGS84.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj.exceptions import ProjError
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geo.codes import is_siren, normalise_insee
from geo.crs import crs_label, crs_name, parse_crs
from geo.polygons import (
    GEOMETRY_COLUMN,
    geometry_problem,
    guess_source,
    to_multipolygon,
    to_wgs84_polygons,
)
from geo.readers import FileFormatError, Table, cell_text, find_column, parse_number, read_table
from geo.report import RowError, sorted_errors

COMMUNE_CODE_FIELDS = (
    "insee_com",
    "code_insee",
    "insee",
    "code_commune",
    "codgeo",
    "depcom",
    "com",
    "code",
)
COMMUNE_NAME_FIELDS = (
    "nom_officiel",
    "nom",
    "nom_com",
    "nom_commune",
    "libelle",
    "lib_com",
    "libgeo",
    "name",
)
POPULATION_FIELDS = ("population", "pmun", "population_municipale", "pop")
DEPARTEMENT_FIELDS = (
    "insee_dep",
    "code_insee_du_departement",
    "code_departement",
    "departement",
    "code_dep",
    "dep",
)
COMMUNE_EPCI_FIELDS = (
    "siren_epci",
    "codes_siren_des_epci",
    "code_epci",
    "epci_siren",
    "epci",
)
"""The EPCI of a commune; never `code_siren`, which in a commune layer is the commune's own."""
COMMUNE_EPCI_NAME_FIELDS = ("nom_epci", "lib_epci", "libepci")

COMMUNE_LAYER = "commune"
EPCI_LAYER = "epci"
GEO_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".zip")


@dataclass(frozen=True)
class Layer:
    """One layer of a geo file: what GDAL opens, the layer's name in it, and how to name it."""

    source: Path
    layer: str | None
    label: str


@dataclass(frozen=True)
class CommuneShape:
    """One commune polygon of the file, in WGS84, with what the file says besides."""

    line: int
    insee: str
    name: str | None
    population: int | None
    departement: str | None
    epci_siren: str | None
    """The first valid SIREN of the field (ADMIN EXPRESS lists « EPCI/EPT » for Grand Paris)."""
    epci_name: str | None
    geometry: MultiPolygon


@dataclass
class ContourFile:
    """The commune polygons of a file, its row errors, and what was read."""

    communes: list[CommuneShape]
    errors: list[RowError]
    label: str
    source_crs: str | None
    repaired: int
    columns: dict[str, str | None]
    """Canonical field (insee, name, population, departement, epci) → the file's column."""


# --- Layers -------------------------------------------------------------------------------------


def _layer_named(path: Path, wanted: str) -> str | None:
    try:
        names = [str(row[0]) for row in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        raise FileFormatError(f"fichier géographique illisible ({exc})") from None
    return next((n for n in names if n.lower() == wanted), None)


def _in_geopackage(path: Path, wanted: str, required: bool) -> Layer | None:
    name = _layer_named(path, wanted)
    if name is None:
        if required and len(pyogrio.list_layers(path)) == 1:
            return Layer(path, None, path.name)
        if required:
            raise FileFormatError(
                f"le GeoPackage « {path.name} » n'a pas de couche « {wanted} » : "
                "indiquez la couche des communes avec --layer"
            )
        return None
    return Layer(path, name, f"{path.name}, couche {name}")


def _sibling_shapefile(path: Path, stem: str) -> Layer | None:
    found = [p for p in path.parent.iterdir() if p.name.lower() == f"{stem}.shp"]
    return Layer(found[0], None, found[0].name) if found else None


def _in_directory(path: Path) -> Path:
    """The one ADMIN EXPRESS GeoPackage or COMMUNE.shp found under a delivery's folder."""
    candidates = sorted(
        p
        for p in path.rglob("*")
        if p.suffix.lower() == ".gpkg" or p.name.lower() == f"{COMMUNE_LAYER}.shp"
    )
    if len(candidates) != 1:
        found = ", ".join(str(p.relative_to(path)) for p in candidates[:5]) or "aucun"
        raise FileFormatError(
            f"le dossier « {path.name} » doit contenir un seul GeoPackage ou un seul "
            f"COMMUNE.shp d'ADMIN EXPRESS (trouvé : {found}) : indiquez le fichier"
        )
    return candidates[0]


def find_layers(path: Path, layer: str | None = None) -> tuple[Layer, Layer | None]:
    """The commune layer of `path` and, when it has one, the EPCI layer published with it.

    `path` is an ADMIN EXPRESS GeoPackage (layers `commune`, `epci`), its COMMUNE.shp (EPCI.shp
    beside it), the folder of a delivery, or any polygon file; `layer` names the commune layer.
    """
    path = Path(path)
    if path.is_dir():
        path = _in_directory(path)
    if not path.is_file():
        raise FileFormatError(f"fichier « {path.name} » introuvable")
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        if layer is not None:
            name = _layer_named(path, layer.lower())
            if name is None:
                raise FileFormatError(
                    f"le GeoPackage « {path.name} » n'a pas de couche « {layer} »"
                )
            return Layer(path, name, f"{path.name}, couche {name}"), None
        communes = _in_geopackage(path, COMMUNE_LAYER, required=True)
        assert communes is not None
        return communes, _in_geopackage(path, EPCI_LAYER, required=False)
    if suffix not in GEO_SUFFIXES:
        raise FileFormatError(
            f"format « {path.suffix or path.name} » non pris en charge pour des contours : "
            "GeoPackage, Shapefile, GeoJSON ou dossier ADMIN EXPRESS attendu"
        )
    epci = _sibling_shapefile(path, EPCI_LAYER) if path.stem.lower() == COMMUNE_LAYER else None
    return Layer(path, None, path.name), epci


def _where(layer: Layer, aliases: Iterable[str], codes: Collection[str]) -> str | None:
    """An attribute filter keeping `codes` (valid INSEE codes or SIREN only), for a text field."""
    if layer.source.suffix.lower() not in (".shp", ".gpkg"):
        return None
    info = pyogrio.read_info(layer.source, layer=layer.layer)
    fields = [str(f) for f in info["fields"]]
    column = find_column(fields, aliases)
    if column is None or str(info["dtypes"][fields.index(column)]) != "object":
        return None
    quoted = ",".join(f"'{code}'" for code in sorted(codes) if re.fullmatch(r"[0-9AB]+", code))
    return f'"{column}" IN ({quoted})'


def read_layer(
    layer: Layer, *, key_fields: Iterable[str] = (), keep: Collection[str] | None = None
) -> Table:
    """A layer's rows as text cells (feature numbers from 1) with its geometry and CRS.

    With `keep`, only features whose `key_fields` column holds one of these codes are read
    (filtered by GDAL when the column is text: a national file is not read whole).
    """
    if layer.layer is None and layer.source.suffix.lower() in (".zip", ".geojson", ".json"):
        table = read_table(layer.source)
    else:
        where = _where(layer, key_fields, keep) if keep is not None else None
        try:
            frame = gpd.read_file(layer.source, layer=layer.layer, where=where, engine="pyogrio")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise FileFormatError(f"fichier géographique illisible ({exc})") from None
        frame = frame.reset_index(drop=True)
        properties = frame.drop(columns=frame.geometry.name)
        table = Table(
            frame=pd.DataFrame(
                [[cell_text(v) for v in row] for row in properties.itertuples(index=False)],
                columns=[str(c) for c in properties.columns],
                dtype=object,
            ),
            line_numbers=list(range(1, len(frame) + 1)),
            geometry=frame.geometry,
            crs=crs_name(frame.crs),
            kind=layer.source.suffix.lower().lstrip("."),
        )
    if table.geometry is None:
        raise FileFormatError(f"« {layer.label} » ne contient pas de géométries")
    return table


def wgs84_geometries(
    table: Table, label: str, crs: str | None
) -> tuple[str, list[bool], list[MultiPolygon | None]]:
    """The source CRS (`crs`, else declared, else guessed), repair flags and WGS84 polygons."""
    assert table.geometry is not None
    source = parse_crs(crs) if crs else table.crs or guess_source(table.geometry)
    if source is None:
        raise FileFormatError(
            f"système de coordonnées de « {label} » inconnu : ajoutez le fichier .prj ou "
            "précisez --crs (EPSG:2154 pour Lambert-93)"
        )
    try:
        flags, geometries = to_wgs84_polygons(table.geometry, source)
    except ProjError as exc:
        raise FileFormatError(
            f"reprojection impossible depuis {crs_label(source)} ({exc})"
        ) from None
    return source, flags, geometries


# --- Communes -----------------------------------------------------------------------------------


def _first_siren(text: str | None) -> str | None:
    return next((part for part in re.split(r"[/,;|\s]+", text or "") if is_siren(part)), None)


def _population(text: str | None) -> int:
    number = parse_number(text or "")
    if number < 0 or not number.is_integer():
        raise ValueError(f"« {text} » n'est pas un nombre d'habitants")
    return int(number)


def read_commune_contours(
    layer: Layer, *, keep: Collection[str] | None = None, crs: str | None = None
) -> ContourFile:
    """Commune polygons of `layer` in WGS84; null, point or line geometries, bad codes and
    populations are row errors. With `keep` (INSEE codes), the other communes are left out."""
    table = read_layer(layer, key_fields=COMMUNE_CODE_FIELDS, keep=keep)
    names = list(table.frame.columns)
    columns = {
        "insee": find_column(names, COMMUNE_CODE_FIELDS),
        "name": find_column(names, COMMUNE_NAME_FIELDS),
        "population": find_column(names, POPULATION_FIELDS),
        "departement": find_column(names, DEPARTEMENT_FIELDS),
        "epci": find_column(names, COMMUNE_EPCI_FIELDS),
        "epci_name": find_column(names, COMMUNE_EPCI_NAME_FIELDS),
    }
    code_column = columns["insee"]
    if code_column is None:
        raise FileFormatError(
            f"« {layer.label} » : colonne du code INSEE de commune absente (attendue : "
            f"{', '.join(COMMUNE_CODE_FIELDS)} ; colonnes du fichier : {', '.join(names)})"
        )
    source, flags, geometries = wgs84_geometries(table, layer.label, crs)
    assert table.geometry is not None
    communes: list[CommuneShape] = []
    errors: list[RowError] = []
    repaired = 0
    for position, (line, row) in enumerate(zip(table.line_numbers, table.rows(), strict=True)):
        raw_code = row[code_column]
        code = normalise_insee(raw_code)
        if keep is not None and code not in keep:
            continue
        row_errors = []
        if code is None:
            message = "code INSEE manquant" if raw_code is None else "code INSEE invalide"
            row_errors.append(RowError(line, code_column, raw_code, message))
        raw: BaseGeometry | None = table.geometry.iloc[position]
        problem = geometry_problem(raw, geometries[position], source)
        if problem:
            row_errors.append(RowError(line, GEOMETRY_COLUMN, None, problem))
        population = None
        if (population_column := columns["population"]) and row[population_column] is not None:
            try:
                population = _population(row[population_column])
            except ValueError as exc:
                row_errors.append(
                    RowError(line, population_column, row[population_column], str(exc))
                )
        geometry = geometries[position]
        if row_errors or code is None or geometry is None:
            errors += row_errors
            continue
        repaired += flags[position]
        communes.append(
            CommuneShape(
                line=line,
                insee=code,
                name=row[columns["name"]] if columns["name"] else None,
                population=population,
                departement=row[columns["departement"]] if columns["departement"] else None,
                epci_siren=_first_siren(row[columns["epci"]]) if columns["epci"] else None,
                epci_name=row[columns["epci_name"]] if columns["epci_name"] else None,
                geometry=geometry,
            )
        )
    return ContourFile(communes, sorted_errors(errors), layer.label, source, repaired, columns)


def union_by_commune(
    shapes: Iterable[CommuneShape], alias_of: Mapping[str, str]
) -> tuple[dict[str, MultiPolygon], dict[str, str]]:
    """Polygons per current commune: a polygon under an old code (a commune merged since the
    edition of the file) is unioned into the commune that absorbed it, as are repeated codes.
    Returns the polygons and the old codes used (old → current)."""
    parts: dict[str, list[BaseGeometry]] = {}
    merged: dict[str, str] = {}
    for shape in shapes:
        owner = alias_of.get(shape.insee, shape.insee)
        if owner != shape.insee:
            merged[shape.insee] = owner
        parts.setdefault(owner, []).append(shape.geometry)
    polygons = {
        code: to_multipolygon(shapely.union_all(pieces) if len(pieces) > 1 else pieces[0])
        for code, pieces in parts.items()
    }
    return {code: p for code, p in polygons.items() if p is not None}, merged
