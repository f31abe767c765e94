"""Demo territory: fictitious residences, landlords, QPV, grades, allocations and vacancies over
real communes.

Residences and grades are not public data, so the demo draws them with realistic volumes and
geography. Every landlord and QPV name says « démo » and every code starts with `DEMO-`: the grades
must never be read as describing a real organisation or neighbourhood.

It shows every moment at once: each EPCI has last year's campaign closed and this year's in
harmonisation; the first EPCI asked (the MEL in the full demo) also has next year's campaign in
grading, half graded, so that grading can be tried at once. Allocations cover last year and this
year so far; a few residences declare vacant dwellings for the allocation commission.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.grades import MAX_GRADE, MIN_GRADE

URH_EPCI = (
    "200093201",  # Métropole Européenne de Lille
    "246200364",  # CA de Lens-Liévin
    "245901160",  # CA Valenciennes Métropole
    "200042190",  # CA de la Porte du Hainaut
    "200072460",  # CA de Béthune-Bruay Artois-Lys Romane
    "200033579",  # CU d'Arras
    "200070993",  # CA de la Baie de Somme
)
EPCI_LABELS = {
    "200093201": "MEL",
    "246200364": "CALL",
    "245901160": "CAVM",
    "200042190": "CAPH",
    "200072460": "CABBALR",
    "200033579": "CUA",
    "200070993": "CABS",
}
SOCIAL_HOUSING_INTENSITY = {
    "200093201": 1.0,
    "246200364": 2.0,
    "245901160": 1.6,
    "200042190": 1.5,
    "200072460": 1.5,
    "200033579": 1.4,
    "200070993": 1.0,
}
"""Social residences per inhabitant relative to the MEL (the mining basin holds far more)."""
RESIDENCES_PER_INHABITANT = 3.35e-3
"""Calibrated so the MEL (1.2 M inhabitants) gets about 4,000 residences."""
CONCENTRATION = 1.2
"""Residences per commune grow as population**CONCENTRATION: cities hold most of the stock."""
QPV_MIN_POPULATION = 15_000
QPV_SMALL_TOWN_POPULATION = 7_000
"""Towns between this and `QPV_MIN_POPULATION` get one demo QPV now and then."""


@dataclass(frozen=True)
class DemoLandlord:
    name: str
    siren: str
    """Fake SIREN starting with 9 whose Luhn key is wrong, so it can never be a real company's."""
    home_epci: tuple[str, ...]
    """EPCI where the landlord is rooted; empty for landlords active across the region."""


LANDLORDS = (
    DemoLandlord("Habitat Métropole Nord (démo)", "900000011", ("200093201",)),
    DemoLandlord("Logis des Flandres (démo)", "900000029", ("200093201", "200072460")),
    DemoLandlord("Résidences de la Lys (démo)", "900000037", ("200093201", "200072460")),
    DemoLandlord("Toits du Hainaut (démo)", "900000045", ("245901160", "200042190")),
    DemoLandlord("Maisons de l'Escaut (démo)", "900000052", ("245901160", "200042190")),
    DemoLandlord("Foyer Artésien (démo)", "900000060", ("200033579", "246200364", "200072460")),
    DemoLandlord("Cités des Terrils (démo)", "900000078", ("246200364", "200072460", "200042190")),
    DemoLandlord("Scarpe et Deûle Habitat (démo)", "900000086", ("200033579", "246200364")),
    DemoLandlord("Picardie Maritime Logement (démo)", "900000094", ("200070993",)),
    DemoLandlord("Nord Solidaire Habitat (démo)", "900000101", ()),
    DemoLandlord("Habitat des Beffrois (démo)", "900000119", ()),
    DemoLandlord("Les Foyers du Septentrion (démo)", "900000127", ()),
)


@dataclass(frozen=True)
class DemoCampaign:
    epci_siren: str
    name: str
    year: int
    status: str
    grades: pd.DataFrame
    """One row per side that graded a residence: code, side, value (1..4), comment (or None)."""
    harmonised: pd.DataFrame
    """Agreed grades of divergent residences: code, value, rationale."""


