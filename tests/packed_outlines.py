"""A reader of the outlines packed by geo/outlines.py, as the map page reads them."""

from __future__ import annotations

import json
import struct

import numpy as np


def unpack(data: bytes) -> dict[str, dict]:
    """The reader of the format (as frontend/src/rendering/outlines.js reads it)."""
    (length,) = struct.unpack_from("<I", data, 0)
    header = json.loads(data[4 : 4 + length])
    offset = 4 + length
    groups = {}
    for group in header["groups"]:
        features = len(group["codes"])
        feature_rings = np.frombuffer(data, "<u4", features + 1, offset)
        offset += 4 * (features + 1)
        ring_ends = np.frombuffer(data, "<u4", group["rings"], offset)
        offset += 4 * group["rings"]
        values, value, shift = [], 0, 0
        for byte in data[offset : offset + group["bytes"]]:
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                values.append((value >> 1) ^ -(value & 1))
                value, shift = 0, 0
        offset += group["bytes"] + (-group["bytes"] % 4)
        levels = np.frombuffer(data, np.uint8, group["vertices"], offset)
        offset += group["vertices"] + (-group["vertices"] % 4)
        points = np.cumsum(np.array(values).reshape(-1, 2), axis=0) / header["unit"]
        groups[group["name"]] = {
            "codes": group["codes"],
            "feature_rings": feature_rings.tolist(),
            "ring_ends": ring_ends.tolist(),
            "points": points,
            "levels": levels,
        }
    assert offset == len(data)
    return groups
