"""The demo's planned day: two rooms, breaks, every slot timed around them."""

from __future__ import annotations

import os
from datetime import date, timedelta

from sqlalchemy import create_engine, text

from app.campaigns.service import get_campaign
from app.core.database import sqlalchemy_url
from app.demo.day import DEMO_BREAKS, plan_demo_day
from app.meeting.day import load_day, timetable
from app.meeting.timetable import day_time


def test_the_demo_plans_its_day_in_two_rooms_around_its_breaks(demo_copy) -> None:
    engine = create_engine(sqlalchemy_url(demo_copy(f"qualiparc_demo_day_{os.getpid()}")))
    try:
        with engine.begin() as conn:
            campaign_id = conn.execute(
                text("SELECT id FROM campaign WHERE status = 'harmonisation' LIMIT 1")
            ).scalar_one()
            loaded = load_day(conn, campaign_id)
            day = plan_demo_day(conn, campaign_id, date(2026, 6, 12))
            slots = timetable(conn, get_campaign(conn, campaign_id), day)
            logged = (
                conn.execute(
                    text("SELECT actor_label FROM audit_log WHERE action = 'journee.plan'")
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert (loaded.version, loaded.settings.rooms) == (1, 2), "the demo plans its day"
    assert (day.version, day.settings.rooms, day.day_date) == (2, 2, date(2026, 6, 12))
    assert set(logged) == {"ligne de commande"}
    timed = [s for s in slots if s.start]
    assert {s.room for s in timed} == {1, 2}
    for slot in timed:
        for pause in DEMO_BREAKS:
            begins = day_time(pause.start)
            ends = begins + timedelta(minutes=pause.minutes)
            assert slot.end <= begins or slot.start >= ends, (slot, pause)
