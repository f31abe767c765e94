"""`qualiparc import territory --epci/--departement/--region`: the national reference loaded for an
area, with ADMIN EXPRESS polygons; re-imports after mergers and EPCI changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from app.auth.accounts import create_account
from app.cli import cli
from app.core.settings import PROJECT_ROOT, get_settings
from app.importers.reference import import_reference_territory, reference_directory
from app.importers.residences import import_residences
from geo.reference import read_reference
from tests.territory_files import (
    BLAGNAC,
    COLOMIERS,
    COMMUNES,
    CUGNAUX,
    EDITIONS,
    MERGED_V2,
    MURET,
    MURETAIN,
    SIDE,
    SUBSET_V2,
    TOULOUSE,
    TOULOUSE_METROPOLE,
    TOURNEFEUILLE,
    write_admin_express,
    write_reference,
)


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def area_km2(engine, sql: str, **params) -> float:
    return scalar(engine, f"SELECT ST_Area(({sql})::geography) / 1e6", **params)


def squares_km2(count: int) -> float:
    """`count` squares of tests/territory_files.py, in km² as Lambert-93 measures them."""
    return count * (SIDE / 1000) ** 2


@pytest.mark.parametrize("edition", EDITIONS)
def test_an_epci_from_an_empty_database_with_admin_express(
    empty_engine, reference_dir, tmp_path, edition
):
    contours = write_admin_express(tmp_path / "ign", edition)
    with empty_engine.begin() as conn:
        summary = import_reference_territory(conn, epci=[TOULOUSE_METROPOLE], contours=contours)
    assert summary.reference == "@etalab/decoupage-administratif 6.0.0, millésime 2026"
    assert (summary.communes, summary.epci, summary.departements, summary.regions) == (5, 1, 1, 1)
    assert summary.with_polygon == 5 and summary.warnings == []
    with empty_engine.connect() as conn:
        communes = dict(conn.execute(text("SELECT insee, epci_siren FROM commune")).all())
        epci = conn.execute(text("SELECT siren, name, kind, population FROM epci")).one()
        places = conn.execute(
            text("SELECT d.name, r.name FROM departement d JOIN region r ON r.code = d.region_code")
        ).one()
        population = conn.execute(
            text("SELECT population FROM commune WHERE insee = :c"), {"c": BLAGNAC}
        ).scalar_one()
    assert communes == dict.fromkeys(
        [TOULOUSE, COLOMIERS, TOURNEFEUILLE, BLAGNAC, CUGNAUX], TOULOUSE_METROPOLE
    )
    assert tuple(epci) == (TOULOUSE_METROPOLE, "Toulouse Métropole", "METRO", 606531)
    assert tuple(places) == ("Haute-Garonne", "Occitanie")
    assert population is None
    outline = area_km2(empty_engine, "SELECT geom FROM epci WHERE siren = :s", s=TOULOUSE_METROPOLE)
    assert outline == pytest.approx(squares_km2(5), rel=0.01)


def test_the_vintage_is_shown_and_kept_in_the_audit_log(empty_engine, reference_dir, tmp_path):
    contours = write_admin_express(tmp_path / "ign", "4.0-gpkg")
    result = CliRunner().invoke(
        cli, ["import", "territory", "--departement", "31", "--contours", str(contours)]
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Référentiel @etalab/decoupage-administratif 6.0.0, millésime 2026" in output
    assert "département 31 Haute-Garonne" in output
    assert "6 communes, 2 EPCI, 1 département, 1 région ; 0 anciens codes" in output
    with empty_engine.connect() as conn:
        target, details = conn.execute(
            text("SELECT target, details FROM audit_log WHERE action = 'import.territoire'")
        ).one()
    assert target == "31"
    assert (details["version"], details["year"]) == ("6.0.0", 2026)
    assert details["contours"].endswith("couche commune")


def test_a_wrong_choice_or_a_missing_reference_says_what_to_do(empty_engine, reference_dir):
    result = CliRunner().invoke(cli, ["import", "territory", "--epci", "toulouse"])
    assert result.exit_code == 1
    assert "peut-être : 243100518 Toulouse Métropole" in " ".join(result.output.split())
    (reference_dir / "data" / "communes.json").unlink()
    result = CliRunner().invoke(cli, ["import", "territory", "--epci", TOULOUSE_METROPOLE])
    output = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "référentiel administratif national absent" in output
    assert "scripts/setup.sh" in output
    assert "Traceback" not in output
    assert scalar(empty_engine, "SELECT count(*) FROM commune") == 0


def write_residences(path: Path, rows: list[tuple[str, str]]) -> Path:
    """One residence per (code, commune), at the centre of the commune's square."""
    lines = ["code,name,bailleur,commune_insee,nb_logements,lon,lat"]
    for code, commune in rows:
        point = COMMUNES[commune].point()
        lines.append(f"{code},Résidence {code},Promologis,{commune},40,{point.x:.6f},{point.y:.6f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_new_vintage_merges_communes_and_moves_them_between_epci(
    empty_engine, reference_dir, tmp_path, monkeypatch
):
    contours = write_admin_express(tmp_path / "ign", "3.2-shp")
    with empty_engine.begin() as conn:
        import_reference_territory(conn, departements=["31"], contours=contours)
        import_residences(
            conn,
            write_residences(
                tmp_path / "r.csv", [("BLA", BLAGNAC), ("CUG", CUGNAUX), ("TOU", TOULOUSE)]
            ),
        )
        create_account(conn, "mairie@blagnac.test", "commune", [BLAGNAC])
        square = "ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(:x, :y), 4326), 0.001))"
        point = COMMUNES[BLAGNAC].point()
        conn.execute(
            text(
                "INSERT INTO qpv (code, name, communes, source, vintage, geom) VALUES"
                f" ('QN03199N', 'Quartier (test)', ARRAY[:c], 'official', '2024', {square});"
            ),
            {"c": BLAGNAC, "x": point.x, "y": point.y},
        )
        conn.execute(
            text(
                "INSERT INTO iris (code, name, commune_insee, geom) VALUES"
                f" ('310690101', 'Iris (test)', :c, {square})"
            ),
            {"c": BLAGNAC, "x": point.x, "y": point.y},
        )
    v2 = write_reference(tmp_path / "v2", SUBSET_V2, MERGED_V2, version="7.0.0", year=2027)
    monkeypatch.setenv("QUALIPARC_REFERENCE_DIR", str(v2))
    get_settings.cache_clear()
    with empty_engine.begin() as conn:
        summary = import_reference_territory(conn, departements=["31"])
    assert summary.reference.endswith("7.0.0, millésime 2027")
    assert summary.residences_moved == 1
    assert any("31069 Blagnac → 31557" in w for w in summary.warnings)
    assert any("mairie@blagnac.test" in w for w in summary.warnings)
    with empty_engine.connect() as conn:
        placed = dict(
            (code, (commune, epci))
            for code, commune, epci in conn.execute(
                text("SELECT code, commune_insee, epci_siren FROM residence")
            )
        )
        alias = conn.execute(
            text("SELECT insee, old_name, status FROM commune_alias WHERE old_code = :c"),
            {"c": BLAGNAC},
        ).one()
        communes = set(conn.execute(text("SELECT insee FROM commune")).scalars())
        qpv_communes = conn.execute(text("SELECT communes FROM qpv")).scalar_one()
        iris_commune = conn.execute(text("SELECT commune_insee FROM iris")).scalar_one()
    assert (qpv_communes, iris_commune) == ([TOURNEFEUILLE], TOURNEFEUILLE)
    assert placed == {
        "BLA": (TOURNEFEUILLE, TOULOUSE_METROPOLE),
        "CUG": (CUGNAUX, MURETAIN),
        "TOU": (TOULOUSE, TOULOUSE_METROPOLE),
    }
    assert tuple(alias) == (TOURNEFEUILLE, "Blagnac", "commune-deleguee")
    assert communes == {TOULOUSE, COLOMIERS, TOURNEFEUILLE, CUGNAUX, MURET}
    # no contour file this time: the polygons follow the merger and the memberships
    tournefeuille = "SELECT geom FROM commune WHERE insee = :c"
    assert area_km2(empty_engine, tournefeuille, c=TOURNEFEUILLE) == pytest.approx(
        squares_km2(2), rel=0.01
    )
    for siren, count in ((TOULOUSE_METROPOLE, 4), (MURETAIN, 2)):
        outline = area_km2(empty_engine, "SELECT geom FROM epci WHERE siren = :s", s=siren)
        assert outline == pytest.approx(squares_km2(count), rel=0.01)
    # a file still written with the old code is placed in the current commune, with a warning
    with empty_engine.begin() as conn:
        late = import_residences(conn, write_residences(tmp_path / "late.csv", [("BL2", BLAGNAC)]))
    assert "rattaché à la commune actuelle 31557 Tournefeuille" in late.warnings[0]


