from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

from geo.crs import LAMBERT93, WGS84
from geo.polygons import to_multipolygon
from geo.readers import FileFormatError
from geo.territory import read_communes

MEL = "200093201"


def test_every_current_commune_has_a_polygon(territory):
    communes = territory.communes
    assert len(communes) == 3782
    assert communes.crs == WGS84
    assert list(communes.columns) == [
        "insee",
        "name",
        "departement",
        "epci_siren",
        "population",
        "geometry",
    ]
    assert communes["insee"].is_unique
    assert communes.geometry.notna().all()
    assert not communes.geometry.is_empty.any()
    assert communes.geometry.is_valid.all()
    assert (communes.geom_type == "MultiPolygon").all()
    lille = communes.set_index("insee").loc["59350"]
    assert (lille["name"], lille["departement"], lille["epci_siren"]) == ("Lille", "59", MEL)


def test_merged_communes_are_mapped_and_unioned(territory, territory_dir):
    assert territory.merged_polygons == 26
    assert territory.unmatched_polygons == []
    aliases = territory.aliases.set_index("old_code")
    assert len(aliases) == 26
    assert aliases.loc["62549", ["old_name", "insee", "status"]].tolist() == [
        "Marconne",
        "62447",
        "commune-deleguee",
    ]
    # Hesdin-la-Forêt absorbed Huby-Saint-Leu, Marconne and Sainte-Austreberthe
    polygons = gpd.read_file(territory_dir / "communes.geojson").set_index("code").to_crs(LAMBERT93)
    pieces = polygons.loc[["62447", "62461", "62549", "62743"]].area.sum()
    merged = territory.communes.set_index("insee").to_crs(LAMBERT93).loc["62447"].geometry
    assert merged.area == pytest.approx(pieces, rel=0.001)


def test_epci_with_polygons(territory):
    epci = territory.epci
    assert len(epci) == 92
    assert list(epci.columns) == ["siren", "name", "kind", "population", "geometry"]
    assert (epci.geom_type == "MultiPolygon").all() and epci.geometry.is_valid.all()
    assert epci["kind"].value_counts().to_dict() == {"CC": 64, "CA": 25, "CU": 2, "METRO": 1}
    mel = epci.set_index("siren").loc[MEL]
    assert mel["name"] == "Métropole Européenne de Lille"
    assert (territory.communes["epci_siren"] == MEL).sum() == 95
    lille = territory.communes.set_index("insee").loc["59350"].geometry
    assert mel.geometry.contains(lille.representative_point())


def test_read_communes_from_a_lambert93_shapefile(tmp_path, territory):
    sample = territory.communes.set_index("insee").loc[["02001", "59350", "62447"]]
    exported = gpd.GeoDataFrame(
        {"INSEE_COM": ["2001", "59350", "62447"], "NOM": list(sample["name"])},
        geometry=list(sample.geometry),
        crs=WGS84,
    ).to_crs(LAMBERT93)
    exported.to_file(tmp_path / "communes.shp")
    communes = read_communes(tmp_path / "communes.shp")
    assert communes.crs == WGS84
    assert list(communes["insee"]) == ["02001", "59350", "62447"]
    assert list(communes["name"]) == list(sample["name"])
    assert (communes.geom_type == "MultiPolygon").all()
    for got, expected in zip(communes.geometry, sample.geometry, strict=True):
        assert got.symmetric_difference(expected).area < 1e-9


def test_read_communes_needs_code_and_name(tmp_path, territory):
    frame = territory.communes.head(2)[["insee", "geometry"]]
    frame.to_file(tmp_path / "c.geojson", driver="GeoJSON")
    with pytest.raises(FileFormatError, match="code INSEE"):
        read_communes(tmp_path / "c.geojson")


def test_to_multipolygon_keeps_polygonal_parts_only():
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    repaired = to_multipolygon(bowtie)
    assert isinstance(repaired, MultiPolygon) and repaired.is_valid
    assert len(repaired.geoms) == 2 and repaired.area == pytest.approx(2.0)
    mixed = GeometryCollection([Polygon([(0, 0), (1, 0), (1, 1)]), LineString([(5, 5), (6, 6)])])
    assert to_multipolygon(mixed).equals(MultiPolygon([Polygon([(0, 0), (1, 0), (1, 1)])]))
    assert to_multipolygon(Point(1, 1)) is None
    assert to_multipolygon(None) is None
