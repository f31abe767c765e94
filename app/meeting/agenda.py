"""The harmonisation day as short commune × landlord sessions, timed from the residences left."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import groupby

from app.meeting.divergences import DivergentResidence

MINUTES_PER_RESIDENCE = 3
MINUTES_PER_SESSION = 5
"""Welcome and changeover of each commune × landlord pair."""
DAY_START = time(9, 0)


@dataclass(frozen=True)
class AgendaSettings:
    minutes_per_residence: int = MINUTES_PER_RESIDENCE
    minutes_per_session: int = MINUTES_PER_SESSION
    start: time = DAY_START

    def to_json(self) -> dict:
        return {
            "minutes_per_residence": self.minutes_per_residence,
            "minutes_per_session": self.minutes_per_session,
            "start": self.start.strftime("%H:%M"),
        }


def pair_key(residence: DivergentResidence) -> tuple[str, str, str]:
    return (residence.commune_name, residence.commune_insee, residence.bailleur)


def meeting_order(residences: Iterable[DivergentResidence]) -> list[DivergentResidence]:
    """Pairs by commune then landlord; within a pair the widest gap, then the most dwellings."""
    return sorted(residences, key=lambda r: (*pair_key(r), -r.gap, -r.nb_logements, r.code))


@dataclass(frozen=True)
class Session:
    """One commune × landlord face-to-face; `start` is None when nothing is left to decide."""

    number: int
    commune_insee: str
    commune_name: str
    bailleur: str
    residences: tuple[DivergentResidence, ...]
    duration_min: int
    start: datetime | None

    @property
    def pending(self) -> int:
        return sum(not r.harmonised for r in self.residences)

    @property
    def dwellings(self) -> int:
        return sum(r.nb_logements for r in self.residences)

    @property
    def end(self) -> datetime | None:
        return self.start + timedelta(minutes=self.duration_min) if self.start else None

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "commune_insee": self.commune_insee,
            "commune_name": self.commune_name,
            "bailleur": self.bailleur,
            "residences": [r.to_json() for r in self.residences],
            "count": len(self.residences),
            "pending": self.pending,
            "dwellings": self.dwellings,
            "duration_min": self.duration_min,
            "start": _clock(self.start),
            "end": _clock(self.end),
        }


@dataclass(frozen=True)
class Agenda:
    sessions: tuple[Session, ...]
    settings: AgendaSettings

    @property
    def residences(self) -> int:
        return sum(len(s.residences) for s in self.sessions)

    @property
    def pending(self) -> int:
        return sum(s.pending for s in self.sessions)

    @property
    def duration_min(self) -> int:
        return sum(s.duration_min for s in self.sessions)

    @property
    def end(self) -> datetime:
        return _day(self.settings.start) + timedelta(minutes=self.duration_min)

    def to_json(self) -> dict:
        return {
            "settings": self.settings.to_json(),
            "residences": self.residences,
            "pending": self.pending,
            "duration_min": self.duration_min,
            "start": self.settings.start.strftime("%H:%M"),
            "end": _clock(self.end),
            "sessions": [s.to_json() for s in self.sessions],
        }


def build_agenda(
    residences: Iterable[DivergentResidence], settings: AgendaSettings | None = None
) -> Agenda:
    """Group `residences` by pair in meeting order; only pairs with residences left get a slot,
    lasting the changeover plus so many minutes per residence left."""
    settings = settings or AgendaSettings()
    clock = _day(settings.start)
    sessions = []
    for number, (key, group) in enumerate(groupby(meeting_order(residences), key=pair_key), 1):
        members = tuple(group)
        pending = sum(not r.harmonised for r in members)
        duration = (
            settings.minutes_per_session + settings.minutes_per_residence * pending
            if pending
            else 0
        )
        commune_name, commune_insee, bailleur = key
        sessions.append(
            Session(
                number=number,
                commune_insee=commune_insee,
                commune_name=commune_name,
                bailleur=bailleur,
                residences=members,
                duration_min=duration,
                start=clock if pending else None,
            )
        )
        clock += timedelta(minutes=duration)
    return Agenda(tuple(sessions), settings)


def _day(start: time) -> datetime:
    """Clock arithmetic on a fixed date (the agenda may run past midnight, it stays readable)."""
    return datetime.combine(datetime(2000, 1, 1), start)


def _clock(moment: datetime | None) -> str | None:
    return moment.strftime("%H:%M") if moment else None
