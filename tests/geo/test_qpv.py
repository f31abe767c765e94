from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping

from geo.crs import LAMBERT93, WGS84
from geo.qpv import QpvRecord, check_against_list, code_vintage, read_qpv

PUBLISHED_INVALID = 32
"""Invalid perimeters in the Occitanie file as published (self-intersections and the like)."""


def areas_m2(records: list[QpvRecord]) -> dict[str, float]:
    frame = gpd.GeoSeries([r.geometry for r in records], crs=WGS84).to_crs(LAMBERT93)
    return {r.code: area for r, area in zip(records, frame.area, strict=True)}


def test_real_occitanie_file_is_read_and_repaired(occitanie_qpv, occitanie_qpv_path):
    raw = gpd.read_file(occitanie_qpv_path)
    assert int((~raw.is_valid).sum()) == PUBLISHED_INVALID
    assert occitanie_qpv.errors == []
    assert len(occitanie_qpv.records) == 105
    assert occitanie_qpv.repaired == PUBLISHED_INVALID
    assert (occitanie_qpv.vintage, occitanie_qpv.source_crs) == ("2015", WGS84)
    for record in occitanie_qpv.records:
        assert isinstance(record.geometry, MultiPolygon)
        assert record.geometry.is_valid and not record.geometry.is_empty
    first = occitanie_qpv.records[0]
    assert (first.line, first.code, first.name) == (1, "QP066007", "Bas-Vernet Nouveau QPV")
    assert (first.communes, first.commune_names) == (["66136"], ["Perpignan"])
    # repair keeps the published surface: at most a sliver changes
    repaired = dict(zip(raw["code_qp"], raw.to_crs(LAMBERT93).area, strict=True))
    for code, area in areas_m2(occitanie_qpv.records).items():
        assert area == pytest.approx(repaired[code], rel=0.01)


SHAPEFILE_WARNINGS = (
    "ignore:Column names longer than 10 characters",
    "ignore:Normalized/laundered field name",
)


@pytest.mark.filterwarnings(*SHAPEFILE_WARNINGS)
@pytest.mark.parametrize(("driver", "name"), [("GeoJSON", "qpv.geojson"), (None, "qpv.shp")])
def test_lambert93_copy_gives_the_same_perimeters(
    tmp_path, occitanie_qpv, occitanie_qpv_path, driver, name
):
    raw = gpd.read_file(occitanie_qpv_path)
    raw.to_crs(LAMBERT93).to_file(tmp_path / name, driver=driver)
    lambert = read_qpv(tmp_path / name)
    assert lambert.errors == []
    assert lambert.source_crs == LAMBERT93
    assert lambert.vintage == "2015"
    assert lambert.repaired == PUBLISHED_INVALID
    expected = areas_m2(occitanie_qpv.records)
    got = areas_m2(lambert.records)
    assert list(got) == list(expected)
    for code, area in got.items():
        assert area == pytest.approx(expected[code], rel=0.005), code


@pytest.mark.filterwarnings(*SHAPEFILE_WARNINGS)
def test_crs_override_and_guess_for_a_shapefile_without_prj(tmp_path, occitanie_qpv_path):
    raw = gpd.read_file(occitanie_qpv_path).head(5)
    raw.to_crs(LAMBERT93).to_file(tmp_path / "qpv.shp")
    (tmp_path / "qpv.prj").unlink()
    guessed = read_qpv(tmp_path / "qpv.shp")
    assert guessed.source_crs == LAMBERT93 and len(guessed.records) == 5
    declared = read_qpv(tmp_path / "qpv.shp", crs="l93")
    assert declared.source_crs == LAMBERT93
    wrong = read_qpv(tmp_path / "qpv.shp", crs="wgs84")
    assert wrong.records == []
    assert {e.message for e in wrong.errors} == {
        "coordonnées en Lambert-93 alors que le système déclaré est WGS84 (EPSG:4326)"
    }


def square(lon: float, lat: float, size: float = 0.005) -> Polygon:
    return Polygon([(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)])


