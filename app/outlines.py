"""The commune and EPCI outlines packed for the map page (geo/outlines.py), kept per geometry.

Packing a region's outlines (200,000 vertices ranked) takes a few hundred milliseconds, and they
change only when the territory is imported, while the data version that keys the response cache
changes with every grade. So the packed bytes are kept in memory per fingerprint of the
geometries and codes (an MD5 PostgreSQL computes in a few tens of milliseconds): a new data
version costs that query, not a new packing.
"""

from __future__ import annotations

import contextlib
import threading

import shapely
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.database import run_with_connection
from app.layers import COMMUNES_SQL, EPCI_SQL
from geo.outlines import Group, pack

GROUPS = (("communes", COMMUNES_SQL), ("epci", EPCI_SQL))
"""The groups packed, in order: the features of `/api/communes` and `/api/epci`."""

_FINGERPRINT_SQL = "SELECT " + " || ".join(
    "(SELECT md5(string_agg(convert_to(t.code, 'UTF8') || ST_AsBinary(t.geom), ''"
    f" ORDER BY t.code)) FROM ({sql}) AS t)"
    for _, sql in GROUPS
)

_kept: dict[str, bytes] = {}
_packing = threading.Lock()


def fingerprint(conn: Connection) -> str:
    """What the packed outlines depend on: the codes and geometries of every group."""
    return str(conn.execute(text(_FINGERPRINT_SQL), {"epci": None}).scalar_one())


def _pack(conn: Connection) -> bytes:
    groups = []
    for name, sql in GROUPS:
        rows = conn.execute(
            text(f"SELECT t.code, ST_AsBinary(t.geom) FROM ({sql}) AS t"), {"epci": None}
        ).all()
        geometries = shapely.from_wkb([bytes(row[1]) for row in rows])
        groups.append(Group(name, [row[0] for row in rows], list(geometries)))
    return pack(groups)


def packed_outlines(conn: Connection) -> bytes:
    """The packed commune and EPCI outlines, from memory when their geometries have not
    changed since the last packing (one packing at a time)."""
    key = fingerprint(conn)
    with _packing:
        packed = _kept.get(key)
        if packed is None:
            packed = _pack(conn)
            _kept.clear()
            _kept[key] = packed
    return packed


async def warm() -> None:
    """Pack the outlines once as the worker starts, so that its first map does not wait for it
    (a failure is left to the first request, which reports it)."""
    with contextlib.suppress(Exception):  # the route packs them again, and answers the error
        await run_with_connection(packed_outlines)
