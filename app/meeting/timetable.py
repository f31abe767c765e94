"""The timetable of the harmonisation day: one slot per commune × landlord pair, as long as the
changeover plus so many minutes per residence it has to decide, in one of the day's parallel rooms,
in the order the administrator chose, never across a break.

Pure logic: plain values in, slots out (times on a fixed date, so that a day running past midnight
stays readable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

MINUTES_PER_RESIDENCE = 3
MINUTES_PER_SESSION = 5
"""Welcome and changeover of each commune × landlord pair."""
DAY_START = time(9, 0)
MAX_ROOMS = 20
MAX_BREAK_MINUTES = 240
MAX_BREAKS = 6

PairKey = tuple[str, str]
"""(commune INSEE code, landlord name): what identifies a slot."""


@dataclass(frozen=True)
class Break:
    start: time
    minutes: int

    def to_json(self) -> dict:
        return {"start": clock(self.start), "minutes": self.minutes}


@dataclass(frozen=True)
class DaySettings:
    """What the administrator sets for the day (stored per campaign)."""

    start: time = DAY_START
    minutes_per_residence: int = MINUTES_PER_RESIDENCE
    minutes_per_session: int = MINUTES_PER_SESSION
    rooms: int = 1
    breaks: tuple[Break, ...] = ()

    def duration(self, to_discuss: int) -> int:
        """Minutes of a slot with `to_discuss` residences to decide (none: no slot at all)."""
        if not to_discuss:
            return 0
        return self.minutes_per_session + self.minutes_per_residence * to_discuss

    def to_json(self) -> dict:
        return {
            "start": clock(self.start),
            "minutes_per_residence": self.minutes_per_residence,
            "minutes_per_session": self.minutes_per_session,
            "rooms": self.rooms,
            "breaks": [b.to_json() for b in self.breaks],
        }


@dataclass(frozen=True)
class Pair:
    """A commune × landlord pair with divergent residences."""

    commune_insee: str
    commune_name: str
    bailleur: str
    residences: int
    """Its divergent residences."""
    to_discuss: int
    """Those the day has to decide: not harmonised before the day started."""

    @property
    def key(self) -> PairKey:
        return (self.commune_insee, self.bailleur)

    @property
    def order(self) -> tuple[str, str, str]:
        """The natural order of the pairs: by commune name, then landlord."""
        return (self.commune_name, self.commune_insee, self.bailleur)


@dataclass(frozen=True)
class Placement:
    """Where the administrator put a pair: its room and, optionally, an imposed start."""

    room: int
    fixed_start: time | None = None


@dataclass(frozen=True)
class Slot:
    number: int
    pair: Pair
    room: int
    position: int
    """Its rank in its room."""
    start: datetime | None
    """None when the pair has nothing left to decide."""
    duration_min: int
    fixed_start: time | None = None
    overlaps: bool = False
    """Its imposed start falls before the end of the previous slot of its room."""
    placed: bool = False
    """The administrator placed it (else it was put in the room that ends earliest)."""

    @property
    def end(self) -> datetime | None:
        return self.start + timedelta(minutes=self.duration_min) if self.start else None

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "room": self.room,
            "position": self.position,
            "commune_insee": self.pair.commune_insee,
            "commune_name": self.pair.commune_name,
            "bailleur": self.pair.bailleur,
            "divergent": self.pair.residences,
            "to_discuss": self.pair.to_discuss,
            "duration_min": self.duration_min,
            "start": clock(self.start),
            "end": clock(self.end),
            "fixed_start": clock(self.fixed_start),
            "overlaps": self.overlaps,
            "placed": self.placed,
        }


@dataclass
class _Room:
    """The slots of one room, in its order, and when its last one ends."""

    number: int
    settings: DaySettings
    clock: datetime
    slots: list[Slot] = field(default_factory=list)

    def add(self, pair: Pair, placement: Placement, placed: bool) -> None:
        duration = self.settings.duration(pair.to_discuss)
        start, overlaps = None, False
        if duration:
            start = _start(self.clock, duration, placement.fixed_start, self.settings.breaks)
            overlaps = start < self.clock
            self.clock = max(self.clock, start + timedelta(minutes=duration))
        self.slots.append(
            Slot(
                0,
                pair,
                self.number,
                len(self.slots) + 1,
                start,
                duration,
                placement.fixed_start,
                overlaps,
                placed,
            )
        )


def day_time(moment: time) -> datetime:
    """A time of the day on the fixed date of the timetable's arithmetic."""
    return datetime.combine(datetime(2000, 1, 1), moment)


def _start(clock: datetime, duration: int, fixed: time | None, breaks: Sequence[Break]) -> datetime:
    """An imposed start as it is; otherwise the room's clock, pushed past any break the slot
    would run into."""
    if fixed is not None:
        return day_time(fixed)
    start = clock
    moved = True
    while moved:
        moved = False
        for pause in breaks:
            begins = day_time(pause.start)
            ends = begins + timedelta(minutes=pause.minutes)
            if start < ends and start + timedelta(minutes=duration) > begins:
                start, moved = ends, True
    return start


def schedule(
    pairs: Sequence[Pair],
    settings: DaySettings,
    plan: Sequence[tuple[PairKey, Placement]] = (),
) -> list[Slot]:
    """The slots of `pairs`: first those of `plan` (in its order, room by room), then the others
    in their natural order, each in the room that ends earliest. Numbered by start time."""
    by_key = {pair.key: pair for pair in pairs}
    rooms = [_Room(n, settings, day_time(settings.start)) for n in range(1, settings.rooms + 1)]
    placed: set[PairKey] = set()
    for key, placement in plan:
        pair = by_key.get(key)
        if pair is None or key in placed or not 1 <= placement.room <= settings.rooms:
            continue
        rooms[placement.room - 1].add(pair, placement, True)
        placed.add(key)
    for pair in sorted(pairs, key=lambda p: p.order):
        if pair.key not in placed:
            room = min(rooms, key=lambda r: r.clock)
            room.add(pair, Placement(room.number), False)
    slots = [slot for room in rooms for slot in room.slots]
    timed = sorted((s for s in slots if s.start), key=lambda s: (s.start, s.room))
    untimed = [s for s in slots if s.start is None]
    return [replace(slot, number=n) for n, slot in enumerate(timed + untimed, 1)]


def day_end(slots: Sequence[Slot], settings: DaySettings) -> datetime:
    """When the last slot ends (the start of the day when nothing is timed)."""
    return max((s.end for s in slots if s.end), default=day_time(settings.start))


def rooms_problem(room: int, rooms: int) -> str | None:
    """Why `room` is not a room of a day of `rooms` rooms (None: it is one)."""
    if 1 <= room <= rooms:
        return None
    return f"salle {room} inexistante (la journée a {rooms} salle{'s' if rooms > 1 else ''})"


def breaks_text(settings: DaySettings) -> str:
    """« 10:30 (15 min), 12:30 (60 min) »."""
    return ", ".join(f"{clock(b.start)} ({b.minutes} min)" for b in settings.breaks)


def clock(moment: datetime | time | None) -> str | None:
    return moment.strftime("%H:%M") if moment else None
