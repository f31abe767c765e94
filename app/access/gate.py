"""The one gate every reader of grades goes through.

For a caller (an account, or None for an anonymous visitor) it answers:

- which campaign is shown by default: the latest campaign of each EPCI out of blind grading;
- which residences the caller reads at residence level (its scope);
- whose agreed grade, and which side's grades, it may read in each phase of a campaign:

  | phase                 | EPCI admin | commune / landlord         | élu, reader | anonymous |
  | --------------------- | ---------- | -------------------------- | ----------- | --------- |
  | preparation, grading  | everything | own side, own scope        | nothing     | nothing   |
  | harmonisation, closed | everything | both sides + agreed, scope | scope       | nothing   |

- which campaigns' aggregates it may compute (published ones for everybody once out of blind
  grading; its EPCI's for a partner; a blind campaign's only for its administrators).

The rules exist once, here, both as Python answers (`CampaignAccess`) and as SQL conditions
(`Gate`) whose campaign columns come from the query, so that one statement can cover campaigns of
several EPCI in different phases. `tests/access/` checks that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.sql import Condition
from app.auth.principal import Principal
from app.auth.roles import ALL_EPCI, Role
from geo.grades import SIDES

PHASES = ("preparation", "grading", "harmonisation", "closed")
BLIND_PHASES = ("preparation", "grading")
"""While grading, each side sees only its own grades, so that grading stays independent."""
SHOWN_PHASES = ("harmonisation", "closed")
"""Phases whose agreed grades are shown to the partners (and chosen by default on the map)."""

DEFAULT_CAMPAIGNS_SQL = f"""
    SELECT DISTINCT ON (dc.epci_siren) dc.id, dc.epci_siren, dc.status, dc.scale_labels,
           dc.published_level, dc.divergence_threshold
    FROM campaign dc
    WHERE dc.status IN {SHOWN_PHASES!r}
    ORDER BY dc.epci_siren, dc.year DESC, dc.id DESC
"""
"""The campaign each EPCI shows by default: its latest one out of blind grading."""

LEVEL_FINENESS = {"iris": 0, "qpv": 1, "commune": 2, "epci": 3}
"""Publishing the aggregates of a level publishes the coarser ones too."""


def default_campaign_id(conn: Connection, epci_siren: str) -> int | None:
    """The campaign an EPCI shows by default (None: none out of blind grading yet)."""
    sql = f"SELECT d.id FROM ({DEFAULT_CAMPAIGNS_SQL}) d WHERE d.epci_siren = :epci"
    return conn.execute(text(sql), {"epci": epci_siren}).scalar_one_or_none()


def administers(principal: Principal | None, epci_siren: str | None) -> bool:
    """An administrator of `epci_siren`: it is in the account's EPCI scope, or that scope holds
    the explicit marker of every EPCI (`*`). Without EPCI scope, an administrator administers
    nothing."""
    if principal is None or principal.role is not Role.ADMIN or epci_siren is None:
        return False
    scope = principal.scope("epci")
    return ALL_EPCI in scope or epci_siren in scope


def is_blind(status: str) -> bool:
    return status in BLIND_PHASES


def readable_sides(principal: Principal | None, epci_siren: str, status: str) -> tuple[str, ...]:
    """The sides whose grades the caller reads, on the residences of its scope."""
    if principal is None:
        return ()
    if administers(principal, epci_siren) or not is_blind(status):
        return SIDES
    return (principal.grading_side,) if principal.grading_side else ()


@dataclass(frozen=True)
class CampaignAccess:
    """What one caller may read of one campaign, as Python answers for the handlers."""

    principal: Principal | None
    epci_siren: str
    status: str

    @property
    def administers(self) -> bool:
        return administers(self.principal, self.epci_siren)

    @property
    def blind(self) -> bool:
        return is_blind(self.status)

    @property
    def sides(self) -> tuple[str, ...]:
        return readable_sides(self.principal, self.epci_siren, self.status)

    @property
    def joint(self) -> bool:
        """Agreed grades, divergences and both sides' progress may be read (within scope)."""
        return set(self.sides) == set(SIDES)

    @property
    def existence_known(self) -> bool:
        """Whether the caller may be told that a residence has no agreed grade yet."""
        return self.administers or not self.blind

    @property
    def grading_sides(self) -> tuple[str, ...]:
        """The sides the caller grades in this campaign's EPCI (whatever the phase)."""
        if self.administers:
            return SIDES
        if self.principal is not None and self.principal.grading_side:
            return (self.principal.grading_side,)
        return ()


