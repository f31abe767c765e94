"""Small files shaped like the official ones, written by the tests: a subset of the national
reference (`@etalab/decoupage-administratif`), IGN ADMIN EXPRESS commune and EPCI layers of
three editions, and an ANCT-like national QPV 2024 file.

Codes, names and SIREN are real (Toulouse Métropole, the Muretain, the MEL); polygons are
squares of `SIDE` metres laid in a row south-west of Toulouse (Lille's near Lille), in
Lambert-93 as IGN publishes them. `SUBSET_V2` is a fictitious later vintage where Tournefeuille
absorbed Blagnac and Cugnaux left Toulouse Métropole for the Muretain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point, box

TOULOUSE_METROPOLE, MURETAIN, MEL = "243100518", "200068641", "200093201"
TOULOUSE, COLOMIERS, TOURNEFEUILLE, BLAGNAC, CUGNAUX = "31555", "31149", "31557", "31069", "31157"
MURET, LILLE = "31395", "59350"
SIDE = 4000
L93 = "EPSG:2154"


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    departement: str
    region: str
    population: int | None
    origin: tuple[float, float]
    """South-west corner of its square, Lambert-93 metres."""

    def square(self):
        x, y = self.origin
        return box(x, y, x + SIDE, y + SIDE)

    def point(self, dx: float = 0.5, dy: float = 0.5) -> Point:
        """A point of the square (fractions of its side from the south-west corner), WGS84."""
        x, y = self.origin
        projected = gpd.GeoSeries([Point(x + dx * SIDE, y + dy * SIDE)], crs=L93)
        return projected.to_crs(4326).iloc[0]


def _row(i: int) -> tuple[float, float]:
    return (560_000 + i * SIDE, 6_270_000)


COMMUNES = {
    c.insee: c
    for c in (
        Commune(TOULOUSE, "Toulouse", "31", "76", 514819, _row(0)),
        Commune(COLOMIERS, "Colomiers", "31", "76", 40882, _row(1)),
        Commune(TOURNEFEUILLE, "Tournefeuille", "31", "76", 30168, _row(2)),
        Commune(BLAGNAC, "Blagnac", "31", "76", None, _row(3)),
        Commune(CUGNAUX, "Cugnaux", "31", "76", 20662, _row(4)),
        Commune(MURET, "Muret", "31", "76", 26140, _row(5)),
        Commune(LILLE, "Lille", "59", "32", 238695, (703_000, 7_059_000)),
    )
}
"""Blagnac has no population: the reference may lack one."""

EPCI = {
    TOULOUSE_METROPOLE: ("Toulouse Métropole", "METRO", "Métropole"),
    MURETAIN: ("CA Le Muretain Agglo", "CA", "Communauté d'agglomération"),
    MEL: ("Métropole Européenne de Lille", "METRO", "Métropole"),
}
"""SIREN → name, DGCL kind, ADMIN EXPRESS NATURE."""

SUBSET_V1 = {
    TOULOUSE_METROPOLE: [TOULOUSE, COLOMIERS, TOURNEFEUILLE, BLAGNAC, CUGNAUX],
    MURETAIN: [MURET],
    MEL: [LILLE],
}
SUBSET_V2 = {
    TOULOUSE_METROPOLE: [TOULOUSE, COLOMIERS, TOURNEFEUILLE],
    MURETAIN: [MURET, CUGNAUX],
    MEL: [LILLE],
}
MERGED_V2 = {BLAGNAC: TOURNEFEUILLE}


def write_reference(
    directory: Path,
    members: dict[str, list[str]] = SUBSET_V1,
    merged: dict[str, str] | None = None,
    *,
    version: str = "6.0.0",
    year: int = 2026,
) -> Path:
    """A `@etalab/decoupage-administratif`-shaped package: package.json, README with its table
    of vintages, data/{communes,epci,departements,regions}.json. `merged` (old → current)
    makes old codes `anciensCodes` of the current commune, with a commune déléguée."""
    merged = merged or {}
    member_of = {code: siren for siren, codes in members.items() for code in codes}
    communes: list[dict] = []
    for commune in COMMUNES.values():
        if commune.insee in merged:
            communes.append(
                {
                    "code": commune.insee,
                    "nom": commune.name,
                    "type": "commune-deleguee",
                    "chefLieu": merged[commune.insee],
                    "departement": commune.departement,
                    "region": commune.region,
                    "zone": "metro",
                }
            )
            continue
        item = {
            "code": commune.insee,
            "nom": commune.name,
            "type": "commune-actuelle",
            "departement": commune.departement,
            "region": commune.region,
            "zone": "metro",
            "siren": "21" + commune.insee.replace("A", "0").replace("B", "0") + "00",
        }
        if commune.population is not None:
            item["population"] = commune.population
        olds = [old for old, current in merged.items() if current == commune.insee]
        if olds:
            item["anciensCodes"] = olds
        communes.append(item)
    communes.append(
        {
            "code": "13201",
            "nom": "Marseille 1er Arrondissement",
            "type": "arrondissement-municipal",
            "commune": "13055",
            "departement": "13",
            "region": "93",
        }
    )
    epci = [
        {
            "code": siren,
            "nom": EPCI[siren][0],
            "type": EPCI[siren][1],
            "modeFinancement": "FPU",
            "populationMunicipale": sum(COMMUNES[c].population or 0 for c in codes),
            "membres": [{"code": c, "nom": COMMUNES[c].name} for c in codes],
        }
        for siren, codes in members.items()
    ]
    assert set(member_of) == {c for c in COMMUNES if c not in merged}
    departements = [
        {"code": "31", "nom": "Haute-Garonne", "region": "76"},
        {"code": "59", "nom": "Nord", "region": "32"},
    ]
    regions = [{"code": "76", "nom": "Occitanie"}, {"code": "32", "nom": "Hauts-de-France"}]
    (directory / "data").mkdir(parents=True, exist_ok=True)
    files = {"communes": communes, "epci": epci, "departements": departements, "regions": regions}
    for name, content in files.items():
        (directory / "data" / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")
    (directory / "package.json").write_text(
        json.dumps({"name": "@etalab/decoupage-administratif", "version": version})
    )
    (directory / "README.md").write_text(
        "| Année | Version du package | NPM |\n|-------|------|-----|\n"
        f"| {year}  | {version} | `npm install @etalab/decoupage-administratif@{version}` |\n"
    )
    return directory


EDITIONS = ("2.0-shp", "3.2-shp", "4.0-gpkg")
"""ADMIN EXPRESS COG editions: field names as IGN published them."""


def _commune_fields(edition: str, commune: Commune, epci: str | None) -> dict:
    if edition == "2.0-shp":
        return {
            "ID": f"COMMUNE_{commune.insee}",
            "NOM_COM": commune.name,
            "NOM_COM_M": commune.name.upper(),
            "INSEE_COM": commune.insee,
            "POPULATION": commune.population,
            "INSEE_DEP": commune.departement,
            "CODE_EPCI": epci,
        }
    if edition == "3.2-shp":
        return {
            "ID": f"COMMUNE_{commune.insee}",
            "NOM": commune.name,
            "NOM_M": commune.name.upper(),
            "INSEE_COM": commune.insee,
            "STATUT": "Commune simple",
            "POPULATION": commune.population,
            "INSEE_DEP": commune.departement,
            "INSEE_REG": commune.region,
            "SIREN_EPCI": f"{epci}/200057867" if commune.insee == LILLE else epci,
        }
    return {
        "cleabs": f"COMMUNE_{commune.insee}",
        "code_insee": commune.insee,
        "nom_officiel": commune.name,
        "nom_officiel_en_majuscules": commune.name.upper(),
        "code_insee_du_departement": commune.departement,
        "code_insee_de_la_region": commune.region,
        "population": commune.population,
        "codes_siren_des_epci": epci or "NR",
        "code_siren": "21" + commune.insee + "00",
    }


def _epci_fields(edition: str, siren: str) -> dict:
    name, kind, nature = EPCI[siren]
    if edition == "2.0-shp":
        return {"CODE_EPCI": siren, "NOM_EPCI": name, "TYPE_EPCI": kind}
    if edition == "3.2-shp":
        return {"ID": f"EPCI_{siren}", "CODE_SIREN": siren, "NOM": name, "NATURE": nature}
    return {"cleabs": f"EPCI_{siren}", "code_siren": siren, "nom_officiel": name, "nature": nature}


def write_admin_express(
    directory: Path,
    edition: str = "3.2-shp",
    members: dict[str, list[str]] = SUBSET_V1,
    *,
    codes: list[str] | None = None,
) -> Path:
    """An ADMIN EXPRESS COG delivery of `edition` in Lambert-93: COMMUNE.shp and EPCI.shp in
    the folder tree IGN ships, or one GeoPackage with layers `commune`, `epci` and
    `departement`. Returns the commune file (the .shp or the .gpkg)."""
    member_of = {code: siren for siren, listed in members.items() for code in listed}
    chosen = [COMMUNES[c] for c in (codes or list(COMMUNES))]
    communes = gpd.GeoDataFrame(
        [_commune_fields(edition, c, member_of.get(c.insee)) for c in chosen],
        geometry=[c.square() for c in chosen],
        crs=L93,
    )
    epci = gpd.GeoDataFrame(
        [_epci_fields(edition, siren) for siren in members],
        geometry=[
            gpd.GeoSeries([COMMUNES[c].square() for c in codes_]).union_all()
            for codes_ in members.values()
        ],
        crs=L93,
    )
    if edition.endswith("gpkg"):
        path = directory / "ADE-COG_4-0_GPKG_LAMB93_FXX-ED2025-06-16.gpkg"
        path.parent.mkdir(parents=True, exist_ok=True)
        options = {"layer_options": {"GEOMETRY_NAME": "geometrie"}}
        departement = gpd.GeoDataFrame(
            {"code_insee": ["31"], "nom_officiel": ["Haute-Garonne"]},
            geometry=[box(560_000, 6_260_000, 600_000, 6_290_000)],
            crs=L93,
        )
        departement.to_file(path, layer="departement", driver="GPKG", **options)
        communes.to_file(path, layer="commune", driver="GPKG", **options)
        epci.to_file(path, layer="epci", driver="GPKG", **options)
        return path
    folder = directory / "ADMIN-EXPRESS-COG" / "1_DONNEES_LIVRAISON" / f"ADE-COG_{edition}"
    folder.mkdir(parents=True, exist_ok=True)
    communes.to_file(folder / "COMMUNE.shp", encoding="UTF-8")
    epci.to_file(folder / "EPCI.shp", encoding="UTF-8")
    return folder / "COMMUNE.shp"


@dataclass(frozen=True)
class QpvSpec:
    code: str
    name: str
    commune: str
    square: tuple[float, float, float, float]
    """Fractions of its commune's square: x0, y0, x1, y1."""

    def polygon(self):
        x, y = COMMUNES[self.commune].origin
        x0, y0, x1, y1 = self.square
        return box(x + x0 * SIDE, y + y0 * SIDE, x + x1 * SIDE, y + y1 * SIDE)