def feature(properties: dict, geometry) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": None if geometry is None else mapping(geometry),
    }


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_2024_file_with_upper_case_columns_and_row_errors(tmp_path):
    bowtie = Polygon([(3.05, 50.62), (3.06, 50.63), (3.06, 50.62), (3.05, 50.63)])
    path = write_geojson(
        tmp_path / "qpv2024.geojson",
        [
            feature(
                {"CODE_QP": "QN05920M", "LIB_QP": "Lille Sud", "INSEE_COM": "59350, 59360"},
                square(3.04, 50.61),
            ),
            feature({"CODE_QP": "QN05921M", "LIB_QP": "Papillon", "INSEE_COM": "59350"}, bowtie),
            feature(
                {"CODE_QP": "QN05920M", "LIB_QP": "Doublon", "INSEE_COM": "59350"},
                square(3.1, 50.6),
            ),
            feature(
                {"CODE_QP": "ZZ123", "LIB_QP": "Hors liste", "INSEE_COM": "59350"},
                square(3.1, 50.6),
            ),
            feature({"CODE_QP": "QN05922N", "LIB_QP": "Sans contour", "INSEE_COM": "59350"}, None),
            feature(
                {"CODE_QP": "QN05923I", "LIB_QP": "Point", "INSEE_COM": "593"}, Point(3.1, 50.6)
            ),
            feature(
                {"CODE_QP": "QP059020", "LIB_QP": "Ancien", "INSEE_COM": "59350"}, square(3.2, 50.6)
            ),
        ],
    )
    qpv = read_qpv(path)
    assert qpv.vintage == "2024"
    assert [(r.code, r.communes) for r in qpv.records] == [
        ("QN05920M", ["59350", "59360"]),
        ("QN05921M", ["59350"]),
    ]
    assert qpv.repaired == 1
    assert shapely.area(qpv.records[1].geometry) == pytest.approx(0.00005, rel=1e-6)
    assert [(e.line, e.column, e.message) for e in qpv.errors] == [
        (3, "CODE_QP", "code en double (déjà présent ligne 1)"),
        (
            4,
            "CODE_QP",
            "code QPV non reconnu (attendu QN05920M pour la liste 2024, QP059020 pour 2015)",
        ),
        (5, "géométrie", "géométrie absente"),
        (6, "INSEE_COM", "code INSEE de commune invalide"),
        (6, "géométrie", "géométrie de type Point : un polygone est attendu"),
        (7, "CODE_QP", "code de la liste 2015 dans un fichier de la liste 2024"),
    ]


def test_missing_columns_and_tabular_files_are_file_errors(tmp_path):
    path = write_geojson(tmp_path / "q.geojson", [feature({"nom": "x"}, square(3, 50))])
    qpv = read_qpv(path)
    assert qpv.records == [] and qpv.errors[0].line is None
    assert "code_qp" in qpv.errors[0].message
    csv_path = tmp_path / "q.csv"
    csv_path.write_text("code_qp;lib_qp\nQN05920M;Lille Sud\n")
    assert "ne contient pas de périmètres" in read_qpv(csv_path).errors[0].message


def test_code_vintage():
    assert code_vintage("QN05920M") == "2024"
    assert code_vintage("QN02A01I") == "2024"
    assert code_vintage("QP059020") == "2015"
    assert code_vintage("QN0592M") is None
    assert code_vintage("QP59020") is None


def record(code: str, name: str, communes: list[str]) -> QpvRecord:
    return QpvRecord(1, code, name, communes, MultiPolygon([square(3, 50)]))


def test_check_against_the_official_2024_list(qpv_list_2024):
    warnings = check_against_list(
        [
            record("QN05901M", "AUBY CENTRE", ["59028"]),
            record("QN05903M", "Résidence Gayant", ["59178"]),
            record("QN05908M", "Les Épis du Nord", ["59569"]),
            record("QN05909M", "Waziers Centre", ["59350"]),
            record("QN05999N", "Inventé", []),
            record("QN03401M", "Hors région", []),
            record("QP059020", "Ancien zonage", []),
        ],
        qpv_list_2024,
    )
    assert warnings == [
        "QN05908M : nom « Les Épis du Nord » différent de la liste officielle « Les Epis »",
        "QN05909M : la liste officielle le place dans la commune 59654 (Waziers), absente du "
        "fichier (59350)",
        "QN05999N « Inventé » : code absent de la liste officielle 2024",
    ]