def test_the_shipped_hauts_de_france_territory_is_untouched(engine, reference_dir, tmp_path):
    """The template holds the shipped Hauts-de-France data; a new area is loaded beside it."""
    before = scalar(engine, "SELECT md5(string_agg(c::text, ',' ORDER BY insee)) FROM commune c")
    epci_before = scalar(engine, "SELECT md5(string_agg(e::text, ',' ORDER BY siren)) FROM epci e")
    contours = write_admin_express(tmp_path / "ign", "3.2-shp", codes=[TOULOUSE, MURET])
    with engine.begin() as conn:
        summary = import_reference_territory(conn, epci=[MURETAIN], contours=contours)
    assert summary.communes == 1
    assert (
        scalar(
            engine,
            "SELECT md5(string_agg(c::text, ',' ORDER BY insee)) FROM commune c WHERE insee <> :m",
            m=MURET,
        )
        == before
    )
    assert (
        scalar(
            engine,
            "SELECT md5(string_agg(e::text, ',' ORDER BY siren)) FROM epci e WHERE siren <> :m",
            m=MURETAIN,
        )
        == epci_before
    )


def test_the_build_installs_the_pinned_national_reference(empty_engine):
    """reference/package.json pins the package; scripts/setup.sh installs and copies it."""
    pinned = json.loads((PROJECT_ROOT / "reference" / "package.json").read_text())
    version = pinned["dependencies"]["@etalab/decoupage-administratif"]
    directory = reference_directory()
    assert directory == get_settings().reference_dir
    reference = read_reference(directory)
    assert reference.vintage.version == version and reference.vintage.year is not None
    assert len(reference.communes) > 34_000 and len(reference.epci) > 1_200
    with empty_engine.begin() as conn:
        summary = import_reference_territory(conn, epci=[TOULOUSE_METROPOLE])
    assert summary.communes == len(reference.epci[TOULOUSE_METROPOLE].members) > 30
    assert "sans contour" in summary.warnings[-1] and "--contours" in summary.warnings[-1]
    assert scalar(empty_engine, "SELECT name FROM commune WHERE insee = :c", c=TOULOUSE) == (
        "Toulouse"
    )
