"""The day's agenda: the timetable's slots, each with the divergent residences a caller may read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.meeting.divergences import DivergentResidence
from app.meeting.timetable import DaySettings, PairKey, Slot, clock, day_end, day_time


def pair_key(residence: DivergentResidence) -> tuple[str, str, str]:
    return (residence.commune_name, residence.commune_insee, residence.bailleur)


def meeting_order(residences: Iterable[DivergentResidence]) -> list[DivergentResidence]:
    """Pairs by commune then landlord; within a pair the widest gap, then the most dwellings."""
    return sorted(residences, key=lambda r: (*pair_key(r), -r.gap, -r.nb_logements, r.code))


@dataclass(frozen=True)
class Session:
    """One commune × landlord face-to-face: a slot of the timetable and its residences."""

    slot: Slot
    residences: tuple[DivergentResidence, ...]

    @property
    def number(self) -> int:
        return self.slot.number

    @property
    def room(self) -> int:
        return self.slot.room

    @property
    def commune_insee(self) -> str:
        return self.slot.pair.commune_insee

    @property
    def commune_name(self) -> str:
        return self.slot.pair.commune_name

    @property
    def bailleur(self) -> str:
        return self.slot.pair.bailleur

    @property
    def duration_min(self) -> int:
        return self.slot.duration_min

    @property
    def start(self) -> datetime | None:
        """None when nothing is left to decide."""
        return self.slot.start

    @property
    def end(self) -> datetime | None:
        return self.slot.end

    @property
    def pending(self) -> int:
        return sum(not r.harmonised for r in self.residences)

    @property
    def dwellings(self) -> int:
        return sum(r.nb_logements for r in self.residences)

    def to_json(self) -> dict:
        return {
            **self.slot.to_json(),
            "residences": [r.to_json() for r in self.residences],
            "count": len(self.residences),
            "pending": self.pending,
            "dwellings": self.dwellings,
        }


@dataclass(frozen=True)
class Agenda:
    sessions: tuple[Session, ...]
    """In the order of their numbers (start time, then room)."""
    settings: DaySettings

    @property
    def residences(self) -> int:
        return sum(len(s.residences) for s in self.sessions)

    @property
    def pending(self) -> int:
        return sum(s.pending for s in self.sessions)

    @property
    def end(self) -> datetime:
        return day_end([s.slot for s in self.sessions], self.settings)

    @property
    def duration_min(self) -> int:
        """From the start of the day to the end of its last slot."""
        return int((self.end - day_time(self.settings.start)).total_seconds() // 60)

    @property
    def scheduled(self) -> int:
        return sum(s.start is not None for s in self.sessions)

    def rooms(self) -> list[tuple[int, list[Session]]]:
        """The sessions of each room, in the room's order."""
        return [
            (
                room,
                sorted((s for s in self.sessions if s.room == room), key=lambda s: s.slot.position),
            )
            for room in range(1, self.settings.rooms + 1)
        ]

    @property
    def is_demo(self) -> bool:
        return any(r.is_demo for s in self.sessions for r in s.residences)

    def to_json(self) -> dict:
        return {
            "settings": self.settings.to_json(),
            "residences": self.residences,
            "pending": self.pending,
            "duration_min": self.duration_min,
            "start": clock(self.settings.start),
            "end": clock(self.end),
            "sessions": [s.to_json() for s in self.sessions],
        }


def build_agenda(
    slots: Sequence[Slot], residences: Iterable[DivergentResidence], settings: DaySettings
) -> Agenda:
    """The slots that hold residences of `residences` (those a caller may read), each with them
    in meeting order."""
    by_pair: dict[PairKey, list[DivergentResidence]] = {}
    for residence in meeting_order(residences):
        by_pair.setdefault((residence.commune_insee, residence.bailleur), []).append(residence)
    sessions = tuple(
        Session(slot, tuple(by_pair[slot.pair.key])) for slot in slots if slot.pair.key in by_pair
    )
    return Agenda(sessions, settings)
