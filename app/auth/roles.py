"""Roles and what each may do; one place for the permission rules."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    """EPCI administrator: runs its EPCI's campaigns, harmonises, manages accounts."""
    COMMUNE = "commune"
    """Grades the residences located in its commune(s)."""
    BAILLEUR = "bailleur"
    """Grades its own residences."""
    ELU = "elu"
    """Elected official: reads its territory."""
    READER = "reader"
    """Reads its territory."""


ROLE_LABELS = {
    Role.ADMIN: "Administrateur EPCI",
    Role.COMMUNE: "Commune",
    Role.BAILLEUR: "Bailleur",
    Role.ELU: "Élu",
    Role.READER: "Lecteur",
}

GRADING_SIDE = {Role.COMMUNE: "commune", Role.BAILLEUR: "bailleur"}
"""The side of the grade an account of this role gives."""

ALL_EPCI = "*"
"""The EPCI scope of an administrator of every EPCI: always explicit (`--scope '*'`), never the
default of an administrator created without scope, who administers nothing."""
