"""Campaign events shared by every worker process through PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

CHANNEL = "qualiparc_campaign_events"


def publish(conn: Connection, campaign_id: int, event: dict) -> None:
    """Queue `event` for the campaign's listeners; it is delivered when the transaction commits."""
    payload = json.dumps({"campaign_id": campaign_id, **event}, default=str)
    conn.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )
