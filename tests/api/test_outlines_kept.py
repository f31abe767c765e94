"""The packed outlines are kept while the geometries stay, packed again when one changes."""

from __future__ import annotations

from sqlalchemy import text

from app.outlines import fingerprint, packed_outlines
from tests.packed_outlines import unpack


def test_a_new_grade_keeps_the_packing_a_new_outline_replaces_it(engine):
    with engine.connect() as conn:
        before = fingerprint(conn)
        packed = packed_outlines(conn)
        assert packed_outlines(conn) is packed
    with engine.begin() as conn:
        conn.execute(text("SELECT touch_data_version()"))
    with engine.connect() as conn:
        assert fingerprint(conn) == before
        assert packed_outlines(conn) is packed
    with engine.begin() as conn:
        code = conn.execute(text("SELECT min(insee) FROM commune")).scalar_one()
        conn.execute(
            text("UPDATE commune SET geom = ST_Translate(geom, 0.01, 0) WHERE insee = :code"),
            {"code": code},
        )
    with engine.connect() as conn:
        assert fingerprint(conn) != before
        again = packed_outlines(conn)
    first, second = unpack(packed)["communes"], unpack(again)["communes"]
    assert first["codes"] == second["codes"]
    moved = first["codes"].index(code)
    ring = first["feature_rings"][moved]
    start = first["ring_ends"][ring - 1] if ring else 0
    assert second["points"][start][0] > first["points"][start][0]