RESIDENCE_COLUMNS = (
    "code", "name", "bailleur", "bailleur_siren", "commune_insee", "epci_siren", "nb_logements",
    "address",
)  # fmt: skip


@dataclass(frozen=True)
class DemoTerritory:
    residences: gpd.GeoDataFrame
    """`RESIDENCE_COLUMNS` and geometry (Point, EPSG:4326)."""
    qpv: gpd.GeoDataFrame
    """code, name, communes, geometry (MultiPolygon, EPSG:4326): demo perimeters, not the ANCT's."""
    campaigns: list[DemoCampaign]
    allocations: pd.DataFrame
    """code, year, total, q1, priority, pru: counts of last year and of this year so far; q1 and
    pru are disjoint."""
    vacancies: pd.DataFrame
    """code, dwellings, declared_on: the few residences with vacant dwellings."""


_TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)
_TO_WGS84 = Transformer.from_crs(2154, 4326, always_xy=True)
_GAUSSIAN_DRAWS = 12
_UNIFORM_DRAWS = 200

_TREES: tuple[str, ...] = ("Tilleuls", "Érables", "Peupliers", "Acacias", "Marronniers")
_TREES += ("Bouleaux", "Cèdres", "Saules", "Platanes", "Charmes", "Sorbiers", "Aulnes")
_FLOWERS = ("Lilas", "Bleuets", "Coquelicots", "Glycines", "Jonquilles", "Hortensias", "Roses")
_PLACES = (
    "Jardins",
    "Prés",
    "Sources",
    "Vergers",
    "Moulins",
    "Aubépines",
    "Cheminots",
    "Tisserands",
)
_SITES = ("Parc", "Canal", "Beffroi", "Moulin", "Marais", "Lac", "Bois", "Vieux Chemin")
_STREETS = (
    "rue des Lilas", "rue Jean Jaurès", "rue Victor Hugo", "rue de la Paix", "avenue Pasteur",
    "rue Roger Salengro", "rue Émile Zola", "allée des Peupliers", "rue des Écoles",
    "boulevard de la République", "rue Jules Ferry", "rue Anatole France", "place du Marché",
    "rue du Moulin", "chemin des Prés", "rue Gambetta", "rue de la Gare", "avenue de la Liberté",
    "rue Jean Moulin", "rue Pierre Brossolette", "rue des Rosiers", "allée des Bleuets",
    "rue du Général Leclerc", "impasse des Tilleuls", "rue Voltaire", "rue Lamartine",
    "rue Marie Curie", "rue Henri Barbusse", "rue de la Fosse 7", "rue des Tisserands",
)  # fmt: skip
_COMMENTS_FRAGILE = (
    "Halls d'entrée dégradés",
    "Éclairage des abords insuffisant",
    "Ascenseurs souvent en panne",
    "Parties communes peu entretenues",
    "Résidence enclavée, peu de commerces à proximité",
)
_COMMENTS_STEADY = (
    "Réhabilitation thermique achevée",
    "Espaces verts bien entretenus",
    "Proche des commerces et des transports",
    "Halls et cages d'escalier rénovés",
    "Gardien présent sur site",
)
_REASONS_UP = (
    "tranquillité résidentielle améliorée depuis la réhabilitation",
    "espaces extérieurs réaménagés, moins de dégradations",
    "gardiennage renforcé et halls rénovés",
    "commerces et transports de proximité appréciés",
)
_REASONS_DOWN = (
    "dégradations récurrentes des parties communes",
    "îlot enclavé, éclairage et accès à revoir",
    "ascenseurs souvent hors service, travaux à programmer",
    "stationnement anarchique aux abords de la résidence",
)
_GRADE_THRESHOLDS = np.array([-0.9, -0.05, 0.85])
"""Cuts of the latent quality into grades 1..4."""
YEAR_SO_FAR = 10 / 12
"""Share of this year's allocations already made: the demo stands in November."""
VACANT_SHARE = 0.01
"""Share of residences declaring vacant dwellings (at least `MIN_VACANCIES` per EPCI)."""
MIN_VACANCIES = 6
GRADED_SO_FAR = {"commune": 0.45, "bailleur": 0.6}
"""Share of each side's grades already given in the campaign being graded."""


