"""The access policy every route declares: who may call it, and what it may reveal.

A route states its policy as a dependency (`dependencies=[ANYONE_NOTHING]`, …). The dependency
refuses callers outside the policy (401 anonymous, 403 wrong role) before the handler runs;
`tests/access/test_route_policies.py` walks every route and checks, for every role in every
campaign phase, that no grade leaves what the policy and the gate allow. A route without a
policy fails that test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Depends
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends as Dependency

from app.auth.deps import OptionalPrincipal
from app.auth.roles import ROLE_LABELS, Role
from app.core.errors import Forbidden, NotAuthenticated


class Reveals(StrEnum):
    """What a route may reveal of the grades."""

    NOTHING = "nothing"
    """No grade, no figure derived from grades, no grading progress."""
    GRADES = "grades"
    """Residence-level grades, history and progress, exactly as `app.access.gate` allows them to
    the caller in the campaign's phase."""
    AGGREGATES = "aggregates"
    """Figures over units (QPV, IRIS, commune, EPCI), under statistical secrecy for callers
    without residence-level rights, and residence-level grades as the gate allows."""


def _label(role: Role) -> str:
    label = ROLE_LABELS[role]
    return label[0].lower() + label[1:]


@dataclass(frozen=True)
class AccessPolicy:
    """A route's declared policy; as a FastAPI dependency it lets only its callers through."""

    reveals: Reveals
    roles: frozenset[Role] | None = None
    """The roles that may call the route; None: anyone, anonymous visitors included."""

    def __call__(self, principal: OptionalPrincipal) -> None:
        if self.roles is None:
            return
        if principal is None:
            raise NotAuthenticated("Connexion requise.")
        if principal.role not in self.roles:
            allowed = ", ".join(_label(role) for role in Role if role in self.roles)
            raise Forbidden(
                f"Votre rôle ({_label(principal.role)}) ne permet pas cette action, "
                f"réservée aux comptes : {allowed}."
            )

    @property
    def signed_in(self) -> bool:
        return self.roles is not None


def declare(policy: AccessPolicy) -> Dependency:
    """`dependencies=[declare(policy)]` on a route."""
    dependency: Dependency = Depends(policy)
    return dependency


ALL_ROLES = frozenset(Role)
GRADING_ROLES = frozenset({Role.ADMIN, Role.COMMUNE, Role.BAILLEUR})
VIEWING_ROLES = frozenset({Role.ADMIN, Role.ELU, Role.READER})

ANYONE_NOTHING = declare(AccessPolicy(Reveals.NOTHING))
"""Public, and free of grades: territory, QPV, health, static pages."""
ANYONE_GRADES = declare(AccessPolicy(Reveals.GRADES))
"""Public, residence grades only to signed-in callers as the gate allows (the map layer)."""
ANYONE_AGGREGATES = declare(AccessPolicy(Reveals.AGGREGATES))
"""Public published aggregates under secrecy; more to signed-in partners (quartiers)."""
SIGNED_IN_NOTHING = declare(AccessPolicy(Reveals.NOTHING, ALL_ROLES))
SIGNED_IN_GRADES = declare(AccessPolicy(Reveals.GRADES, ALL_ROLES))
SIGNED_IN_AGGREGATES = declare(AccessPolicy(Reveals.AGGREGATES, ALL_ROLES))
GRADERS_GRADES = declare(AccessPolicy(Reveals.GRADES, GRADING_ROLES))
"""Communes, landlords and EPCI administrators: grading and grade-sheet import."""
GRADERS_NOTHING = declare(AccessPolicy(Reveals.NOTHING, GRADING_ROLES))
"""Communes, landlords and EPCI administrators: the commission's vacancies and decisions."""
VIEWERS_GRADES = declare(AccessPolicy(Reveals.GRADES, VIEWING_ROLES))
"""Administrators, élus and readers: the meeting screens, the élu view and its prints."""
ADMIN_GRADES = declare(AccessPolicy(Reveals.GRADES, frozenset({Role.ADMIN})))
ADMIN_NOTHING = declare(AccessPolicy(Reveals.NOTHING, frozenset({Role.ADMIN})))


def declared_policy(dependencies: Sequence[Dependant]) -> AccessPolicy | None:
    """The one policy among a route's dependencies (`route.dependant.dependencies`), if any."""
    found = [d.call for d in dependencies if isinstance(d.call, AccessPolicy)]
    return found[0] if len(found) == 1 else None
