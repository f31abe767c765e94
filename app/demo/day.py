"""A planned harmonisation day for the demo, so that the timetable, the facilitator mode and the
summary can be tried at once: two rooms in parallel, a coffee break and lunch.

The demo loader plans one for each of its campaigns in harmonisation."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.engine import Connection

from app.campaigns.service import get_campaign
from app.meeting.day import Day, DayChanges, load_day, update_day
from app.meeting.timetable import Break

DEMO_BREAKS = (Break(time(10, 30), 15), Break(time(12, 30), 60))


def plan_demo_day(conn: Connection, campaign_id: int, day_date: date | None = None) -> Day:
    """Plan the day of campaign `campaign_id`: on `day_date`, from 9:00, 3 min per residence and
    5 per slot, two rooms, the demo's breaks; its slots are placed in the room that ends first."""
    campaign = get_campaign(conn, campaign_id)
    changes = DayChanges(
        expected_version=load_day(conn, campaign_id).version,
        day_date=day_date,
        start=time(9, 0),
        minutes_per_residence=3,
        minutes_per_session=5,
        rooms=2,
        breaks=DEMO_BREAKS,
        fields=frozenset({"day_date"}),
    )
    return update_day(conn, None, campaign, changes)
