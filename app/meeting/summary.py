"""The summary of the harmonisation day: each slot's decisions with their rationales and who took
them, and the divergences carried over to the follow-up date.

Until the administrator signs the day off it is a draft, read from the grades as they stand. The
sign-off copies every divergent residence's outcome and slot (`meeting_day_outcome`), records who
and when in the audit log, and from then on the summary is final: later decisions (at the follow-up
meeting) do not change it. Either way, a caller reads only the residences the gate lets it see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.core import events
from app.core.audit import record
from app.core.errors import Conflict, InvalidParameter
from app.meeting.day import Day, load_day, timetable, writable_day
from app.meeting.divergences import DivergentResidence, divergent_residences
from app.meeting.timetable import PairKey, Slot

LOCAL_TIME = ZoneInfo("Europe/Paris")
"""The clock of the partners' documents (the database keeps UTC)."""

SIGNED_SQL = """
    SELECT o.slot_number, o.room, o.slot_start, o.slot_minutes, r.code, r.name, r.nb_logements,
           r.commune_insee, c.name AS commune_name, b.name AS bailleur, o.commune_grade,
           o.bailleur_grade, o.agreed_grade, o.rationale, o.decided_by, o.decided_at, r.is_demo
    FROM meeting_day_outcome o
    JOIN campaign ca ON ca.id = o.campaign_id
    JOIN residence r ON r.id = o.residence_id
    JOIN bailleur b ON b.id = r.bailleur_id
    JOIN commune c ON c.insee = r.commune_insee
    WHERE o.campaign_id = :campaign AND {visible}
"""
OUTCOME_INSERT = text(
    """
    INSERT INTO meeting_day_outcome (campaign_id, residence_id, slot_number, room, slot_start,
        slot_minutes, commune_grade, bailleur_grade, agreed_grade, rationale, decided_by,
        decided_at)
    SELECT :campaign, r.id, :number, :room, :start, :minutes, :commune_grade, :bailleur_grade,
           :agreed_grade, :rationale, :decided_by, :decided_at
    FROM residence r WHERE r.code = :code
    """
)


@dataclass(frozen=True)
class Outcome:
    """What became of one divergent residence by the end of the day."""

    code: str
    name: str
    nb_logements: int
    commune_grade: int
    bailleur_grade: int
    agreed_grade: int | None
    """None: still divergent, carried over to the follow-up date."""
    rationale: str | None
    decided_by: str | None
    decided_at: datetime | None
    is_demo: bool

    @property
    def carried_over(self) -> bool:
        return self.agreed_grade is None

    @property
    def decided_text(self) -> str:
        """« Marie Dupont, 12/06/2026 10:42 » in French local time."""
        if self.decided_at is None:
            return self.decided_by or ""
        moment = self.decided_at.astimezone(LOCAL_TIME)
        return f"{self.decided_by or 'non renseigné'}, {moment:%d/%m/%Y %H:%M}"

    @property
    def gap(self) -> int:
        return abs(self.commune_grade - self.bailleur_grade)

    @classmethod
    def of(cls, residence: DivergentResidence) -> Outcome:
        return cls(
            residence.code,
            residence.name,
            residence.nb_logements,
            residence.commune_grade,
            residence.bailleur_grade,
            residence.harmonised_grade,
            residence.rationale,
            residence.decided_by,
            residence.decided_at,
            residence.is_demo,
        )


@dataclass(frozen=True)
class SummarySlot:
    number: int
    room: int
    start: time | None
    minutes: int
    commune_insee: str
    commune_name: str
    bailleur: str
    outcomes: tuple[Outcome, ...]

    @property
    def decided(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.carried_over]

    @property
    def carried_over(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.carried_over]


@dataclass(frozen=True)
class Summary:
    campaign: Campaign
    day: Day
    slots: tuple[SummarySlot, ...]

    @property
    def final(self) -> bool:
        return self.day.signed

    @property
    def outcomes(self) -> list[Outcome]:
        return [o for s in self.slots for o in s.outcomes]

    @property
    def decided(self) -> int:
        return sum(not o.carried_over for o in self.outcomes)

    @property
    def carried_over(self) -> list[tuple[SummarySlot, Outcome]]:
        return [(s, o) for s in self.slots for o in s.carried_over]

    @property
    def is_demo(self) -> bool:
        return any(o.is_demo for o in self.outcomes)

    @property
    def signed_text(self) -> str:
        """« Signé le 12/06/2026 à 17:42 par … », or that the summary is a draft."""
        day = self.day
        if day.signed_off_at is None:
            return "Projet : bilan non signé, il change encore avec chaque décision."
        moment = day.signed_off_at.astimezone(LOCAL_TIME)
        return f"Signé le {moment:%d/%m/%Y à %H:%M} par {day.signed_off_by or 'compte supprimé'}."

    def before_day(self, outcome: Outcome) -> bool:
        """Decided before the day started (at an earlier meeting, or agreed beforehand)."""
        started = self.day.started_at
        return bool(started and outcome.decided_at and outcome.decided_at < started)


