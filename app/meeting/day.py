"""The harmonisation day of a campaign as stored: the administrator's settings and plan, when the
day started, its sign-off; and its agenda as each caller may read it.

A slot lasts the changeover plus so many minutes per residence the day has to decide. Until the
day starts (the facilitator's first residence on or after the day's date) that is every divergent
residence not harmonised yet; from then on, the residences harmonised before the start no longer
count, so that the timetable stays put while the day runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.campaigns.service import Campaign, require_administrator
from app.core import events
from app.core.audit import COMMAND_LINE, record
from app.core.errors import Conflict, InvalidParameter
from app.meeting.agenda import Agenda, build_agenda
from app.meeting.divergences import divergent_residences
from app.meeting.timetable import (
    MAX_BREAK_MINUTES,
    MAX_BREAKS,
    MAX_ROOMS,
    Break,
    DaySettings,
    Pair,
    PairKey,
    Placement,
    Slot,
    clock,
    day_time,
    rooms_problem,
    schedule,
)

DAY_SQL = text(
    """
    SELECT d.day_date, d.start_time, d.minutes_per_residence, d.minutes_per_session, d.rooms,
           d.breaks, d.version, d.started_at, d.signed_off_at,
           COALESCE(a.display_name, a.email, d.signed_off_label) AS signed_off_by,
           d.follow_up_date
    FROM meeting_day d LEFT JOIN account a ON a.id = d.signed_off_by
    WHERE d.campaign_id = :campaign
    """
)
PLAN_SQL = text(
    """
    SELECT s.commune_insee, b.name AS bailleur, s.room, s.fixed_start
    FROM meeting_slot s JOIN bailleur b ON b.id = s.bailleur_id
    WHERE s.campaign_id = :campaign
    ORDER BY s.room, s.position
    """
)
PAIRS_SQL = text(
    """
    SELECT r.commune_insee, c.name AS commune_name, b.name AS bailleur,
           count(*) AS residences,
           count(*) FILTER (
               WHERE h.value IS NULL OR h.decided_at >= CAST(:started AS timestamptz)
           ) AS to_discuss
    FROM campaign_residence cr
    JOIN residence r ON r.id = cr.residence_id
    JOIN bailleur b ON b.id = r.bailleur_id
    JOIN commune c ON c.insee = r.commune_insee
    LEFT JOIN harmonisation h ON h.campaign_id = cr.campaign_id AND h.residence_id = r.id
    WHERE cr.campaign_id = :campaign AND cr.divergent
    GROUP BY r.commune_insee, c.name, b.name
    """
)
"""Every divergent pair with its counts: the timetable is the same for every caller, who then
reads only the slots of the residences the gate lets it see (`build_agenda`)."""


@dataclass(frozen=True)
class Day:
    campaign_id: int
    settings: DaySettings = field(default_factory=DaySettings)
    day_date: date | None = None
    version: int = 0
    """Bumped by every change of the settings or plan (0: never planned)."""
    started_at: datetime | None = None
    signed_off_at: datetime | None = None
    signed_off_by: str | None = None
    follow_up_date: date | None = None
    plan: tuple[tuple[PairKey, Placement], ...] = ()

    @property
    def signed(self) -> bool:
        return self.signed_off_at is not None

    def to_json(self) -> dict:
        return {
            "settings": self.settings.to_json(),
            "day_date": self.day_date.isoformat() if self.day_date else None,
            "version": self.version,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "signed_off": {"at": self.signed_off_at.isoformat(), "by": self.signed_off_by}
            if self.signed_off_at
            else None,
            "follow_up_date": self.follow_up_date.isoformat() if self.follow_up_date else None,
        }


@dataclass(frozen=True)
class SlotPlacement:
    """A pair placed by the administrator, as the API sends it."""

    commune_insee: str
    bailleur: str
    room: int
    fixed_start: time | None = None


@dataclass(frozen=True)
class DayChanges:
    """What a change of the day sets; None leaves a field as it is (`day_date`: see `fields`)."""

    expected_version: int
    day_date: date | None = None
    start: time | None = None
    minutes_per_residence: int | None = None
    minutes_per_session: int | None = None
    rooms: int | None = None
    breaks: tuple[Break, ...] | None = None
    slots: tuple[SlotPlacement, ...] | None = None
    fields: frozenset[str] = frozenset()
    """The fields the caller sent (so that `day_date: null` clears the date)."""


def load_day(conn: Connection, campaign_id: int) -> Day:
    """The stored day of a campaign, or the default one when nothing was planned."""
    row = conn.execute(DAY_SQL, {"campaign": campaign_id}).mappings().one_or_none()
    if row is None:
        return Day(campaign_id)
    plan = tuple(
        ((p["commune_insee"], p["bailleur"]), Placement(p["room"], p["fixed_start"]))
        for p in conn.execute(PLAN_SQL, {"campaign": campaign_id}).mappings()
    )
    breaks = tuple(
        Break(time.fromisoformat(b["start"]), int(b["minutes"])) for b in row["breaks"] or []
    )
    settings = DaySettings(
        row["start_time"],
        row["minutes_per_residence"],
        row["minutes_per_session"],
        row["rooms"],
        breaks,
    )
    return Day(
        campaign_id,
        settings,
        row["day_date"],
        row["version"],
        row["started_at"],
        row["signed_off_at"],
        row["signed_off_by"],
        row["follow_up_date"],
        plan,
    )


def divergent_pairs(conn: Connection, campaign: Campaign, day: Day) -> list[Pair]:
    """Every commune × landlord pair of the campaign with divergent residences (counts only)."""
    rows = conn.execute(PAIRS_SQL, {"campaign": campaign.id, "started": day.started_at})
    return [Pair(**row) for row in rows.mappings()]


def timetable(conn: Connection, campaign: Campaign, day: Day) -> list[Slot]:
    """Every slot of the day (whoever reads it: `agenda` keeps the caller's)."""
    return schedule(divergent_pairs(conn, campaign, day), day.settings, day.plan)


def agenda(
    conn: Connection,
    principal: Principal,
    campaign: Campaign,
    day: Day | None = None,
    settings: DaySettings | None = None,
) -> Agenda:
    """The agenda `principal` reads: the slots of the residences the gate lets it see, timed as
    for everybody (`settings` overrides the stored ones, for a preview)."""
    day = day or load_day(conn, campaign.id)
    if settings is not None:
        day = replace(day, settings=settings)
    slots = timetable(conn, campaign, day)
    return build_agenda(slots, divergent_residences(conn, principal, campaign), day.settings)


# --- Changes ------------------------------------------------------------------------------------


def writable_day(
    conn: Connection, principal: Principal | None, campaign: Campaign, version: int
) -> Day:
    """The day, if `principal` (None: the operator, command line or demo) may change it now with
    `version` in hand."""
    if principal is not None:
        require_administrator(principal, campaign.epci_siren)
    if campaign.status == "closed":
        raise Conflict(f"La campagne « {campaign.name} » est clôturée : sa journée ne change plus.")
    day = load_day(conn, campaign.id)
    if day.signed:
        raise Conflict(
            f"Le bilan de la journée a été signé le {day.signed_off_at:%d/%m/%Y} : "
            "le plan ne change plus."
        )
    if version != day.version:
        raise Conflict(
            f"Le plan de la journée a changé entre-temps (version {day.version}, vous aviez la "
            f"version {version}) : rechargez la page puis recommencez.",
            version=day.version,
        )
    return day


def _check_breaks(breaks: Sequence[Break]) -> tuple[Break, ...]:
    if len(breaks) > MAX_BREAKS:
        raise InvalidParameter(f"breaks : {MAX_BREAKS} pauses au plus.")
    ordered = sorted(breaks, key=lambda b: b.start)
    for index, pause in enumerate(ordered):
        if not 5 <= pause.minutes <= MAX_BREAK_MINUTES:
            raise InvalidParameter(
                f"breaks : la pause de {clock(pause.start)} dure de 5 à {MAX_BREAK_MINUTES} min."
            )
        if index and day_time(pause.start) < _break_end(ordered[index - 1]):
            raise InvalidParameter(
                f"breaks : la pause de {clock(pause.start)} commence avant la fin de celle de "
                f"{clock(ordered[index - 1].start)}."
            )
    return tuple(ordered)


def _break_end(pause: Break) -> datetime:
    return day_time(pause.start) + timedelta(minutes=pause.minutes)


def _check_slots(
    slots: Sequence[SlotPlacement], pairs: Sequence[Pair], rooms: int
) -> list[SlotPlacement]:
    known = {pair.key for pair in pairs}
    seen: set[PairKey] = set()
    for index, slot in enumerate(slots):
        key = (slot.commune_insee, slot.bailleur)
        where = f"slots[{index}]"
        if key not in known:
            raise InvalidParameter(
                f"{where} : la commune {slot.commune_insee} et le bailleur « {slot.bailleur} » "
                "n'ont aucune résidence divergente dans cette campagne."
            )
        if key in seen:
            raise InvalidParameter(f"{where} : cette séance figure déjà plus haut dans la liste.")
        if problem := rooms_problem(slot.room, rooms):
            raise InvalidParameter(f"{where} : {problem}.")
        seen.add(key)
    return list(slots)


def update_day(
    conn: Connection, principal: Principal | None, campaign: Campaign, changes: DayChanges
) -> Day:
    """Change the day's settings and plan (administrator or operator, before sign-off, with the
    version last read); the screens re-read their timetable."""
    day = writable_day(conn, principal, campaign, changes.expected_version)
    given = {
        name: getattr(changes, name)
        for name in ("start", "minutes_per_residence", "minutes_per_session", "rooms")
        if getattr(changes, name) is not None
    }
    if changes.breaks is not None:
        given["breaks"] = _check_breaks(changes.breaks)
    settings = replace(day.settings, **given)
    if not 1 <= settings.rooms <= MAX_ROOMS:
        raise InvalidParameter(f"rooms : de 1 à {MAX_ROOMS} salles.")
    day_date = changes.day_date if "day_date" in changes.fields else day.day_date
    plan: list[SlotPlacement] | None = None
    if changes.slots is not None:
        plan = _check_slots(changes.slots, divergent_pairs(conn, campaign, day), settings.rooms)
    elif settings.rooms < day.settings.rooms:
        plan = [
            SlotPlacement(key[0], key[1], placement.room, placement.fixed_start)
            for key, placement in day.plan
            if placement.room <= settings.rooms
        ]
    version = conn.execute(
        text(
            """
            INSERT INTO meeting_day (campaign_id, day_date, start_time, minutes_per_residence,
                                     minutes_per_session, rooms, breaks, version)
            VALUES (:campaign, :day_date, :start, :per_residence, :per_session, :rooms,
                    CAST(:breaks AS jsonb), 1)
            ON CONFLICT (campaign_id) DO UPDATE SET
                day_date = EXCLUDED.day_date, start_time = EXCLUDED.start_time,
                minutes_per_residence = EXCLUDED.minutes_per_residence,
                minutes_per_session = EXCLUDED.minutes_per_session, rooms = EXCLUDED.rooms,
                breaks = EXCLUDED.breaks, version = meeting_day.version + 1, updated_at = now()
            RETURNING version
            """
        ),
        {
            "campaign": campaign.id,
            "day_date": day_date,
            "start": settings.start,
            "per_residence": settings.minutes_per_residence,
            "per_session": settings.minutes_per_session,
            "rooms": settings.rooms,
            "breaks": json.dumps([b.to_json() for b in settings.breaks]),
        },
    ).scalar_one()
    if plan is not None:
        _store_plan(conn, campaign.id, plan)
    record(
        conn,
        "journee.plan",
        actor_id=principal.id if principal else None,
        actor_label=principal.label if principal else COMMAND_LINE,
        epci_siren=campaign.epci_siren,
        target=f"campagne {campaign.id} « {campaign.name} »",
        details={
            "version": version,
            "reglages": settings.to_json(),
            "date": day_date.isoformat() if day_date else None,
            "seances_placees": None if plan is None else len(plan),
        },
    )
    events.publish(conn, campaign.id, {"type": "plan", "version": version})
    return load_day(conn, campaign.id)


def _store_plan(conn: Connection, campaign_id: int, plan: Sequence[SlotPlacement]) -> None:
    conn.execute(text("DELETE FROM meeting_slot WHERE campaign_id = :c"), {"c": campaign_id})
    positions: dict[int, int] = {}
    rows = []
    for slot in plan:
        positions[slot.room] = positions.get(slot.room, 0) + 1
        rows.append(
            {
                "c": campaign_id,
                "commune": slot.commune_insee,
                "bailleur": slot.bailleur,
                "room": slot.room,
                "position": positions[slot.room],
                "fixed": slot.fixed_start,
            }
        )
    if rows:
        conn.execute(
            text(
                "INSERT INTO meeting_slot (campaign_id, commune_insee, bailleur_id, room,"
                " position, fixed_start) SELECT :c, :commune, b.id, :room, :position, :fixed"
                " FROM bailleur b WHERE b.name = :bailleur"
            ),
            rows,
        )


def mark_started(conn: Connection, campaign_id: int) -> None:
    """The day starts with the facilitator's first residence on or after its date."""
    conn.execute(
        text(
            """
            INSERT INTO meeting_day (campaign_id, started_at) VALUES (:c, now())
            ON CONFLICT (campaign_id) DO UPDATE SET started_at = now()
            WHERE meeting_day.started_at IS NULL AND meeting_day.signed_off_at IS NULL
              AND (meeting_day.day_date IS NULL OR meeting_day.day_date <= CURRENT_DATE)
            """
        ),
        {"c": campaign_id},
    )
