"""The fields each import reads, and the column names accepted for each of them.

Column names vary between landlords, tools and official files, so each field accepts several
names, matched without case, accents, spaces or underscores (`geo.readers.find_column`); the
first accepted name is the field's own, which `--column champ=colonne` and the help texts use.
This module holds data only, so that the command line can list the fields without loading the
readers.
"""

from __future__ import annotations

from collections.abc import Mapping

Fields = Mapping[str, tuple[str, ...]]
"""Field name → column names accepted for it, most usual first."""

RESIDENCE_FIELDS: Fields = {
    "code": (
        "code",
        "code_residence",
        "identifiant",
        "id_residence",
        "num_residence",
        "numero_residence",
        "code_programme",
        "ref_residence",
        "reference",
        "id",
    ),
    "name": (
        "name",
        "nom",
        "nom_residence",
        "libelle",
        "libelle_residence",
        "nom_programme",
        "residence",
    ),
    "bailleur": (
        "bailleur",
        "nom_bailleur",
        "bailleur_nom",
        "organisme",
        "nom_organisme",
        "raison_sociale",
    ),
    "bailleur_siren": ("bailleur_siren", "siren_bailleur", "siren", "siren_organisme"),
    "commune_insee": (
        "commune_insee",
        "code_insee",
        "insee",
        "depcom",
        "code_commune",
        "insee_com",
        "codgeo",
    ),
    "nb_logements": (
        "nb_logements",
        "nb_logement",
        "nb_lgt",
        "nb_lgts",
        "nb_logts",
        "nb_log",
        "nombre_logements",
        "nombre_de_logements",
        "logements",
    ),
    "x": ("x", "x_l93", "coord_x", "x_lambert93", "coordonnee_x"),
    "y": ("y", "y_l93", "coord_y", "y_lambert93", "coordonnee_y"),
    "lon": ("lon", "longitude", "lng", "long", "x_wgs84"),
    "lat": ("lat", "latitude", "y_wgs84"),
    "address": ("address", "adresse", "adresse_residence", "adresse_complete"),
    "note_commune": ("note_commune", "note_ville", "note_mairie"),
    "note_bailleur": ("note_bailleur", "note_organisme"),
}

IRIS_FIELDS: Fields = {
    "code": ("code_iris", "dcomiris", "iris_code", "iris", "code"),
    "name": (
        "nom_iris",
        "lib_iris",
        "libiris",
        "libelle_iris",
        "iris_name",
        "name",
        "nom",
        "libelle",
    ),
}
"""INSEE's CONTOURS-IRIS (`CODE_IRIS`, `NOM_IRIS`), its older `DCOMIRIS`/`LIB_IRIS`, and the
plain names of hand-made or converted files. `IRIS` alone is last: in CONTOURS-IRIS it holds the
four-digit part of the code, never used when `CODE_IRIS` is there."""

ALLOCATION_FIELDS: Fields = {
    "code": ("code", "code_residence", "residence", "id_residence"),
    "total": ("total", "attributions", "nb_attributions"),
    "q1": ("q1", "premier_quartile", "1er_quartile", "quartile_1"),
    "priority": ("priority", "prioritaires", "dalo", "publics_prioritaires"),
    "pru": ("pru", "relogements_pru", "anru", "renouvellement_urbain"),
}

VACANCY_FIELDS: Fields = {
    "code": RESIDENCE_FIELDS["code"],
    "dwellings": (
        "logements_vacants",
        "nb_logements_vacants",
        "vacants",
        "nb_vacants",
        "nombre_vacants",
        "nombre_de_logements_vacants",
        "vacance",
        "vacances",
        "dwellings",
    ),
    "date": (
        "date",
        "date_vacance",
        "date_de_vacance",
        "date_declaration",
        "vacant_depuis",
        "depuis",
        "declared_on",
    ),
}
"""A landlord's list of vacancies: the residence's code, its vacant dwellings, the date."""


def field_list(fields: Fields) -> str:
    """The field names as a French list: "code, name, bailleur…"."""
    return ", ".join(fields)


def column_help(fields: Fields, example: str) -> str:
    """The help of a `--column` option: the syntax, an example and every field name."""
    return (
        f"Colonne du fichier pour un champ, répétable : champ=colonne, ex. {example}. "
        f"Champs : {field_list(fields)}."
    )