def generate_demo(
    communes: gpd.GeoDataFrame,
    epci_sirens: Sequence[str] = URH_EPCI,
    *,
    seed: int = 2026,
    year: int = 2026,
) -> DemoTerritory:
    """Draw a demo territory over the communes of `epci_sirens`, deterministic given `seed`.

    `communes` has columns insee, name, epci_siren, population and (Multi)Polygon geometries in
    EPSG:4326 (other CRS are reprojected). Each commune and EPCI draws from its own random stream,
    so a commune's residences do not change when other EPCI are added. The first EPCI of
    `epci_sirens` also gets a campaign in grading.
    """
    communes = communes if communes.crs is None else communes.to_crs(4326)
    chosen = communes[communes["epci_siren"].isin(epci_sirens)].sort_values("insee")
    chosen = chosen.assign(population=chosen["population"].fillna(0))
    if chosen.empty:
        raise ValueError("aucune commune dans les EPCI demandés")
    qpv, details, campaigns, allocations, vacancies = [], [], [], [], []
    for siren, members in chosen.groupby("epci_siren", sort=True):
        epci_rng = _rng(seed, siren, "epci")
        landlords, shares = _active_landlords(siren, epci_rng)
        population = members["population"].to_numpy(float)
        weights = population**CONCENTRATION
        expected = (
            RESIDENCES_PER_INHABITANT
            * population.sum()
            * SOCIAL_HOUSING_INTENSITY.get(siren, 1.0)
            * weights
            / max(weights.sum(), 1.0)
        )
        placed = []
        for row, lam in zip(members.itertuples(index=False), expected, strict=True):
            commune = _Commune(row.insee, row.name, row.population, row.geometry)
            rng = _rng(seed, commune.insee, "commune")
            count = int(rng.poisson(lam))
            if count:
                frame, qpv_rows = _place_commune(commune, count, landlords, shares, rng)
                placed.append(frame)
                qpv.extend(qpv_rows)
        if not placed:
            continue
        frame = pd.concat(placed, ignore_index=True)
        frame["epci_siren"] = siren
        details.append(frame)
        grading_rng = _rng(seed, siren, "grades")
        campaigns.extend(_campaigns(frame, siren, year, grading_rng))
        allocations.append(_allocations(frame, year - 1, grading_rng))
        commission_rng = _rng(seed, siren, "commission")
        allocations.append(_allocations(frame, year, commission_rng, YEAR_SO_FAR))
        vacancies.append(_vacancies(frame, year, commission_rng))
        if siren == epci_sirens[0]:
            campaigns.append(_grading_campaign(frame, siren, year + 1, _rng(seed, siren, "next")))
    if not details:
        raise ValueError("aucune résidence tirée : populations manquantes ?")
    table = pd.concat(details, ignore_index=True)
    residences = gpd.GeoDataFrame(
        table[list(RESIDENCE_COLUMNS)],
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs=4326,
    )
    qpv_frame = gpd.GeoDataFrame(
        qpv, columns=["code", "name", "communes", "geometry"], geometry="geometry", crs=4326
    )
    return DemoTerritory(
        residences,
        qpv_frame,
        campaigns,
        pd.concat(allocations, ignore_index=True),
        pd.concat(vacancies, ignore_index=True),
    )


def _rng(seed: int, key: str, stage: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode()), zlib.crc32(stage.encode())])


