"""The demo territory: deterministic, inside its communes, and as realistic as the brief says."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from app.demo.generator import LANDLORDS, URH_EPCI, DemoTerritory, generate_demo

DATA = Path(__file__).resolve().parents[2] / "data" / "territory"
MEL = "200093201"
TOY_EPCI = "999999999"


def _square(lon: float, lat: float, half: float) -> shapely.Polygon:
    return shapely.box(lon - half, lat - half, lon + half, lat + half)


@pytest.fixture(scope="module")
def toy_communes() -> gpd.GeoDataFrame:
    """A city of 120,000, a split town of 25,000, a small town and a village."""
    town = shapely.MultiPolygon([_square(3.20, 50.60, 0.02), _square(3.26, 50.60, 0.015)])
    rows = [
        ("59901", "Grandeville", 120_000, _square(3.10, 50.62, 0.04)),
        ("59902", "Les Deux-Rives", 25_000, town),
        ("59903", "Moyenbourg", 6_000, _square(3.10, 50.52, 0.02)),
        ("59904", "Petit-Hameau", 300, _square(3.20, 50.52, 0.01)),
    ]
    return gpd.GeoDataFrame(
        [(insee, name, TOY_EPCI, pop, geom) for insee, name, pop, geom in rows],
        columns=["insee", "name", "epci_siren", "population", "geometry"],
        crs=4326,
    )


@pytest.fixture(scope="module")
def toy(toy_communes) -> DemoTerritory:
    return generate_demo(toy_communes, [TOY_EPCI], seed=7)


@pytest.fixture(scope="module")
def urh_communes() -> gpd.GeoDataFrame:
    """The real communes of the seven URH EPCI, old polygon codes mapped to current communes."""
    polygons = gpd.read_file(DATA / "communes.geojson")
    merged = pd.read_csv(DATA / "communes-fusionnees.csv", dtype=str)
    polygons["code"] = polygons["code"].replace(
        dict(zip(merged.code_2018, merged.code_actuel, strict=True))
    )
    cog = pd.DataFrame(json.loads((DATA / "communes-cog.json").read_text()))
    cog = cog[cog["siren_epci"].isin(URH_EPCI)].rename(
        columns={"code": "insee", "nom": "name", "siren_epci": "epci_siren"}
    )
    shapes = polygons[polygons["code"].isin(cog["insee"])].dissolve("code").reset_index()
    frame = shapes.merge(cog, left_on="code", right_on="insee")
    return frame[["insee", "name", "epci_siren", "population", "geometry"]]


@pytest.fixture(scope="module")
def urh(urh_communes) -> tuple[DemoTerritory, float]:
    start = time.perf_counter()
    demo = generate_demo(urh_communes)
    return demo, time.perf_counter() - start


def _in_qpv(demo: DemoTerritory) -> np.ndarray:
    x, y = demo.residences.geometry.x.to_numpy(), demo.residences.geometry.y.to_numpy()
    inside = np.zeros(len(x), dtype=bool)
    for geom in demo.qpv.geometry:
        inside |= shapely.contains_xy(geom, x, y)
    return inside


def _both_sides(campaign) -> pd.DataFrame:
    return campaign.grades.pivot(index="code", columns="side", values="value").dropna()


def _luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(d if i % 2 == 0 else (2 * d - 9 if d > 4 else 2 * d) for i, d in enumerate(digits))
    return total % 10 == 0


def test_same_seed_gives_the_same_territory(toy_communes, toy):
    again = generate_demo(toy_communes, [TOY_EPCI], seed=7)
    pd.testing.assert_frame_equal(toy.residences, again.residences)
    pd.testing.assert_frame_equal(toy.qpv, again.qpv)
    pd.testing.assert_frame_equal(toy.allocations, again.allocations)
    pd.testing.assert_frame_equal(toy.vacancies, again.vacancies)
    for first, second in zip(toy.campaigns, again.campaigns, strict=True):
        pd.testing.assert_frame_equal(first.grades, second.grades)
        pd.testing.assert_frame_equal(first.harmonised, second.harmonised)
    other = generate_demo(toy_communes, [TOY_EPCI], seed=8)
    assert other.residences.geometry.to_wkt().tolist() != toy.residences.geometry.to_wkt().tolist()


def test_a_commune_does_not_change_when_other_epci_are_added(urh_communes, urh):
    alone = generate_demo(urh_communes, ["200070993"])
    together = urh[0].residences
    pd.testing.assert_frame_equal(
        alone.residences.reset_index(drop=True),
        together[together.epci_siren == "200070993"].reset_index(drop=True),
    )


def test_residences_lie_inside_their_commune(toy_communes, toy, urh_communes, urh):
    for communes, demo in ((toy_communes, toy), (urh_communes, urh[0])):
        shapes = communes.set_index("insee").geometry
        residences = demo.residences
        assert (residences.geom_type == "Point").all()
        inside = shapely.contains(
            shapes.loc[residences["commune_insee"]].to_numpy(), residences.geometry.to_numpy()
        )
        assert inside.all()


def test_residences_concentrate_in_cities(toy):
    per_commune = toy.residences["commune_insee"].value_counts()
    assert per_commune["59901"] > 4 * per_commune.get("59903", 0)
    assert per_commune.get("59904", 0) <= 3
    assert (
        toy.residences.loc[toy.residences.commune_insee == "59902", "geometry"]
        .within(shapely.box(3.235, 50.58, 3.28, 50.62))
        .any()
    ), "the detached part of a split commune also holds residences"


def test_codes_are_unique_and_labels_say_demo(toy, urh):
    for demo in (toy, urh[0]):
        codes = demo.residences["code"]
        assert codes.is_unique
        assert codes.str.fullmatch(r"DEMO-\d{5}-\d{4}").all()
        assert (codes.str[5:10] == demo.residences["commune_insee"]).all()
        assert demo.residences["bailleur"].str.contains("(démo)", regex=False).all()
        assert demo.qpv["code"].is_unique
        assert demo.qpv["name"].str.startswith("Quartier démo ").all()
    assert urh[0].residences["code"].iloc[0] == "DEMO-62004-0001"
    assert urh[0].residences["address"].str.fullmatch(r"\d+ \w.+").all()


def test_fake_landlords_can_never_be_real_companies():
    assert len(LANDLORDS) == len({landlord.siren for landlord in LANDLORDS}) == 12
    for landlord in LANDLORDS:
        assert re.fullmatch(r"9\d{8}", landlord.siren)
        assert not _luhn_valid(landlord.siren), landlord.name
        assert landlord.name.endswith("(démo)")


def test_each_epci_has_four_to_seven_unequal_landlords(toy, urh):
    for demo in (toy, urh[0]):
        for _, residences in demo.residences.groupby("epci_siren"):
            shares = residences.groupby("bailleur")["nb_logements"].sum()
            assert 4 <= len(shares) <= 7
            assert shares.max() > 1.5 * shares.min()


def test_demo_qpv_are_valid_multipolygons_within_their_commune(
    toy_communes, toy, urh_communes, urh
):
    for communes, demo in ((toy_communes, toy), (urh_communes, urh[0])):
        qpv = demo.qpv
        assert (qpv.geom_type == "MultiPolygon").all()
        assert qpv.is_valid.all()
        shapes = communes.set_index("insee").geometry
        own = gpd.GeoSeries(shapes.loc[[c[0] for c in qpv["communes"]]].to_numpy(), crs=4326)
        outside = qpv.geometry.reset_index(drop=True).difference(own).to_crs(2154).area
        assert outside.max() < 1.0
        area_km2 = qpv.to_crs(2154).area / 1e6
        assert area_km2.between(0.05, 3).all()
        number = qpv["name"].str.extract(r"^Quartier démo (\d) \(.+\)$")[0]
        assert (qpv["code"] == "DEMO-" + qpv["communes"].str[0] + "-" + number).all()
    assert set(toy.qpv["code"].str[5:10]) >= {"59901", "59902"}
    assert "59904" not in set(toy.qpv["code"].str[5:10])


def test_big_cities_have_one_to_four_demo_qpv(urh):
    per_commune = urh[0].qpv["code"].str[5:10].value_counts()
    for insee in ("59350", "59512", "59599", "62498", "59606", "62041", "80001"):
        assert 1 <= per_commune.get(insee, 0) <= 4, insee
    assert per_commune["59350"] == 4


def test_volumes_match_the_urh_territory(urh):
    demo, _ = urh
    per_epci = demo.residences.groupby("epci_siren")["nb_logements"].agg(["size", "sum"])
    assert 3_500 <= per_epci.loc[MEL, "size"] <= 4_500
    assert per_epci.loc[MEL, "sum"] >= 100_000
    assert 8_000 <= per_epci["size"].sum() <= 12_000
    dwellings = demo.residences["nb_logements"]
    assert dwellings.between(10, 60).mean() > 0.5
    assert dwellings.max() >= 200


def test_about_a_fifth_of_dwellings_lie_in_demo_qpv(urh):
    demo, _ = urh
    dwellings = demo.residences["nb_logements"]
    share = dwellings[_in_qpv(demo)].sum() / dwellings.sum()
    assert 0.12 <= share <= 0.25
    mel = demo.residences["epci_siren"].to_numpy() == MEL
    mel_share = dwellings[_in_qpv(demo) & mel].sum() / dwellings[mel].sum()
    assert 0.15 <= mel_share <= 0.30


def test_mel_campaigns_diverge_and_cover_like_the_real_one(urh):
    demo, _ = urh
    current, previous, _ = (c for c in demo.campaigns if c.epci_siren == MEL)
    assert (current.name, current.status, current.year) == ("MEL 2026", "harmonisation", 2026)
    assert (previous.name, previous.status, previous.year) == ("MEL 2025", "closed", 2025)
    dwellings = demo.residences.set_index("code")["nb_logements"]
    mel_dwellings = dwellings[demo.residences.set_index("code")["epci_siren"] == MEL].sum()
    for campaign in (current, previous):
        both = _both_sides(campaign)
        divergent = both[both["commune"] != both["bailleur"]]
        assert 0.15 <= len(divergent) / len(both) <= 0.25
        assert 0.60 <= dwellings[both.index].sum() / mel_dwellings <= 0.80
        assert set(campaign.harmonised["code"]) <= set(divergent.index)
    both = _both_sides(current)
    divergent = both[both["commune"] != both["bailleur"]]
    assert 0.2 <= len(current.harmonised) / len(divergent) <= 0.5
    assert set(_both_sides(previous).query("commune != bailleur").index) == set(
        previous.harmonised["code"]
    )


def test_grades_are_on_the_scale_and_evolve_slightly(urh):
    demo, _ = urh
    for campaign in demo.campaigns:
        assert campaign.grades["value"].between(1, 4).all()
        assert set(campaign.grades["side"]) == {"commune", "bailleur"}
        assert not campaign.grades.duplicated(["code", "side"]).any()
        assert campaign.harmonised["rationale"].str.startswith("Accord en séance : ").all()
        comments = campaign.grades["comment"]
        assert 0 < comments.notna().mean() < 0.1
        assert comments.map(lambda text: text is None or isinstance(text, str)).all()
    current, previous, _ = (c for c in demo.campaigns if c.epci_siren == MEL)
    now = current.grades.set_index(["code", "side"])["value"]
    before = previous.grades.set_index(["code", "side"])["value"]
    common = now.index.intersection(before.index)
    changed = (now[common] != before[common]).mean()
    assert 0.05 <= changed <= 0.4
    improved = (now[common] > before[common]).sum()
    assert improved > (now[common] < before[common]).sum() > 0


def test_fragile_grades_concentrate_in_demo_qpv(urh):
    demo, _ = urh
    agreed = _both_sides(next(c for c in demo.campaigns if c.epci_siren == MEL)).min(axis=1)
    in_qpv = pd.Series(_in_qpv(demo), index=demo.residences["code"])[agreed.index]
    assert agreed[in_qpv].mean() < agreed[~in_qpv].mean() - 0.5


def test_allocations_are_consistent_counts(toy, urh):
    for demo in (toy, urh[0]):
        assert list(demo.allocations.columns) == ["code", "year", "total", "q1", "priority", "pru"]
        assert set(demo.allocations["year"]) == {2025, 2026}  # last year, and this year so far
        for year, allocations in demo.allocations.groupby("year"):
            assert allocations["code"].tolist() == demo.residences["code"].tolist()
            counts = allocations[["total", "q1", "priority", "pru"]]
            assert (counts >= 0).all().all()
            assert (allocations["q1"] + allocations["pru"] <= allocations["total"]).all()
            assert (allocations["priority"] <= allocations["total"]).all()
            turnover = allocations["total"].sum() / demo.residences["nb_logements"].sum()
            assert 0.05 * (10 / 12 if year == 2026 else 1) <= turnover <= 0.12


def last_year(demo: DemoTerritory) -> pd.DataFrame:
    return demo.allocations[demo.allocations["year"] == 2025].reset_index(drop=True)


def test_allocations_leave_room_for_rebalancing(urh):
    demo, _ = urh
    allocations = last_year(demo).assign(
        in_qpv=_in_qpv(demo), commune=demo.residences["commune_insee"].to_numpy()
    )
    outside = allocations[~allocations["in_qpv"]]
    per_commune = outside.groupby("commune")[["q1", "pru", "total"]].sum()
    per_commune = per_commune[per_commune["total"] >= 50]
    rate = (per_commune["q1"] + per_commune["pru"]) / per_commune["total"]
    assert 0.2 <= (rate < 0.25).mean() <= 0.8
    overall = (outside["q1"] + outside["pru"]).sum() / outside["total"].sum()
    assert 0.18 <= overall <= 0.30
    qpv_codes = np.full(len(demo.residences), "", dtype=object)
    points = demo.residences.geometry
    for code, geom in zip(demo.qpv["code"], demo.qpv.geometry, strict=True):
        qpv_codes[shapely.contains_xy(geom, points.x, points.y)] = code
    inside = last_year(demo).assign(qpv=qpv_codes)[qpv_codes != ""]
    per_qpv = inside.groupby("qpv")[["q1", "total"]].sum()
    other_than_q1 = 1 - per_qpv["q1"] / per_qpv["total"]
    assert 0.5 <= (other_than_q1 > 0.5).mean() < 1
    priority = demo.allocations["priority"].sum() / demo.allocations["total"].sum()
    assert 0.2 <= priority <= 0.3


def test_one_epci_campaign_is_being_graded(toy, urh):
    demo, _ = urh
    grading = [c for c in demo.campaigns if c.status == "grading"]
    assert [(c.epci_siren, c.name, c.year) for c in grading] == [(MEL, "MEL 2027", 2027)]
    (campaign,) = grading
    assert campaign.harmonised.empty
    mel = demo.residences[demo.residences["epci_siren"] == MEL]
    by_side = campaign.grades.groupby("side")["code"].nunique() / len(mel)
    assert 0.3 <= by_side["commune"] <= 0.5 and 0.4 <= by_side["bailleur"] <= 0.65
    assert {c.status for c in demo.campaigns} == {"grading", "harmonisation", "closed"}
    assert [c.status for c in toy.campaigns] == ["harmonisation", "closed", "grading"]


def test_a_few_residences_declare_vacant_dwellings(toy, urh):
    for demo in (toy, urh[0]):
        vacancies = demo.vacancies.merge(demo.residences, on="code")
        assert len(vacancies) == len(demo.vacancies) and vacancies["code"].is_unique
        assert 0 < len(vacancies) <= max(6 * demo.residences["epci_siren"].nunique(),
                                         0.015 * len(demo.residences))  # fmt: skip
        assert (vacancies["dwellings"].between(1, 3)).all()
        assert (vacancies["dwellings"] <= vacancies["nb_logements"]).all()
        days = pd.to_datetime(vacancies["declared_on"])
        assert days.min() >= pd.Timestamp("2026-10-01") and days.max() < pd.Timestamp("2026-11-15")
    assert set(urh[0].vacancies.merge(urh[0].residences, on="code")["epci_siren"]) == set(URH_EPCI)


def test_generation_is_fast(urh):
    assert urh[1] < 20