def _ordered(outcomes: list[Outcome]) -> tuple[Outcome, ...]:
    """As in the meeting: the widest gap first, then the largest residences."""
    return tuple(sorted(outcomes, key=lambda o: (-o.gap, -o.nb_logements, o.code)))


def _draft(conn: Connection, principal: Principal, campaign: Campaign, day: Day) -> Summary:
    residences: dict[PairKey, list[Outcome]] = {}
    for residence in divergent_residences(conn, principal, campaign):
        key = (residence.commune_insee, residence.bailleur)
        residences.setdefault(key, []).append(Outcome.of(residence))
    slots = tuple(
        _summary_slot(slot, residences[slot.pair.key])
        for slot in timetable(conn, campaign, day)
        if slot.pair.key in residences
    )
    return Summary(campaign, day, slots)


def _summary_slot(slot: Slot, outcomes: list[Outcome]) -> SummarySlot:
    return SummarySlot(
        slot.number,
        slot.room,
        slot.start.time() if slot.start else None,
        slot.duration_min,
        slot.pair.commune_insee,
        slot.pair.commune_name,
        slot.pair.bailleur,
        _ordered(outcomes),
    )


def _signed(conn: Connection, principal: Principal, campaign: Campaign, day: Day) -> Summary:
    visible = Gate(principal).agreed(ca="ca")
    rows = conn.execute(
        text(SIGNED_SQL.format(visible=visible.sql)), visible.bind({"campaign": campaign.id})
    ).mappings()
    slots: dict[int, tuple[dict, list[Outcome]]] = {}
    for row in rows:
        _, outcomes = slots.setdefault(row["slot_number"], (dict(row), []))
        outcomes.append(Outcome(**{k: row[k] for k in Outcome.__dataclass_fields__}))
    return Summary(
        campaign,
        day,
        tuple(
            SummarySlot(
                number,
                head["room"],
                head["slot_start"],
                head["slot_minutes"],
                head["commune_insee"],
                head["commune_name"],
                head["bailleur"],
                _ordered(outcomes),
            )
            for number, (head, outcomes) in sorted(slots.items())
        ),
    )


def day_summary(conn: Connection, principal: Principal, campaign: Campaign) -> Summary:
    """The summary `principal` may read: final once signed, a draft before."""
    day = load_day(conn, campaign.id)
    return (_signed if day.signed else _draft)(conn, principal, campaign, day)


def sign_off(
    conn: Connection,
    principal: Principal,
    campaign: Campaign,
    *,
    follow_up_date: date | None,
    expected_version: int,
    today: date | None = None,
) -> Summary:
    """The administrator signs the day off: its summary is final, what is left is carried over
    to `follow_up_date` (required when something is left, after the day)."""
    day = writable_day(conn, principal, campaign, expected_version)
    if campaign.status != "harmonisation":
        raise Conflict(
            "Le bilan de la journée se signe pendant la phase d'harmonisation de la campagne."
        )
    draft = _draft(conn, principal, campaign, day)
    left = len(draft.carried_over)
    if left and follow_up_date is None:
        raise InvalidParameter(
            f"follow_up_date : obligatoire, {left} résidence{'s' if left > 1 else ''} "
            "divergente(s) reste(nt) à harmoniser : indiquez la date de leur reprise."
        )
    day_of = day.day_date or today or date.today()
    if follow_up_date is not None and follow_up_date <= day_of:
        raise InvalidParameter(
            f"follow_up_date : la reprise vient après la journée (après le {day_of:%d/%m/%Y})."
        )
    rows = [
        {
            "campaign": campaign.id,
            "number": slot.number,
            "room": slot.room,
            "start": slot.start,
            "minutes": slot.minutes,
            "code": o.code,
            "commune_grade": o.commune_grade,
            "bailleur_grade": o.bailleur_grade,
            "agreed_grade": o.agreed_grade,
            "rationale": o.rationale,
            "decided_by": o.decided_by,
            "decided_at": o.decided_at,
        }
        for slot in draft.slots
        for o in slot.outcomes
    ]
    if rows:
        conn.execute(OUTCOME_INSERT, rows)
    conn.execute(
        text(
            """
            INSERT INTO meeting_day (campaign_id, signed_off_at, signed_off_by, signed_off_label,
                                     follow_up_date)
            VALUES (:campaign, now(), :by, :label, :follow_up)
            ON CONFLICT (campaign_id) DO UPDATE SET signed_off_at = now(),
                signed_off_by = EXCLUDED.signed_off_by,
                signed_off_label = EXCLUDED.signed_off_label,
                follow_up_date = EXCLUDED.follow_up_date
            """
        ),
        {
            "campaign": campaign.id,
            "by": principal.id,
            "label": principal.label,
            "follow_up": follow_up_date,
        },
    )
    record(
        conn,
        "journee.signature",
        actor_id=principal.id,
        actor_label=principal.label,
        epci_siren=campaign.epci_siren,
        target=f"campagne {campaign.id} « {campaign.name} »",
        details={
            "decisions": draft.decided,
            "reportees": left,
            "reprise": follow_up_date.isoformat() if follow_up_date else None,
        },
    )
    events.publish(conn, campaign.id, {"type": "signed_off"})
    return day_summary(conn, principal, campaign)