def _active_landlords(
    siren: str, rng: np.random.Generator
) -> tuple[list[DemoLandlord], np.ndarray]:
    """4 to 7 landlords with unequal shares: local ones first and largest, then regional ones,
    then (only to reach four) landlords from elsewhere."""
    local = [landlord for landlord in LANDLORDS if siren in landlord.home_epci]
    regional = [landlord for landlord in LANDLORDS if not landlord.home_epci]
    elsewhere = [landlord for landlord in LANDLORDS if landlord not in local + regional]
    count = min(int(rng.integers(4, 8)), max(4, len(local) + len(regional)))
    picked = (
        local
        + [regional[i] for i in rng.permutation(len(regional))]
        + [elsewhere[i] for i in rng.permutation(len(elsewhere))]
    )[:count]
    reach = np.array([3.0 if p in local else 1.5 if p in regional else 0.5 for p in picked])
    weights = reach * 0.7 ** np.arange(count) * rng.uniform(0.8, 1.25, count)
    return picked, 0.03 + (1 - 0.03 * count) * weights / weights.sum()


_QpvRow = tuple[str, str, list[str], shapely.MultiPolygon]
"""A demo QPV: code, name, INSEE codes of its communes, perimeter (WGS84)."""


@dataclass(frozen=True)
class _Commune:
    insee: str
    name: str
    population: float
    geometry: shapely.Polygon | shapely.MultiPolygon


def _place_commune(
    commune: _Commune,
    count: int,
    landlords: list[DemoLandlord],
    shares: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, list[_QpvRow]]:
    """`count` residences around a few quartier centres of the commune, and its demo QPV."""
    geom = commune.geometry
    shapely.prepare(geom)
    l93 = shapely.transform(geom, _project, interleaved=False)
    size = np.sqrt(l93.area)
    hub = l93.centroid if l93.contains(l93.centroid) else l93.representative_point()
    centres, sigmas, qpv_count = _quartiers(commune, geom, l93, (hub.x, hub.y), count, rng)
    cluster_count = len(centres)
    weights = rng.dirichlet(np.full(cluster_count, 3.0))
    weights[:qpv_count] = rng.uniform(0.7, 1.0, qpv_count) / cluster_count
    scattered = 0.2 if count >= 10 else 0.0
    probabilities = np.append((1 - scattered) * weights / weights.sum(), scattered)
    cluster = rng.choice(cluster_count + 1, size=count, p=probabilities)
    cluster[cluster == cluster_count] = -1
    is_scattered = cluster < 0
    cx = np.where(is_scattered, hub.x, centres[cluster, 0])
    cy = np.where(is_scattered, hub.y, centres[cluster, 1])
    sigma = np.where(is_scattered, 0.45 * size, sigmas[cluster])
    x, y, lon, lat = _draw_inside(geom, l93, cx, cy, sigma, rng)

    centrality = np.where(
        is_scattered, 0.0, np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma**2))
    )
    in_qpv_cluster = (cluster >= 0) & (cluster < qpv_count)
    village = commune.population < 5_000
    median = np.where(
        in_qpv_cluster, 18 + 42 * centrality, (8 if village else 12) + 24 * centrality
    )
    dwellings = np.clip(np.round(median * rng.lognormal(0, 0.7, count)), 4, 450).astype(int)

    qpv_rows, qpv_code, qpv_distance = _demo_qpv(
        commune, np.column_stack([x, y]), lon, lat, cluster, sigmas, centres, qpv_count, rng
    )

    cluster_effect = np.append(
        np.where(
            np.arange(cluster_count) < qpv_count,
            rng.normal(-0.3, 0.35, cluster_count),
            rng.normal(0.0, 0.45, cluster_count),
        ),
        0.0,
    )[cluster]
    quality = (
        0.35
        + rng.normal(0, 0.25)
        + cluster_effect
        - 0.8 * (qpv_code != "")
        - 0.3 * np.clip(np.log(dwellings / 25), 0, None)
        + rng.normal(0, 0.5, count)
    )

    main_landlord = rng.choice(len(landlords), size=cluster_count + 1, p=shares)
    landlord = np.where(
        (cluster >= 0) & (rng.random(count) < 0.6),
        main_landlord[cluster],
        rng.choice(len(landlords), size=count, p=shares),
    )
    frame = pd.DataFrame(
        {
            "code": [f"DEMO-{commune.insee}-{i:04d}" for i in range(1, count + 1)],
            "name": _residence_names(commune.name, count, rng),
            "bailleur": [landlords[i].name for i in landlord],
            "bailleur_siren": [landlords[i].siren for i in landlord],
            "commune_insee": commune.insee,
            "commune_population": commune.population,
            "nb_logements": dwellings,
            "address": _addresses(cluster, count, rng),
            "lon": lon,
            "lat": lat,
            "qpv_code": qpv_code,
            "qpv_distance": qpv_distance,
            "quality": quality,
        }
    )
    return frame, qpv_rows


