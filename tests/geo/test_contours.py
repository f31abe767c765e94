"""Commune polygons from IGN ADMIN EXPRESS of every edition, and from any polygon file."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from geo.contours import find_layers, read_commune_contours, union_by_commune
from geo.crs import LAMBERT93, WGS84
from geo.readers import FileFormatError
from tests.territory_files import (
    BLAGNAC,
    COMMUNES,
    EDITIONS,
    LILLE,
    MEL,
    MURETAIN,
    TOULOUSE,
    TOULOUSE_METROPOLE,
    TOURNEFEUILLE,
    write_admin_express,
)


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_edition_gives_codes_names_populations_and_epci(tmp_path, edition):
    commune_layer, epci_layer = find_layers(write_admin_express(tmp_path, edition))
    assert epci_layer is not None
    contours = read_commune_contours(commune_layer)
    assert contours.errors == []
    assert contours.source_crs == LAMBERT93
    by_code = {c.insee: c for c in contours.communes}
    assert set(by_code) == set(COMMUNES)
    toulouse = by_code[TOULOUSE]
    assert (toulouse.name, toulouse.population) == ("Toulouse", 514819)
    assert (toulouse.departement, toulouse.epci_siren) == ("31", TOULOUSE_METROPOLE)
    assert by_code[LILLE].epci_siren == MEL  # « 200093201/200057867 »: the first SIREN
    assert by_code[BLAGNAC].population in (None, 0)
    expected = gpd.GeoSeries([COMMUNES[TOULOUSE].square()], crs=LAMBERT93).to_crs(WGS84)
    assert toulouse.geometry.symmetric_difference(expected.iloc[0]).area < 1e-10


def test_the_geopackage_layers_are_found_by_name(tmp_path):
    path = write_admin_express(tmp_path, "4.0-gpkg")
    communes, epci = find_layers(path)
    assert (communes.layer, epci.layer if epci else None) == ("commune", "epci")
    assert communes.label.endswith("couche commune")
    departements, none = find_layers(path, "DEPARTEMENT")
    assert departements.layer == "departement" and none is None
    with pytest.raises(FileFormatError, match="pas de couche « canton »"):
        find_layers(path, "canton")


def test_a_delivery_folder_leads_to_its_commune_shapefile(tmp_path):
    write_admin_express(tmp_path / "livraison", "3.2-shp")
    communes, epci = find_layers(tmp_path / "livraison")
    assert communes.source.name == "COMMUNE.shp"
    assert epci is not None and epci.source.name == "EPCI.shp"
    write_admin_express(tmp_path / "livraison" / "autre", "2.0-shp")
    with pytest.raises(FileFormatError, match=r"un seul GeoPackage ou un seul COMMUNE\.shp"):
        find_layers(tmp_path / "livraison")


@pytest.mark.parametrize("edition", EDITIONS)
def test_only_the_kept_communes_are_read(tmp_path, edition):
    commune_layer, _ = find_layers(write_admin_express(tmp_path, edition))
    contours = read_commune_contours(commune_layer, keep={TOULOUSE, TOURNEFEUILLE})
    assert sorted(c.insee for c in contours.communes) == sorted([TOULOUSE, TOURNEFEUILLE])


def test_a_commune_of_the_commune_layer_never_takes_its_own_siren_for_an_epci(tmp_path):
    commune_layer, _ = find_layers(write_admin_express(tmp_path, "4.0-gpkg"))
    contours = read_commune_contours(commune_layer)
    assert contours.columns["epci"] == "codes_siren_des_epci"
    assert {c.epci_siren for c in contours.communes} == {TOULOUSE_METROPOLE, MURETAIN, MEL}


def test_null_point_and_line_geometries_are_row_errors_in_french(tmp_path):
    frame = gpd.GeoDataFrame(
        {"INSEE_COM": ["31555", "31149", "31557", "31069"], "NOM": ["A", "B", "C", "D"]},
        geometry=[
            box(1.40, 43.58, 1.45, 43.62),
            None,
            Point(1.3, 43.6),
            LineString([(1.2, 43.5), (1.3, 43.6)]),
        ],
        crs=WGS84,
    )
    path = tmp_path / "communes.geojson"
    frame.to_file(path, driver="GeoJSON")
    layer, _ = find_layers(path)
    contours = read_commune_contours(layer)
    assert [c.insee for c in contours.communes] == ["31555"]
    described = [e.describe() for e in contours.errors]
    assert described == [
        "ligne 2, colonne « géométrie » : géométrie absente",
        "ligne 3, colonne « géométrie » : géométrie de type Point : un polygone est attendu",
        "ligne 4, colonne « géométrie » : géométrie de type LineString : un polygone est attendu",
    ]


def test_bad_codes_and_populations_are_row_errors(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code_insee": ["3155", "ABCDE", None], "population": ["12 000", "beaucoup", "3"]},
        geometry=[box(1.40, 43.58, 1.45, 43.62)] * 3,
        crs=WGS84,
    )
    frame.to_file(tmp_path / "c.gpkg", driver="GPKG")
    layer, _ = find_layers(tmp_path / "c.gpkg")
    contours = read_commune_contours(layer)
    assert [(c.insee, c.population, c.name) for c in contours.communes] == [("03155", 12000, None)]
    assert [e.describe() for e in contours.errors] == [
        "ligne 2, colonne « code_insee » : valeur « ABCDE » : code INSEE invalide",
        "ligne 2, colonne « population » : valeur « beaucoup » : « beaucoup » n'est pas un nombre",
        "ligne 3, colonne « code_insee » : code INSEE manquant",
    ]


def test_a_file_without_insee_code_lists_its_columns(tmp_path):
    gpd.GeoDataFrame({"ident": ["1"]}, geometry=[box(1.4, 43.5, 1.5, 43.6)], crs=WGS84).to_file(
        tmp_path / "c.geojson", driver="GeoJSON"
    )
    layer, _ = find_layers(tmp_path / "c.geojson")
    with pytest.raises(FileFormatError, match="colonnes du fichier : ident"):
        read_commune_contours(layer)


def test_old_codes_are_unioned_into_the_current_commune(tmp_path):
    commune_layer, _ = find_layers(write_admin_express(tmp_path, "3.2-shp"))
    contours = read_commune_contours(commune_layer, keep={TOURNEFEUILLE, BLAGNAC})
    polygons, merged = union_by_commune(contours.communes, {BLAGNAC: TOURNEFEUILLE})
    assert list(polygons) == [TOURNEFEUILLE] and merged == {BLAGNAC: TOURNEFEUILLE}
    two = gpd.GeoSeries([COMMUNES[TOURNEFEUILLE].square(), COMMUNES[BLAGNAC].square()], crs=2154)
    area = gpd.GeoSeries([polygons[TOURNEFEUILLE]], crs=WGS84).to_crs(2154).area.iloc[0]
    assert area == pytest.approx(two.area.sum(), rel=1e-6)
