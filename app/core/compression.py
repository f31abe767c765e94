"""gzip of large bodies on several cores, as pigz does: one standard gzip member whose pieces
are deflated in parallel (zlib releases the GIL), each primed with the 32 KiB before it.

A full residence layer is 17 MB of GeoJSON at 30,000 residences and 118 MB at 210,000: gzip
at level 5 on one core took 0.16 and 1.1 s of its first answer (bench/README.md). Small
bodies (tiles, one commune) are compressed inline, as before.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

PIECE = 1 << 20
"""Bytes deflated by one task: large enough that the pieces cost nothing in ratio."""
WINDOW = 1 << 15
"""Deflate's window: the bytes a piece's compressor is primed with."""
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
"""A gzip member's header: deflate, no flags, mtime 0 (the bytes depend on the body alone)."""
_CORES = min(4, os.cpu_count() or 1)
_POOL = ThreadPoolExecutor(max_workers=_CORES, thread_name_prefix="gzip") if _CORES > 1 else None


def gzip_bytes(data: bytes, level: int) -> bytes:
    """`data` as one gzip member at `level`; decompresses to `data` with any gzip reader."""
    if _POOL is None or len(data) < 2 * PIECE:
        return gzip.compress(data, level, mtime=0)
    view = memoryview(data)
    starts = range(0, len(data), PIECE)
    last = starts[-1]

    def deflate(start: int) -> bytes:
        primed = {"zdict": view[start - WINDOW : start]} if start else {}
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, **primed)
        body = compressor.compress(view[start : start + PIECE])
        # A piece but the last ends on a byte boundary without closing the stream.
        return body + compressor.flush(zlib.Z_FINISH if start == last else zlib.Z_SYNC_FLUSH)

    pieces = list(_POOL.map(deflate, starts))
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return b"".join([_HEADER, *pieces, trailer])