def _project(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _TO_L93.transform(x, y)


def _unproject(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _TO_WGS84.transform(x, y)


def _qpv_count(population: float, rng: np.random.Generator) -> int:
    """1 to 4 demo QPV in towns of 15,000+, growing with size; sometimes one in smaller towns."""
    if population >= QPV_MIN_POPULATION:
        return 1 + int(np.searchsorted([30_000, 60_000, 150_000], population, side="right"))
    return int(population >= QPV_SMALL_TOWN_POPULATION and rng.random() < 0.6)


def _quartiers(
    commune: _Commune,
    geom: shapely.Geometry,
    l93: shapely.Geometry,
    hub: tuple[float, float],
    count: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Quartier centres (Lambert-93) around the town centre, their spreads and the QPV count.

    Centres are kept apart so that QPV rarely touch. The first `qpv_count` quartiers are compact
    "grands ensembles" with larger residences: the densest places, where demo QPV are drawn.
    """
    qpv_count = _qpv_count(commune.population, rng)
    wanted = max(4 * qpv_count + 2 if qpv_count else 1, min(16, round(np.sqrt(count) / 2)))
    candidates = np.full(6 * wanted, 1.0)
    x, y, _, _ = _draw_inside(
        geom,
        l93,
        hub[0] * candidates,
        hub[1] * candidates,
        0.3 * np.sqrt(l93.area) * candidates,
        rng,
    )
    spacing = min(900.0, 0.5 * np.sqrt(l93.area / wanted))
    kept: list[tuple[float, float]] = []
    for point in zip(x, y, strict=True):
        if all(np.hypot(point[0] - px, point[1] - py) >= spacing for px, py in kept):
            kept.append(point)
            if len(kept) == wanted:
                break
    qpv_count = min(qpv_count, len(kept))
    sigmas = np.where(
        np.arange(len(kept)) < qpv_count,
        rng.uniform(130, 200, len(kept)),
        rng.uniform(250, 450, len(kept)),
    )
    return np.array(kept), sigmas, qpv_count


def _draw_inside(
    geom: shapely.Geometry,
    l93: shapely.Geometry,
    cx: np.ndarray,
    cy: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian points around (cx, cy) in Lambert-93, redrawn until inside `geom` (WGS84).

    Testing the WGS84 polygon itself guarantees that every point lies in its commune as given.
    Points still outside after a few Gaussian draws fall back to uniform draws in the commune's
    bounds. Returns Lambert-93 x, y and WGS84 lon, lat.
    """
    n = len(cx)
    x, y, lon, lat = (np.empty(n) for _ in range(4))
    pending = np.arange(n)
    xmin, ymin, xmax, ymax = l93.bounds
    for attempt in range(_GAUSSIAN_DRAWS + _UNIFORM_DRAWS):
        if attempt < _GAUSSIAN_DRAWS:
            px = cx[pending] + rng.normal(0, sigma[pending])
            py = cy[pending] + rng.normal(0, sigma[pending])
        else:
            px = rng.uniform(xmin, xmax, pending.size)
            py = rng.uniform(ymin, ymax, pending.size)
        plon, plat = _unproject(px, py)
        inside = shapely.contains_xy(geom, plon, plat)
        done = pending[inside]
        x[done], y[done], lon[done], lat[done] = px[inside], py[inside], plon[inside], plat[inside]
        pending = pending[~inside]
        if pending.size == 0:
            return x, y, lon, lat
    raise ValueError("impossible de placer des points dans la commune : géométrie dégénérée ?")


def _demo_qpv(
    commune: _Commune,
    xy: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    cluster: np.ndarray,
    sigmas: np.ndarray,
    centres: np.ndarray,
    qpv_count: int,
    rng: np.random.Generator,
) -> tuple[list[_QpvRow], np.ndarray, np.ndarray]:
    """Demo QPV around the cores of the densest clusters, clipped to the commune, disjoint.

    Returns the QPV rows, each residence's QPV code ("" outside) and its distance (m) to the
    nearest demo QPV of the commune (inf when the commune has none).
    """
    rows: list[_QpvRow] = []
    code = np.full(len(xy), "", dtype=object)
    distance = np.full(len(xy), np.inf)
    taken = shapely.Polygon()
    for j in range(qpv_count):
        core = (cluster == j) & (np.hypot(*(xy - centres[j]).T) <= 2 * sigmas[j])
        if not core.any():
            continue
        zone = shapely.MultiPoint(xy[core]).convex_hull.buffer(rng.uniform(150, 250), quad_segs=4)
        shape = shapely.transform(zone, _unproject, interleaved=False)
        shape = shapely.difference(shapely.intersection(shape, commune.geometry), taken)
        shape = _polygonal(shape)
        if shape is None or shapely.transform(shape, _project, interleaved=False).area < 50_000:
            continue
        taken = shapely.union(taken, shape)
        qpv_code = f"DEMO-{commune.insee}-{len(rows) + 1}"
        rows.append(
            (qpv_code, f"Quartier démo {len(rows) + 1} ({commune.name})", [commune.insee], shape)
        )
        code[shapely.contains_xy(shape, lon, lat)] = qpv_code
        distance = np.minimum(distance, shapely.distance(zone, shapely.points(xy)))
    distance[code != ""] = 0.0
    return rows, code, distance


def _polygonal(geom: shapely.Geometry) -> shapely.MultiPolygon | None:
    """The valid polygonal part of `geom` as a MultiPolygon, or None when nothing is left."""
    geom = shapely.make_valid(geom)
    parts = [
        part
        for part in shapely.get_parts(geom)
        if isinstance(part, shapely.Polygon | shapely.MultiPolygon) and not part.is_empty
    ]
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    return shapely.MultiPolygon(polygons) if polygons else None


def _of(name: str) -> str:
    """French « de » before a place name, with its elisions and contractions."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[0] in "AEIOUYÂÉÈÊÎÔ":
        return "d'" + name
    return "de " + name


def _residence_names(commune_name: str, count: int, rng: np.random.Generator) -> list[str]:
    of_commune = _of(commune_name)
    patterns = (
        lambda i: f"Résidence Les {_TREES[i % len(_TREES)]}",
        lambda i: f"Résidence Les {_FLOWERS[i % len(_FLOWERS)]}",
        lambda i: f"Cité des {_PLACES[i % len(_PLACES)]}",
        lambda i: f"Les Hauts {of_commune}",
        lambda i: f"Le Clos des {_TREES[i % len(_TREES)]}",
        lambda i: f"Les Terrasses du {_SITES[i % len(_SITES)]}",
        lambda i: f"Domaine des {_PLACES[i % len(_PLACES)]}",
        lambda i: f"Résidence du {_SITES[i % len(_SITES)]}",
        lambda i: f"Les Jardins {of_commune}",
    )
    kinds = rng.choice(
        len(patterns), size=count, p=[0.2, 0.15, 0.15, 0.06, 0.1, 0.1, 0.1, 0.1, 0.04]
    )
    words = rng.integers(0, 120, count)
    return [patterns[k](w) for k, w in zip(kinds, words, strict=True)]


def _addresses(cluster: np.ndarray, count: int, rng: np.random.Generator) -> list[str]:
    """Street addresses; residences of a cluster share a handful of streets."""
    street_base = rng.integers(0, len(_STREETS), cluster.max() + 2)
    street = np.where(
        cluster >= 0,
        (street_base[cluster] + rng.integers(0, 4, count)) % len(_STREETS),
        rng.integers(0, len(_STREETS), count),
    )
    numbers = rng.integers(1, 180, count)
    return [f"{n} {_STREETS[s]}" for n, s in zip(numbers, street, strict=True)]


def _to_grade(quality: np.ndarray) -> np.ndarray:
    return MIN_GRADE + np.searchsorted(_GRADE_THRESHOLDS, quality)


def _campaigns(
    frame: pd.DataFrame, siren: str, year: int, rng: np.random.Generator
) -> list[DemoCampaign]:
    """The current campaign (a third of divergences harmonised) and last year's (closed)."""
    label = EPCI_LABELS.get(siren, f"EPCI {siren}")
    current = _to_grade(frame["quality"].to_numpy())
    change = rng.random(len(frame))
    previous = np.clip(
        current - (change < 0.09).astype(int) + (change > 0.94).astype(int), MIN_GRADE, MAX_GRADE
    )
    return [
        _campaign(frame, siren, f"{label} {year}", year, "harmonisation", current, 1 / 3, rng),
        _campaign(frame, siren, f"{label} {year - 1}", year - 1, "closed", previous, 1.0, rng),
    ]


def _campaign(
    frame: pd.DataFrame,
    siren: str,
    name: str,
    year: int,
    status: str,
    agreed: np.ndarray,
    harmonised_share: float,
    rng: np.random.Generator,
) -> DemoCampaign:
    """Both sides' grades around the agreed grade, as at the MEL: about 70 % of dwellings graded
    by both sides, 20 % of the doubly-graded residences divergent."""
    n = len(frame)
    codes = frame["code"].to_numpy()
    small_town = frame["commune_population"].to_numpy() < 5_000
    communes = frame["commune_insee"].to_numpy()
    unique_communes, commune_index = np.unique(communes, return_inverse=True)
    commune_takes_part = (rng.random(len(unique_communes)) < 0.75)[commune_index] | ~small_town
    landlords, landlord_index = np.unique(frame["bailleur_siren"].to_numpy(), return_inverse=True)
    landlord_rate = rng.uniform(0.78, 0.94, len(landlords))[landlord_index]
    commune_graded = commune_takes_part & (rng.random(n) < 0.85)
    landlord_graded = rng.random(n) < landlord_rate

    commune_value = agreed.copy()
    landlord_value = agreed.copy()
    both = commune_graded & landlord_graded
    divergent = both & (rng.random(n) < 0.2)
    step = np.where(rng.random(n) < 0.1, 2, 1) * np.where(rng.random(n) < 0.5, -1, 1)
    step = np.where(agreed + step < MIN_GRADE, -step, step)
    step = np.where(agreed + step > MAX_GRADE, -step, step)
    step = np.clip(agreed + step, MIN_GRADE, MAX_GRADE) - agreed
    commune_deviates = rng.random(n) < 0.5
    commune_value = np.where(divergent & commune_deviates, agreed + step, commune_value)
    landlord_value = np.where(divergent & ~commune_deviates, agreed + step, landlord_value)

    grades = pd.concat(
        [
            _side_grades(codes[commune_graded], "commune", commune_value[commune_graded], rng),
            _side_grades(codes[landlord_graded], "bailleur", landlord_value[landlord_graded], rng),
        ],
        ignore_index=True,
    ).sort_values(["code", "side"], ignore_index=True)

    settled = divergent & (rng.random(n) < harmonised_share)
    other = np.where(commune_deviates, commune_value, landlord_value)
    picks = rng.integers(0, 100, settled.sum())
    reasons = [
        (_REASONS_UP if up else _REASONS_DOWN)[pick % 4]
        for up, pick in zip(agreed[settled] > other[settled], picks, strict=True)
    ]
    harmonised = pd.DataFrame(
        {
            "code": codes[settled],
            "value": agreed[settled].astype(int),
            "rationale": pd.Series(
                [f"Accord en séance : {reason}" for reason in reasons], dtype=object
            ),
        }
    )
    return DemoCampaign(siren, name, year, status, grades, harmonised)


def _side_grades(
    codes: np.ndarray, side: str, values: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """One side's grades, with a rare comment about the place (never about its households)."""
    commented = rng.random(len(codes)) < 0.03
    pick = rng.integers(0, 100, len(codes))
    comments = [
        (_COMMENTS_FRAGILE if v <= 2 else _COMMENTS_STEADY)[p % 5] if c else None
        for v, p, c in zip(values, pick, commented, strict=True)
    ]
    return pd.DataFrame(
        {
            "code": codes,
            "side": side,
            "value": values.astype(int),
            "comment": pd.Series(comments, dtype=object),
        }
    )


def _grading_campaign(
    frame: pd.DataFrame, siren: str, year: int, rng: np.random.Generator
) -> DemoCampaign:
    """Next year's campaign, being graded: about half of each side's grades given so far."""
    label = EPCI_LABELS.get(siren, f"EPCI {siren}")
    agreed = _to_grade(frame["quality"].to_numpy() + rng.normal(0.05, 0.2, len(frame)))
    full = _campaign(frame, siren, f"{label} {year}", year, "grading", agreed, 0.0, rng)
    given = full.grades["side"].map(GRADED_SO_FAR).to_numpy() > rng.random(len(full.grades))
    grades = full.grades[given].reset_index(drop=True)
    return DemoCampaign(siren, full.name, year, "grading", grades, full.harmonised.iloc[0:0])


def _vacancies(frame: pd.DataFrame, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """A few residences with 1 to 3 vacant dwellings, declared in October or November."""
    count = min(len(frame), max(MIN_VACANCIES, round(VACANT_SHARE * len(frame))))
    picked = np.sort(rng.choice(len(frame), size=count, replace=False))
    first = np.datetime64(f"{year}-10-01")
    return pd.DataFrame(
        {
            "code": frame["code"].to_numpy()[picked],
            "dwellings": np.minimum(
                rng.integers(1, 4, count), frame["nb_logements"].to_numpy()[picked]
            ),
            "declared_on": pd.to_datetime(first + rng.integers(0, 45, count)).date,
        }
    )


def _allocations(
    frame: pd.DataFrame, year: int, rng: np.random.Generator, share_of_year: float = 1.0
) -> pd.DataFrame:
    """A year of allocations (or its first `share_of_year`): turnover 5-12 %, fewer
    first-quartile households in most QPV, 18-30 % first quartile or PRU outside, so that some
    communes miss the 25 % target."""
    n = len(frame)
    dwellings = frame["nb_logements"].to_numpy()
    qpv = frame["qpv_code"].to_numpy()
    inside = qpv != ""
    grade = _to_grade(frame["quality"].to_numpy())

    qpv_codes, qpv_index = np.unique(qpv, return_inverse=True)
    qpv_rate = np.where(
        rng.random(len(qpv_codes)) < 0.75,
        rng.uniform(0.28, 0.45, len(qpv_codes)),
        rng.uniform(0.52, 0.62, len(qpv_codes)),
    )[qpv_index]
    communes, commune_index = np.unique(frame["commune_insee"].to_numpy(), return_inverse=True)
    landlords, landlord_index = np.unique(frame["bailleur_siren"].to_numpy(), return_inverse=True)
    outside_rate = (
        rng.uniform(0.17, 0.31, len(communes))[commune_index]
        + rng.normal(0, 0.03, len(landlords))[landlord_index]
        + 0.02 * (2.5 - grade)
    )
    q1_rate = np.clip(np.where(inside, qpv_rate, outside_rate) + rng.normal(0, 0.04, n), 0.02, 0.9)
    near = frame["qpv_distance"].to_numpy() <= 1_000
    pru_rate = np.where(inside, 0.005, np.where(near, 0.05, 0.008))

    turnover = (rng.uniform(0.05, 0.12, n) + 0.02 * inside) * share_of_year
    total = rng.binomial(dwellings, turnover)
    q1 = rng.binomial(total, q1_rate)
    pru = rng.binomial(total - q1, pru_rate)
    priority = rng.binomial(total, rng.uniform(0.2, 0.3, len(landlords))[landlord_index])
    return pd.DataFrame(
        {
            "code": frame["code"].to_numpy(),
            "year": year,
            "total": total,
            "q1": q1,
            "priority": priority,
            "pru": pru,
        }
    )
