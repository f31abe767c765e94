"""Fixtures of the geo tests: the real shipped data, read once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.qpv import QpvFile, read_qpv
from geo.territory import Territory, load_territory

DATA = Path(__file__).resolve().parents[2] / "data"
OCCITANIE_QPV = DATA / "qpv" / "qpv-2015-occitanie.geojson"
QPV_LIST_2024 = DATA / "qpv" / "qpv-2024-liste-hauts-de-france.csv"
TERRITORY = DATA / "territory"


@pytest.fixture(scope="session")
def occitanie_qpv_path() -> Path:
    return OCCITANIE_QPV


@pytest.fixture(scope="session")
def qpv_list_2024() -> Path:
    return QPV_LIST_2024


@pytest.fixture(scope="session")
def territory_dir() -> Path:
    return TERRITORY


@pytest.fixture(scope="session")
def occitanie_qpv() -> QpvFile:
    return read_qpv(OCCITANIE_QPV)


@pytest.fixture(scope="session")
def territory() -> Territory:
    return load_territory(TERRITORY)
