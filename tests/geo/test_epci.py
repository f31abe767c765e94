"""A local EPCI reference: tables of one row per EPCI or per member, JSON, ADMIN EXPRESS EPCI."""

from __future__ import annotations

import json

import pytest

from geo.epci import kind_of, read_epci_file
from geo.readers import FileFormatError
from tests.territory_files import (
    COLOMIERS,
    MURET,
    MURETAIN,
    TOULOUSE,
    TOULOUSE_METROPOLE,
    write_admin_express,
)


def test_one_row_per_epci_with_its_members_in_a_cell(tmp_path):
    path = tmp_path / "epci.csv"
    path.write_text(
        "siren;nom;nature;communes\n"
        f"{TOULOUSE_METROPOLE};Toulouse Métropole;Métropole;{TOULOUSE}, {COLOMIERS}\n"
        f"{MURETAIN};CA Le Muretain Agglo;CA;{MURET}\n",
        encoding="utf-8",
    )
    epci = read_epci_file(path)
    assert epci.errors == []
    assert [(r.siren, r.name, r.kind, r.members) for r in epci.records] == [
        (TOULOUSE_METROPOLE, "Toulouse Métropole", "METRO", [TOULOUSE, COLOMIERS]),
        (MURETAIN, "CA Le Muretain Agglo", "CA", [MURET]),
    ]


def test_one_row_per_member_as_the_dgcl_publishes_it(tmp_path):
    path = tmp_path / "epcicom2026.csv"
    path.write_text(
        "dept;siren;raison_sociale;nature_juridique;total_pop_mun;insee;nom_membre\n"
        f"31;{TOULOUSE_METROPOLE};Toulouse Métropole;METRO;832348;{TOULOUSE};Toulouse\n"
        f"31;{TOULOUSE_METROPOLE};Toulouse Métropole;METRO;832348;{COLOMIERS};Colomiers\n",
        encoding="utf-8",
    )
    (record,) = read_epci_file(path).records
    assert (record.siren, record.kind, record.population) == (TOULOUSE_METROPOLE, "METRO", 832348)
    assert record.members == [TOULOUSE, COLOMIERS]


def test_the_package_epci_json_is_read_as_is(tmp_path):
    path = tmp_path / "epci.json"
    item = {
        "code": TOULOUSE_METROPOLE,
        "nom": "Toulouse Métropole",
        "type": "METRO",
        "populationMunicipale": 832348,
        "membres": [{"code": TOULOUSE, "nom": "Toulouse"}, {"code": COLOMIERS}],
    }
    path.write_text(json.dumps([item]), encoding="utf-8")
    (record,) = read_epci_file(path).records
    assert (record.siren, record.name, record.population) == (
        TOULOUSE_METROPOLE,
        "Toulouse Métropole",
        832348,
    )
    assert record.members == [TOULOUSE, COLOMIERS]


@pytest.mark.parametrize("edition", ["2.0-shp", "3.2-shp", "4.0-gpkg"])
def test_the_admin_express_epci_layer_gives_outlines_names_and_kinds(tmp_path, edition):
    commune_file = write_admin_express(tmp_path, edition)
    epci = read_epci_file(
        commune_file.parent / "EPCI.shp" if edition.endswith("shp") else commune_file
    )
    assert epci.errors == []
    by_siren = {r.siren: r for r in epci.records}
    metropole = by_siren[TOULOUSE_METROPOLE]
    assert (metropole.name, metropole.kind, metropole.members) == (
        "Toulouse Métropole",
        "METRO",
        None,
    )
    assert metropole.geometry is not None and metropole.geometry.bounds[1] == pytest.approx(
        43.5, abs=0.3
    )
    assert by_siren[MURETAIN].kind == "CA"


def test_bad_rows_are_named(tmp_path):
    path = tmp_path / "epci.csv"
    path.write_text(
        "siren,nom,nature,communes\n"
        "24310051,Toulouse,METRO,31555\n"
        f"{MURETAIN},Muretain,Syndicat,{MURET}\n"
        f"{TOULOUSE_METROPOLE},Toulouse Métropole,METRO,31555 TOULOUSE\n",
        encoding="utf-8",
    )
    assert [e.describe() for e in read_epci_file(path).errors] == [
        "ligne 2, colonne « siren » : valeur « 24310051 » : SIREN invalide (9 chiffres attendus)",
        "ligne 3, colonne « nature » : valeur « Syndicat » : nature inconnue (attendue : CC, CA, "
        "CU, METRO, MET69 ou leur libellé)",
        "ligne 4, colonne « communes » : valeur « TOULOUSE » : code INSEE de commune invalide",
    ]


def test_a_table_without_siren_or_members_is_refused(tmp_path):
    path = tmp_path / "epci.csv"
    path.write_text("nom,communes\nToulouse,31555\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="colonne du SIREN"):
        read_epci_file(path)
    path.write_text(f"siren,nom\n{MURETAIN},Muretain\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="communes membres"):
        read_epci_file(path)


def test_kinds_by_code_or_french_name():
    assert kind_of("Communauté d'agglomération") == "CA"
    assert kind_of("communaute de communes") == "CC"
    assert kind_of("Métropole de Lyon") == "MET69"
    assert kind_of("cu") == "CU"
    assert kind_of("Syndicat mixte") is None
