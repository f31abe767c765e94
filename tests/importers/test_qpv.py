"""QPV import on the real Occitanie perimeters: repair, placement of residences, all or nothing."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point
from sqlalchemy import text

from app.core.settings import PROJECT_ROOT
from app.importers.qpv import import_qpv
from app.importers.residences import import_residences
from app.importers.territory import import_communes
from geo.report import ImportRejected

QPV_FILE = PROJECT_ROOT / "data" / "qpv" / "qpv-2015-occitanie.geojson"
OCCITANIE_COMMUNES = PROJECT_ROOT / "data" / "territory" / "communes-occitanie-qpv.geojson"


@pytest.fixture
def occitanie(engine):
    with engine.begin() as conn:
        import_communes(conn, OCCITANIE_COMMUNES)
    return engine


def residences_around_a_qpv(tmp_path: Path) -> tuple[Path, str]:
    """One residence inside QPV QP066007 (Perpignan), one 250 m east of its eastmost vertex,
    one 2 km east."""
    qpv = gpd.read_file(QPV_FILE)
    shape = qpv[qpv.code_qp == "QP066007"].to_crs(2154).geometry.iloc[0].buffer(0)
    polygons = getattr(shape, "geoms", [shape])
    east, middle = max((xy for poly in polygons for xy in poly.exterior.coords), key=lambda c: c[0])
    points = gpd.GeoSeries(
        [shape.representative_point(), Point(east + 250, middle), Point(east + 2000, middle)],
        crs=2154,
    ).to_crs(4326)
    rows = ["code,name,bailleur,commune_insee,nb_logements,lon,lat"]
    for code, point in zip(("IN", "NEAR", "FAR"), points, strict=True):
        rows.append(f"{code},Résidence {code},Logis Sud,66136,20,{point.x:.7f},{point.y:.7f}")
    path = tmp_path / "perpignan.csv"
    path.write_text("\n".join(rows) + "\n")
    return path, "QP066007"


def test_real_occitanie_file_is_imported_and_repaired(occitanie, tmp_path):
    with occitanie.begin() as conn:
        summary = import_qpv(conn, QPV_FILE)
    assert summary.imported == 105
    assert summary.vintage == "2015"
    assert summary.repaired > 0
    with occitanie.connect() as conn:
        valid = conn.execute(
            text("SELECT count(*) FROM qpv WHERE ST_IsValid(geom) AND source = 'official'")
        ).scalar_one()
        name = conn.execute(text("SELECT name FROM qpv WHERE code = 'QP066007'")).scalar_one()
    assert valid == 105
    assert name == "Bas-Vernet Nouveau QPV"


def test_residences_are_placed_and_replaced_when_qpv_change(occitanie, tmp_path):
    path, code = residences_around_a_qpv(tmp_path)
    with occitanie.begin() as conn:
        import_residences(conn, path)
    with occitanie.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM residence WHERE qpv_code IS NOT NULL"))
        assert before.scalar_one() == 0
    with occitanie.begin() as conn:
        summary = import_qpv(conn, QPV_FILE)
    assert summary.residences_in_qpv == 1
    with occitanie.connect() as conn:
        rows = {
            r.code: r
            for r in conn.execute(
                text("SELECT code, qpv_code, distance_qpv_m, near_qpv_300m FROM residence")
            )
        }
    assert rows["IN"].qpv_code == code and rows["IN"].distance_qpv_m == 0
    assert rows["NEAR"].qpv_code is None
    assert rows["NEAR"].distance_qpv_m == pytest.approx(250, abs=5)
    assert rows["NEAR"].near_qpv_300m
    assert rows["FAR"].distance_qpv_m > 1500 and not rows["FAR"].near_qpv_300m


def test_lambert93_shapefile_gives_the_same_perimeters(occitanie, tmp_path):
    shp = tmp_path / "qpv_l93.shp"
    gpd.read_file(QPV_FILE).to_crs(2154).to_file(shp)
    with occitanie.begin() as conn:
        summary = import_qpv(conn, shp)
    assert summary.imported == 105
    with occitanie.connect() as conn:
        area = conn.execute(
            text("SELECT ST_Area(geom::geography) FROM qpv WHERE code = 'QP066007'")
        ).scalar_one()
    reference = gpd.read_file(QPV_FILE).to_crs(2154)
    expected = reference[reference.code_qp == "QP066007"].geometry.buffer(0).area.iloc[0]
    assert area == pytest.approx(expected, rel=0.01)


def test_a_bad_qpv_file_writes_nothing(occitanie, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"code_qp":"QP066007","nom_qp":"A"},"geometry":null},'
        '{"type":"Feature","properties":{"code_qp":"PAS-UN-CODE","nom_qp":"B"},"geometry":'
        '{"type":"Polygon","coordinates":[[[2.9,42.7],[2.91,42.7],[2.91,42.71],[2.9,42.7]]]}}]}'
    )
    with pytest.raises(ImportRejected) as rejected, occitanie.begin() as conn:
        import_qpv(conn, bad)
    assert {e.line for e in rejected.value.errors} == {1, 2}
    with occitanie.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM qpv")).scalar_one() == 0
