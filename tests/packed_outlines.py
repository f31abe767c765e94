"""A reader of the outlines packed by geo/outlines.py, as the map page reads them."""

from __future__ import annotations

import json
import struct

import numpy as np


def unpack(data: bytes) -> dict[str, dict]:
    """Each group by name: codes, feature rings, ring ends, boxes and points (pixels of zoom 0,
    origin added back) and levels; every byte read once."""
    (length,) = struct.unpack_from("<I", data, 0)
    header = json.loads(data[4 : 4 + length])
    offset = 4 + length

    def take(dtype: str, count: int) -> np.ndarray:
        nonlocal offset
        array = np.frombuffer(data, dtype, count, offset)
        offset += -(-count * array.itemsize // 4) * 4
        return array

    groups = {}
    for group in header["groups"]:
        features = len(group["codes"])
        feature_rings = take("<u4", features + 1)
        ring_ends = take("<u4", group["rings"])
        boxes = take("<f4", 4 * features).reshape(-1, 4)
        points = take("<f4", 2 * group["vertices"]).reshape(-1, 2)
        levels = take("u1", group["vertices"])
        origin = np.array(group["origin"])
        groups[group["name"]] = {
            "codes": group["codes"],
            "feature_rings": feature_rings.tolist(),
            "ring_ends": ring_ends.tolist(),
            "boxes": boxes,
            "relative": points,
            "points": points + origin,
            "origin": origin,
            "levels": levels,
        }
    assert offset == len(data)
    return groups