QPV = (
    QpvSpec("QN03101M", "Quartier A de Toulouse (test)", TOULOUSE, (0.1, 0.1, 0.4, 0.4)),
    QpvSpec("QN03102N", "Quartier B de Colomiers (test)", COLOMIERS, (0.6, 0.6, 0.9, 0.9)),
    QpvSpec("QN03103I", "Quartier de Muret (test)", MURET, (0.2, 0.2, 0.5, 0.5)),
    QpvSpec("QN05920M", "Quartier de Lille (test)", LILLE, (0.2, 0.2, 0.5, 0.5)),
)


def write_qpv_2024(path: Path, specs: tuple[QpvSpec, ...] = QPV) -> Path:
    """A national QPV 2024 file as the ANCT publishes it (GeoPackage, Lambert-93)."""
    frame = gpd.GeoDataFrame(
        {
            "code_qp": [s.code for s in specs],
            "lib_qp": [s.name for s in specs],
            "insee_com": [s.commune for s in specs],
            "lib_com": [COMMUNES[s.commune].name for s in specs],
            "insee_dep": [COMMUNES[s.commune].departement for s in specs],
            "insee_reg": [COMMUNES[s.commune].region for s in specs],
        },
        geometry=[s.polygon() for s in specs],
        crs=L93,
    )
    frame.to_file(path, layer="QP2024_France_hexagonale_LB93", driver="GPKG")
    return path
