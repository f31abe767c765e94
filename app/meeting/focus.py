"""The facilitator's focus in each room: the residence (hence the slot) and the map view that the
wall screens, and every participant who follows the facilitator, show.

The facilitator writes it; the live stream only says that it moved (`{"type": "focus", "room"}`),
and each screen reads it here through the gate: a residence outside the reader's scope is not
named, nor its slot, nor the map view around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.auth.principal import Principal
from app.campaigns.service import Campaign
from app.core import events
from app.core.errors import Forbidden, InvalidParameter, NotFound
from app.meeting.access import may_record
from app.meeting.day import load_day, mark_started
from app.meeting.timetable import rooms_problem

FOCUS_SQL = """
    SELECT COALESCE(f.seq, 0) AS seq, f.slot_opened_at, f.updated_at, f.lat, f.lon, f.zoom,
           r.code AS residence_code, c.insee AS commune_insee, c.name AS commune_name,
           b.name AS bailleur, (r.id IS NULL OR {visible}) AS visible, n.server_now
    FROM (SELECT now() AS server_now) n
    LEFT JOIN meeting_focus f ON f.campaign_id = :campaign AND f.room = :room
    LEFT JOIN campaign ca ON ca.id = f.campaign_id
    LEFT JOIN residence r ON r.id = f.residence_id
    LEFT JOIN bailleur b ON b.id = r.bailleur_id
    LEFT JOIN commune c ON c.insee = r.commune_insee
"""
"""Always one row: a room nobody facilitated yet has no focus (`seq` 0)."""
SET_FOCUS_SQL = text(
    """
    INSERT INTO meeting_focus AS f (campaign_id, room, residence_id, commune_insee, bailleur_id,
                                    lat, lon, zoom, slot_opened_at, updated_by)
    VALUES (:campaign, :room, :residence, :commune, :bailleur, :lat, :lon, :zoom,
            CASE WHEN CAST(:residence AS integer) IS NULL THEN NULL ELSE now() END, :account)
    ON CONFLICT (campaign_id, room) DO UPDATE SET
        residence_id = EXCLUDED.residence_id, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
        zoom = EXCLUDED.zoom, updated_by = EXCLUDED.updated_by, updated_at = now(),
        seq = f.seq + 1,
        slot_opened_at = CASE
            WHEN EXCLUDED.commune_insee IS NULL THEN NULL
            WHEN (f.commune_insee, f.bailleur_id) IS NOT DISTINCT FROM
                 (EXCLUDED.commune_insee, EXCLUDED.bailleur_id) THEN f.slot_opened_at
            ELSE now() END,
        commune_insee = EXCLUDED.commune_insee, bailleur_id = EXCLUDED.bailleur_id
    RETURNING seq
    """
)
DIVERGENT_RESIDENCE_SQL = text(
    """
    SELECT r.id, r.commune_insee, r.bailleur_id, cr.divergent
    FROM residence r
    JOIN campaign_residence cr ON cr.residence_id = r.id AND cr.campaign_id = :campaign
    WHERE r.code = :code
    """
)


@dataclass(frozen=True)
class View:
    """A map view: centre (WGS84) and zoom level."""

    lat: float
    lon: float
    zoom: float


def set_focus(
    conn: Connection,
    principal: Principal,
    campaign: Campaign,
    room: int,
    residence_code: str | None,
    view: View | None,
) -> dict:
    """The facilitator moves room `room` to a divergent residence (or none) and a map view; the
    first residence on or after the day's date starts the day."""
    if not may_record(principal, campaign):
        raise Forbidden(
            "Seul l'administrateur de l'EPCI anime la réunion, pendant la phase d'harmonisation."
        )
    rooms = load_day(conn, campaign.id).settings.rooms
    if problem := rooms_problem(room, rooms):
        raise InvalidParameter(f"room : {problem}.")
    residence = None
    if residence_code is not None:
        residence = (
            conn.execute(DIVERGENT_RESIDENCE_SQL, {"campaign": campaign.id, "code": residence_code})
            .mappings()
            .one_or_none()
        )
        if residence is None:
            raise NotFound(f"Résidence « {residence_code} » introuvable dans cette campagne.")
        if not residence["divergent"]:
            raise InvalidParameter(
                f"residence_code : la résidence « {residence_code} » n'est pas divergente : "
                "elle n'est pas à l'ordre du jour."
            )
        mark_started(conn, campaign.id)
    seq = conn.execute(
        SET_FOCUS_SQL,
        {
            "campaign": campaign.id,
            "room": room,
            "residence": residence["id"] if residence else None,
            "commune": residence["commune_insee"] if residence else None,
            "bailleur": residence["bailleur_id"] if residence else None,
            "lat": view.lat if view else None,
            "lon": view.lon if view else None,
            "zoom": view.zoom if view else None,
            "account": principal.id,
        },
    ).scalar_one()
    events.publish(conn, campaign.id, {"type": "focus", "room": room, "seq": seq})
    return read_focus(conn, principal, campaign, room)


def read_focus(conn: Connection, principal: Principal, campaign: Campaign, room: int) -> dict:
    """The focus of room `room` as `principal` may read it (`active` false: no facilitator)."""
    visible = Gate(principal).agreed(ca="ca")
    row = (
        conn.execute(
            text(FOCUS_SQL.format(visible=visible.sql)),
            visible.bind({"campaign": campaign.id, "room": room}),
        )
        .mappings()
        .one()
    )
    shown = row["visible"]
    view = None
    if shown and row["zoom"] is not None:
        view = {"lat": row["lat"], "lon": row["lon"], "zoom": row["zoom"]}
    return {
        "type": "focus",
        "room": room,
        "seq": row["seq"],
        "active": row["residence_code"] is not None or row["zoom"] is not None,
        "hidden": not shown,
        "residence_code": row["residence_code"] if shown else None,
        "commune_insee": row["commune_insee"] if shown else None,
        "commune_name": row["commune_name"] if shown else None,
        "bailleur": row["bailleur"] if shown else None,
        "view": view,
        "slot_opened_at": _iso(row["slot_opened_at"]) if shown else None,
        "updated_at": _iso(row["updated_at"]),
        "server_now": _iso(row["server_now"]),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
