"""Parallel gzip (app/core/compression.py) and layer text read as bytes (app/core/database.py)."""

from __future__ import annotations

import gzip
import json
import random
import zlib

import pytest
from sqlalchemy import Engine, text

from app.core.compression import PIECE, gzip_bytes
from app.core.database import text_as_bytes
from app.layers import feature_collection


def geojson_like(size: int) -> bytes:
    """Bytes shaped like a layer: repeated keys, varying coordinates, some non-ASCII names."""
    rng = random.Random(size)
    out, n = [], 0
    while n < size:
        feature = json.dumps(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [rng.uniform(2, 4), rng.random()]},
                "properties": {"code": f"R{rng.randrange(10**6)}", "nom": "Résidence Ève"},
            },
            ensure_ascii=False,
        ).encode()
        out.append(feature)
        n += len(feature) + 1
    return b",".join(out)[:size]


@pytest.mark.parametrize(
    "size", [0, 1, 2 * PIECE - 1, 2 * PIECE, 2 * PIECE + 1, 3 * PIECE, 5 * PIECE + 12345]
)
def test_parallel_gzip_is_one_member_any_reader_decodes(size: int) -> None:
    data = geojson_like(size)
    compressed = gzip_bytes(data, 5)
    assert gzip.decompress(compressed) == data
    reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert reader.decompress(compressed) == data
    assert reader.eof and reader.unused_data == b""  # one member, whole
    assert gzip_bytes(data, 5) == compressed  # the same bytes for the same body


def test_parallel_gzip_costs_nothing_in_ratio() -> None:
    data = geojson_like(6 * PIECE)
    assert len(gzip_bytes(data, 5)) <= 1.01 * len(gzip.compress(data, 5, mtime=0))


def test_text_read_as_the_bytes_postgresql_sent(engine: Engine) -> None:
    """Parameters bound as SQLAlchemy binds them (arrays, percent signs), UTF-8 bytes back, and
    None for no row or a NULL."""
    with engine.connect() as conn:
        value = text_as_bytes(
            conn,
            text(
                "SELECT 'a%b ' || :name || array_length(CAST(:codes AS text[]), 1)"
                " WHERE 'x' LIKE '%'"
            ),
            {"name": "Hénin-Beaumont ", "codes": ["59350", "62427"]},
        )
        assert value == "a%b Hénin-Beaumont 2".encode()
        assert text_as_bytes(conn, text("SELECT 'x' WHERE false"), {}) is None
        assert text_as_bytes(conn, text("SELECT CAST(NULL AS text)"), {}) is None
        assert conn.execute(text("SELECT 'é'")).scalar_one() == "é"  # the connection's own reads
        empty = feature_collection(conn, "SELECT 1 AS n, NULL::geometry AS geom WHERE false", {})
        assert json.loads(empty) == {"type": "FeatureCollection", "features": []}
