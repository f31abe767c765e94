"""The timetable of the day, as pure logic: durations, rooms, order, imposed starts, breaks."""

from __future__ import annotations

from datetime import time

from app.meeting.timetable import Break, DaySettings, Pair, Placement, clock, day_end, schedule

ACHICOURT = Pair("62004", "Achicourt", "Alpha", residences=1, to_discuss=1)
ARRAS_ALPHA = Pair("62041", "Arras", "Alpha", residences=3, to_discuss=2)
ARRAS_BETA = Pair("62041", "Arras", "Beta", residences=1, to_discuss=1)
DONE = Pair("62041", "Arras", "Gamma", residences=2, to_discuss=0)
PAIRS = [ARRAS_BETA, DONE, ARRAS_ALPHA, ACHICOURT]


def _table(slots) -> list[tuple]:
    return [
        (s.number, s.room, s.position, s.pair.bailleur, clock(s.start), clock(s.end)) for s in slots
    ]


def test_one_room_in_natural_order_with_changeover_and_per_residence_time() -> None:
    slots = schedule(PAIRS, DaySettings())
    # 5 min per slot + 3 min per residence to decide; a pair with nothing left has no time.
    assert _table(slots) == [
        (1, 1, 1, "Alpha", "09:00", "09:08"),
        (2, 1, 2, "Alpha", "09:08", "09:19"),
        (3, 1, 3, "Beta", "09:19", "09:27"),
        (4, 1, 4, "Gamma", None, None),
    ]
    assert [s.pair.commune_name for s in slots[:2]] == ["Achicourt", "Arras"]
    assert clock(day_end(slots, DaySettings())) == "09:27"


def test_parallel_rooms_take_the_room_that_ends_first() -> None:
    settings = DaySettings(start=time(14, 0), minutes_per_residence=10, rooms=2)
    slots = schedule(PAIRS, settings)
    assert _table(slots) == [
        (1, 1, 1, "Alpha", "14:00", "14:15"),  # Achicourt
        (2, 2, 1, "Alpha", "14:00", "14:25"),  # Arras
        (3, 1, 2, "Beta", "14:15", "14:30"),
        (4, 2, 2, "Gamma", None, None),
    ]


def test_a_slot_never_runs_into_a_break() -> None:
    settings = DaySettings(breaks=(Break(time(9, 15), 30),))
    slots = schedule(PAIRS, settings)
    # Arras × Alpha (11 min) would end at 09:19: it starts after the break.
    assert [(clock(s.start), clock(s.end)) for s in slots[:3]] == [
        ("09:00", "09:08"),
        ("09:45", "09:56"),
        ("09:56", "10:04"),
    ]


def test_the_plan_orders_rooms_and_imposes_starts() -> None:
    plan = [
        (ARRAS_BETA.key, Placement(1)),
        (ACHICOURT.key, Placement(1, time(9, 5))),
        (("99999", "Inconnu"), Placement(1)),  # no longer divergent: ignored
        (ARRAS_ALPHA.key, Placement(3)),  # a room the day no longer has: placed automatically
    ]
    slots = schedule(PAIRS, DaySettings(rooms=2), plan)
    by_bailleur = {(s.pair.commune_name, s.pair.bailleur): s for s in slots}
    beta, achicourt = by_bailleur["Arras", "Beta"], by_bailleur["Achicourt", "Alpha"]
    alpha = by_bailleur["Arras", "Alpha"]
    assert (beta.room, beta.position, clock(beta.start), beta.placed) == (1, 1, "09:00", True)
    # An imposed start before the end of the previous slot is kept, and flagged.
    assert (achicourt.position, clock(achicourt.start), achicourt.overlaps) == (2, "09:05", True)
    assert clock(achicourt.fixed_start) == "09:05"
    assert (alpha.room, alpha.placed, clock(alpha.start)) == (2, False, "09:00")
    assert [s.number for s in slots] == [1, 2, 3, 4]
    assert [s.pair.bailleur for s in slots] == ["Beta", "Alpha", "Alpha", "Gamma"]
