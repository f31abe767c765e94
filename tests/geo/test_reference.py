"""The national reference as `@etalab/decoupage-administratif` ships it, and the chosen area."""

from __future__ import annotations

import pytest

from geo.reference import ReferenceError, read_reference, select_area
from tests.territory_files import (
    BLAGNAC,
    COLOMIERS,
    CUGNAUX,
    LILLE,
    MEL,
    MERGED_V2,
    MURET,
    MURETAIN,
    SUBSET_V2,
    TOULOUSE,
    TOULOUSE_METROPOLE,
    TOURNEFEUILLE,
    write_reference,
)


@pytest.fixture
def reference(tmp_path):
    return read_reference(write_reference(tmp_path / "ref"))


def test_vintage_is_the_package_version_and_its_year(tmp_path):
    reference = read_reference(write_reference(tmp_path / "r", version="5.3.0", year=2025))
    assert (reference.vintage.version, reference.vintage.year) == ("5.3.0", 2025)
    assert reference.vintage.label() == "@etalab/decoupage-administratif 5.3.0, millésime 2025"


def test_communes_epci_and_their_members(reference):
    toulouse = reference.communes[TOULOUSE]
    assert (toulouse.name, toulouse.departement, toulouse.region) == ("Toulouse", "31", "76")
    assert toulouse.epci_siren == TOULOUSE_METROPOLE and toulouse.population == 514819
    assert reference.communes[BLAGNAC].population is None
    metropole = reference.epci[TOULOUSE_METROPOLE]
    assert (metropole.name, metropole.kind) == ("Toulouse Métropole", "METRO")
    assert TOULOUSE in metropole.members and len(metropole.members) == 5
    assert reference.departements["31"].region == "76"
    assert reference.regions["76"].name == "Occitanie"


def test_old_codes_and_arrondissements_are_aliases(tmp_path):
    reference = read_reference(write_reference(tmp_path / "v2", SUBSET_V2, MERGED_V2))
    assert BLAGNAC not in reference.communes
    aliases = {a.old_code: a for a in reference.aliases}
    assert (aliases[BLAGNAC].insee, aliases[BLAGNAC].old_name) == (TOURNEFEUILLE, "Blagnac")
    assert aliases[BLAGNAC].status == "commune-deleguee"
    assert (aliases["13201"].insee, aliases["13201"].status) == (
        "13055",
        "arrondissement-municipal",
    )
    assert reference.communes[CUGNAUX].epci_siren == MURETAIN


def test_an_epci_brings_its_communes_departement_and_region(reference):
    area = select_area(reference, epci=[TOULOUSE_METROPOLE])
    assert [c.insee for c in area.communes] == sorted(
        [TOULOUSE, COLOMIERS, TOURNEFEUILLE, BLAGNAC, CUGNAUX]
    )
    assert [e.siren for e in area.epci] == [TOULOUSE_METROPOLE]
    assert [d.code for d in area.departements] == ["31"]
    assert [r.code for r in area.regions] == ["76"]
    assert area.description == "EPCI 243100518 Toulouse Métropole"
    assert area.added_by_epci == []


def test_departements_and_regions_by_code_or_name(reference):
    by_code = select_area(reference, departements=["31"])
    by_name = select_area(reference, regions=["occitanie"])
    assert [c.insee for c in by_code.communes] == [c.insee for c in by_name.communes]
    assert {e.siren for e in by_code.epci} == {TOULOUSE_METROPOLE, MURETAIN}
    assert LILLE not in {c.insee for c in by_code.communes}
    assert by_name.description == "région 76 Occitanie"


def test_an_epci_across_a_border_is_kept_whole(tmp_path):
    members = {TOULOUSE_METROPOLE: [TOULOUSE, COLOMIERS, TOURNEFEUILLE, BLAGNAC, CUGNAUX]}
    members[MURETAIN] = [MURET, LILLE]  # a fictitious EPCI across two regions
    members[MEL] = []
    reference = read_reference(write_reference(tmp_path / "x", members))
    area = select_area(reference, departements=["Haute-Garonne"])
    assert LILLE in {c.insee for c in area.communes}
    assert area.added_by_epci == [LILLE]
    assert [d.code for d in area.departements] == ["31", "59"]


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"epci": ["toulouse"]}, "peut-être : 243100518 Toulouse Métropole"),
        ({"epci": ["123456789"]}, "EPCI 123456789 absent du référentiel"),
        ({"departements": ["99"]}, "département inconnu du référentiel : 99"),
        ({"regions": ["Bretagne", "Corse"]}, "régions inconnues du référentiel : Bretagne, Corse"),
        ({}, "choisissez au moins un EPCI"),
    ],
)
def test_an_unknown_choice_is_named_in_french(reference, choice, message):
    with pytest.raises(ReferenceError, match=message):
        select_area(reference, **choice)


def test_a_missing_reference_file_is_named(tmp_path):
    directory = write_reference(tmp_path / "ref")
    (directory / "data" / "epci.json").unlink()
    with pytest.raises(ReferenceError, match=r"epci\.json absent"):
        read_reference(directory)
