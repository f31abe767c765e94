"""Fixtures of the export tests: the hand-made corner of the CU d'Arras in a fresh database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.exports.builders import Corner, build_corner


@pytest.fixture
def corner(client, engine: Engine, tmp_path) -> Corner:
    return build_corner(engine, tmp_path)
