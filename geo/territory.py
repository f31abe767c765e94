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
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geo.contours import find_layers, read_commune_contours
from geo.crs import WGS84
from geo.polygons import to_multipolygon
from geo.readers import FileFormatError

COMMUNES_COG = "communes-cog.json"
COMMUNE_POLYGONS = "communes.geojson"
MERGED_COMMUNES = "communes-fusionnees.csv"
EPCI_LIST = "epci.json"
EPCI_POLYGONS = "epci.geojson"


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
    """Read a commune polygon file of any CRS into insee, name, geometry (MultiPolygon, WGS84);
    FileFormatError when a row is wrong or the name column is missing."""
    layer, _ = find_layers(path)
    contours = read_commune_contours(layer)
    if contours.columns["name"] is None:
        raise FileFormatError(
            "colonnes du code INSEE (code, insee, INSEE_COM, code_commune) et du nom (nom, NOM, "
            "nom_commune) attendues dans le fichier des communes"
        )
    if contours.errors:
        shown = "; ".join(error.describe() for error in contours.errors[:5])
        raise FileFormatError(f"fichier des communes refusé : {shown}")
    return gpd.GeoDataFrame(
        {
            "insee": [c.insee for c in contours.communes],
            "name": [c.name for c in contours.communes],
            "geometry": [c.geometry for c in contours.communes],
        },
        geometry="geometry",
        crs=WGS84,
    )


def _union(geometries: list[BaseGeometry]) -> MultiPolygon | None:
    return to_multipolygon(shapely.union_all(geometries) if len(geometries) > 1 else geometries[0])


def _optional(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column that hand-made files may lack (all None then) or leave empty."""
    if column not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame[column]


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
            "departement": _optional(cog, "departement"),
            "epci_siren": _optional(cog, "siren_epci"),
            "population": _optional(cog, "population").astype("Int64"),
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
            "kind": _optional(epci_list, "type"),
            "population": _optional(epci_list, "population").astype("Int64"),
            "geometry": [to_multipolygon(shape_of.get(s)) for s in epci_list["siren"]],
        },
        geometry="geometry",
        crs=WGS84,
    )
    return Territory(communes, epci, aliases, merged, unmatched)
