"""A large residence layer built in two halves at once (app/layers.py, app/core/database.py)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from app import layers
from app.access.gate import Gate
from app.auth.principal import Principal
from app.auth.roles import ALL_EPCI, Role
from app.core.database import run_at_once, sqlalchemy_url
from app.layers import MIDDLE_CODE, ResidenceFilter, feature_collection, residence_rows_sql

ADMIN = Principal(
    id=0, email="admin@qualiparc.test", role=Role.ADMIN, scopes={"epci": frozenset({ALL_EPCI})}
)


def backend(conn: Connection) -> int:
    return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


@pytest.fixture
def demo_engine(demo_url: str):
    engine = create_engine(sqlalchemy_url(demo_url))
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "flt",
    [
        ResidenceFilter(),
        ResidenceFilter(gate=Gate(ADMIN)),
        ResidenceFilter(gate=Gate(ADMIN), grades=[3, 4], statuses=frozenset({"none"})),
        ResidenceFilter(in_qpv=True),
    ],
    ids=["visitor", "admin", "admin-grades", "in-qpv"],
)
def test_halves_make_the_bytes_of_one_query(demo_engine, monkeypatch, flt) -> None:
    monkeypatch.setattr(layers, "HALVES_FROM", 1)
    with demo_engine.connect() as conn:
        middle = conn.execute(MIDDLE_CODE, {"least": 1}).scalar_one()
        codes = conn.execute(text("SELECT count(*) FROM residence WHERE code < :m"), {"m": middle})
        assert codes.scalar_one() > 100  # both halves hold residences
        halves = layers.residences_geojson(conn, flt)
        one = feature_collection(conn, *residence_rows_sql(flt))
    assert halves == one
    features = json.loads(halves)["features"]
    assert features and [f["properties"]["code"] for f in features] == sorted(
        f["properties"]["code"] for f in features
    )


def test_a_small_or_narrowed_layer_is_one_query(demo_engine, monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(layers, "run_at_once", lambda *a: calls.append("halves") or (b"", b""))
    with demo_engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM residence")).scalar_one()
        monkeypatch.setattr(layers, "HALVES_FROM", count + 1)
        layers.residences_geojson(conn, ResidenceFilter())
        monkeypatch.setattr(layers, "HALVES_FROM", 1)
        layers.residences_geojson(conn, ResidenceFilter(commune="59350"))
        assert calls == []
        layers.residences_geojson(conn, ResidenceFilter())
    assert calls == ["halves"]


def test_run_at_once_takes_a_second_connection_or_runs_in_turn(demo_engine) -> None:
    with demo_engine.connect() as conn:
        mine = backend(conn)
        first, second = run_at_once(conn, backend, backend)
        assert first == mine and second != mine

        def nested(c: Connection) -> tuple[int, int]:
            return run_at_once(c, backend, backend)  # the spare is held: in turn, on `c`

        inner, other = run_at_once(conn, nested, backend)
        assert inner == (mine, mine) and other != mine


def test_a_failing_half_waits_for_the_other_and_frees_the_spare(demo_engine) -> None:
    finished = threading.Event()

    def slow(c: Connection) -> None:
        c.execute(text("SELECT pg_sleep(0.3)"))
        finished.set()

    def fails(c: Connection) -> None:
        raise ValueError("première moitié")

    with demo_engine.connect() as conn:
        with pytest.raises(ValueError, match="première moitié"):
            run_at_once(conn, fails, slow)
        assert finished.is_set()
        first, second = run_at_once(conn, backend, backend)
    assert first != second
