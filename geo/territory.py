"""The reference territory: current communes and EPCI with polygons, and merged-commune aliases.

The shipped commune polygons date from 2018 while the commune list is current: polygons of
communes merged since then are unioned into the commune that absorbed them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj.exceptions import ProjError
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geo.codes import normalise_insee
from geo.crs import WGS84, crs_label, guess_crs
from geo.readers import FileFormatError, find_column, read_table

COMMUNE_CODE_ALIASES = ("insee", "code", "code_insee", "insee_com", "code_commune", "codgeo", "com")
COMMUNE_NAME_ALIASES = ("nom", "name", "nom_commune", "libelle", "lib_com", "libgeo", "nom_com")

COMMUNES_COG = "communes-cog.json"
COMMUNE_POLYGONS = "communes.geojson"
MERGED_COMMUNES = "communes-fusionnees.csv"
EPCI_LIST = "epci.json"
EPCI_POLYGONS = "epci.geojson"


def to_multipolygon(geometry: BaseGeometry | None) -> MultiPolygon | None:
    """Keep the polygonal parts of a geometry, repaired if invalid, as a MultiPolygon (or None)."""
    if geometry is None or geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in ("Polygon", "MultiPolygon") and not part.is_empty
    ]
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    return MultiPolygon(polygons) if polygons else None


@dataclass
class Territory:
    """Communes and EPCI of the region, in WGS84, with the aliases of merged communes."""

    communes: gpd.GeoDataFrame
    """insee, name, departement, epci_siren, population, geometry (MultiPolygon)."""
    epci: gpd.GeoDataFrame
    """siren, name, kind, population, geometry (MultiPolygon)."""
    aliases: pd.DataFrame
    """old_code, old_name, insee, status: 2018 codes merged into a current commune."""
    merged_polygons: int
    """How many 2018 polygons were unioned into a current commune."""
    unmatched_polygons: list[str] = field(default_factory=list)
    """Polygon codes that are neither a current commune nor a known alias (left out)."""


def read_communes(path: Path) -> gpd.GeoDataFrame:
    """Read a commune polygon file of any CRS into insee, name, geometry (MultiPolygon, WGS84)."""
    table = read_table(path)
    if table.geometry is None:
        raise FileFormatError("le fichier des communes ne contient pas de géométries")
    code_column = find_column(table.frame.columns, COMMUNE_CODE_ALIASES)
    name_column = find_column(table.frame.columns, COMMUNE_NAME_ALIASES)
    if code_column is None or name_column is None:
        raise FileFormatError(
            "colonnes du code INSEE (code, insee, INSEE_COM, code_commune) et du nom (nom, NOM, "
            "nom_commune) attendues dans le fichier des communes"
        )
    geometry = table.geometry
    source = table.crs
    if source is None:
        bounds = geometry.bounds
        source = guess_crs(bounds.minx, bounds.miny)
        if source is None:
            raise FileFormatError(
                "système de coordonnées du fichier des communes inconnu : ajoutez le fichier .prj"
            )
    if source != WGS84:
        try:
            geometry = geometry.set_crs(source, allow_override=True).to_crs(WGS84)
        except ProjError as exc:
            raise FileFormatError(
                f"reprojection impossible depuis {crs_label(source)} ({exc})"
            ) from None
    codes = [normalise_insee(c) for c in table.frame[code_column]]
    bad = [raw for raw, code in zip(table.frame[code_column], codes, strict=True) if code is None]
    if bad:
        raise FileFormatError(
            f"codes INSEE invalides dans « {code_column} » : {', '.join(map(str, bad[:5]))}"
        )
    return gpd.GeoDataFrame(
        {
            "insee": codes,
            "name": list(table.frame[name_column]),
            "geometry": [to_multipolygon(g) for g in geometry],
        },
        geometry="geometry",
        crs=WGS84,
    )


def _union(geometries: list[BaseGeometry]) -> MultiPolygon | None:
    return to_multipolygon(shapely.union_all(geometries) if len(geometries) > 1 else geometries[0])


def load_territory(directory: Path) -> Territory:
    """Build the territory from the shipped files (`communes-cog.json`, `communes.geojson`…)."""
    directory = Path(directory)
    cog = pd.DataFrame(json.loads((directory / COMMUNES_COG).read_text(encoding="utf-8")))
    aliases = pd.read_csv(directory / MERGED_COMMUNES, dtype=str).rename(
        columns={
            "code_2018": "old_code",
            "nom_2018": "old_name",
            "code_actuel": "insee",
            "statut": "status",
        }
    )[["old_code", "old_name", "insee", "status"]]
    current = set(cog["code"])
    alias_of = dict(zip(aliases["old_code"], aliases["insee"], strict=True))

    polygons = read_communes(directory / COMMUNE_POLYGONS)
    owner = [c if c in current else alias_of.get(c) for c in polygons["insee"]]
    unmatched = [c for c, o in zip(polygons["insee"], owner, strict=True) if o is None]
    merged = sum(1 for c, o in zip(polygons["insee"], owner, strict=True) if o and o != c)
    grouped: dict[str, list[BaseGeometry]] = {}
    for code, geometry in zip(owner, polygons.geometry, strict=True):
        if code is not None and geometry is not None:
            grouped.setdefault(code, []).append(geometry)

    communes = gpd.GeoDataFrame(
        {
            "insee": cog["code"],
            "name": cog["nom"],
            "departement": cog["departement"],
            "epci_siren": cog["siren_epci"],
            "population": cog["population"].astype("Int64"),
            "geometry": [_union(grouped[c]) if c in grouped else None for c in cog["code"]],
        },
        geometry="geometry",
        crs=WGS84,
    )

    epci_list = pd.DataFrame(json.loads((directory / EPCI_LIST).read_text(encoding="utf-8")))
    epci_shapes = gpd.read_file(directory / EPCI_POLYGONS, engine="pyogrio").to_crs(WGS84)
    shape_of = dict(zip(epci_shapes["siren"], epci_shapes.geometry, strict=True))
    epci = gpd.GeoDataFrame(
        {
            "siren": epci_list["siren"],
            "name": epci_list["nom"],
            "kind": epci_list["type"],
            "population": epci_list["population"].astype("Int64"),
            "geometry": [to_multipolygon(shape_of.get(s)) for s in epci_list["siren"]],
        },
        geometry="geometry",
        crs=WGS84,
    )
    return Territory(communes, epci, aliases, merged, unmatched)