class Gate:
    """The caller's rules as SQL conditions on residence `r`, landlord `b` and campaign `ca`."""

    def __init__(self, principal: Principal | None) -> None:
        self.principal = principal

    def campaign(self, epci_siren: str, status: str) -> CampaignAccess:
        return CampaignAccess(self.principal, epci_siren, status)

    def administers(self, epci_siren: str | None) -> bool:
        return administers(self.principal, epci_siren)

    # --- Scope ----------------------------------------------------------------------------------

    def residences(self, r: str = "r", b: str = "b") -> Condition:
        """Residences the caller reads at residence level (none for an anonymous visitor)."""
        p = self.principal
        if p is None:
            return Condition.false()
        epci, communes, bailleurs = (sorted(p.scope(k)) for k in ("epci", "commune", "bailleur"))
        if p.role is Role.ADMIN:
            return self.administered_epci(f"{r}.epci_siren")
        if p.role is Role.COMMUNE:
            return Condition(f"{r}.commune_insee = ANY(:gate_commune)", {"gate_commune": communes})
        if p.role is Role.BAILLEUR:
            return Condition(
                f"({b}.name = ANY(:gate_bailleur) OR {b}.siren = ANY(:gate_bailleur))",
                {"gate_bailleur": bailleurs},
            )
        return Condition(
            f"({r}.epci_siren = ANY(:gate_epci) OR {r}.commune_insee = ANY(:gate_commune))",
            {"gate_epci": epci, "gate_commune": communes},
        )

    def may_see_residence(self, conn: Connection, code: str) -> bool:
        scope = self.residences()
        sql = (
            "SELECT EXISTS (SELECT 1 FROM residence r JOIN bailleur b ON b.id = r.bailleur_id"
            f" WHERE r.code = :gate_code AND {scope.sql})"
        )
        return bool(conn.execute(text(sql), scope.bind({"gate_code": code})).scalar_one())

    def campaigns(self, ca: str = "ca") -> Condition:
        """Campaigns the caller may open (list, dashboard): those of the EPCI it works in."""
        p = self.principal
        if p is None:
            return Condition.false()
        if p.role is Role.ADMIN:
            return self._administered(ca)
        if p.role is Role.BAILLEUR:
            return Condition(
                "EXISTS (SELECT 1 FROM residence gr JOIN bailleur gb ON gb.id = gr.bailleur_id"
                f" WHERE gr.epci_siren = {ca}.epci_siren"
                " AND (gb.name = ANY(:gate_bailleur) OR gb.siren = ANY(:gate_bailleur)))",
                {"gate_bailleur": sorted(p.scope("bailleur"))},
            )
        return Condition(
            f"({ca}.epci_siren = ANY(:gate_epci) OR {ca}.epci_siren IN"
            " (SELECT epci_siren FROM commune WHERE insee = ANY(:gate_commune)))",
            {"gate_epci": sorted(p.scope("epci")), "gate_commune": sorted(p.scope("commune"))},
        )

    # --- Grades in each phase -------------------------------------------------------------------

    def administered_epci(self, column: str) -> Condition:
        """The EPCI SIREN in `column` is one the caller administers (as `administers`)."""
        p = self.principal
        if p is None or p.role is not Role.ADMIN:
            return Condition.false()
        epci = p.scope("epci")
        if ALL_EPCI in epci:
            return Condition.true()
        return Condition(f"{column} = ANY(:gate_epci)", {"gate_epci": sorted(epci)})

    def _administered(self, ca: str) -> Condition:
        return self.administered_epci(f"{ca}.epci_siren")

    def administered(self, alias: str) -> Condition:
        """Rows of `alias` (with an `epci_siren` column) of an EPCI the caller administers; an
        administrator of every EPCI also reads the rows of no EPCI."""
        return self._administered(alias)

    def _shown(self, ca: str) -> Condition:
        return Condition(f"{ca}.status IN {SHOWN_PHASES!r}")

    def existence_known(self, ca: str = "ca") -> Condition:
        """Campaigns of which the caller may learn whether a residence has an agreed grade."""
        return self._shown(ca).or_(self._administered(ca))

    def agreed(self, r: str = "r", b: str = "b", ca: str = "ca") -> Condition:
        """Residences whose agreed grade (and divergence) in campaign `ca` the caller reads."""
        if self.principal is None:
            return Condition.false()
        return self.residences(r, b).and_(self.existence_known(ca))

    def side(self, side: str, r: str = "r", b: str = "b", ca: str = "ca") -> Condition:
        """Residences whose `side` grade (and comment) in campaign `ca` the caller reads."""
        if self.principal is None:
            return Condition.false()
        phase = self.existence_known(ca)
        if self.principal.grading_side == side:
            phase = Condition.true()
        return self.residences(r, b).and_(phase)

    def grade_status(
        self, agreed_column: str, r: str = "r", b: str = "b", ca: str = "ca"
    ) -> tuple[str, str, dict[str, object]]:
        """SQL of the agreed grade as the caller sees it, and of its `grade_status`
        (`visible`, `hidden`, `none`: see geo/grades.py), over campaign `ca` (may be NULL)."""
        agreed = self.agreed(r, b, ca)
        known = self.existence_known(ca)
        grade = f"(CASE WHEN {agreed.sql} THEN {agreed_column} END)"
        status = f"""(CASE WHEN {ca}.id IS NULL THEN 'none'
            WHEN {agreed.sql} OR {known.sql}
                THEN (CASE WHEN {agreed_column} IS NULL THEN 'none'
                           WHEN {agreed.sql} THEN 'visible' ELSE 'hidden' END)
            ELSE 'hidden' END)"""
        return grade, status, agreed.bind(known.params)

    # --- Aggregates -----------------------------------------------------------------------------

    def aggregable(self, level: str, ca: str = "ca") -> Condition:
        """Campaigns whose aggregates at `level` the caller may compute: published ones once out
        of blind grading, those of an EPCI where it reads residences once out of blind grading,
        and blind ones for their administrators."""
        published_levels = [
            other for other, rank in LEVEL_FINENESS.items() if rank <= LEVEL_FINENESS[level]
        ]
        published = Condition(
            f"{ca}.published_level = ANY(:gate_published)", {"gate_published": published_levels}
        )
        public = self._shown(ca).and_(published)
        if self.principal is None:
            return public
        scope = self.residences("ar", "ab")
        partner = Condition(
            "EXISTS (SELECT 1 FROM residence ar JOIN bailleur ab ON ab.id = ar.bailleur_id"
            f" WHERE ar.epci_siren = {ca}.epci_siren AND {scope.sql})",
            scope.params,
        )
        return public.or_(self._shown(ca).and_(partner)).or_(self._administered(ca))
